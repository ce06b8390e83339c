"""Machine-readable exports: audit.json (the stable contract) and the three tables (findings,
photos, actions) that findings.csv, photos.csv, actions.csv and report.xlsx are written from."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd

from ..findings import plain
from ..input_summary import public
from ..pipeline import AuditResult, audit_metadata

SCHEMA_VERSION = 1
# Cells starting with these are formulas to a spreadsheet (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
# Excel reads a CSV without a byte-order mark in the machine's legacy code page ("JosÃ© MÃ¼ller");
# with it, as UTF-8. Other CSV readers skip it (Python: encoding="utf-8-sig").
BOM = "\ufeff"


def to_json(result: AuditResult, history: Any = None, anonymized: bool = False) -> str:
    """audit.json: compact, so that the C encoder writes 100,000 staff in about a second.
    `changes` holds the finding keys new, resolved and persisting since the previous audit
    (null when no earlier audit was given); `history` the key numbers at each audit."""
    changes = history.changes.to_dict() if history is not None and history.changes else None
    doc = {
        "schema_version": SCHEMA_VERSION,
        "as_of": result.config.as_of.isoformat(),
        "generated_by": audit_metadata(result),
        "summary": plain(result.summary()),
        "photos": result.photo_records(),
        "findings": [f.to_dict() for f in result.findings],
        "staff": [plain(r) for r in result.staff.to_dict("records")],
        "recommendations": [r.to_dict() for r in result.recommendations],
        "budget": plain(result.budget),
        "house_style": plain(result.style_baseline) or None,
        "anonymized": anonymized,
        "changes": plain(changes),
        "history": plain({"trend": history.trend}) if history is not None and history.trend else None,
        "input": public(result.input, anonymized),
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a leading quote makes Excel and LibreOffice show text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.map(safe_cell).to_csv(buf, index=False, lineterminator="\n")
    return BOM + buf.getvalue()


def group_names(f: Any) -> str:
    """'Ann; Bo; Cy' for a finding about a group of people (a shared picture), else ''."""
    members = f.evidence.get("members") if isinstance(f.evidence, dict) else None
    return "; ".join(str(m.get("name") or m.get("employee_id")) for m in members) if isinstance(members, list) else ""


def findings_table(result: AuditResult) -> pd.DataFrame:
    """One row per finding, with the person's name and action beside it."""
    names = dict(zip(result.staff["employee_id"], result.staff["name"]))
    actions = {r.employee_id: r.action for r in result.recommendations}
    rows = [{
        "severity": f.severity, "code": f.code, "name": f.name, "category": f.category,
        "employee_id": f.employee_id, "person": names.get(f.employee_id, "") if f.employee_id else group_names(f),
        "file": f.file,
        "related_files": ";".join(f.related_files), "message": f.message,
        "recommendation": f.recommendation, "action": actions.get(f.employee_id, ""),
        "evidence": json.dumps(plain(f.evidence), ensure_ascii=False, sort_keys=True),
        "key": f.key,  # the same key as in audit.json's `changes` lists
    } for f in result.findings]
    cols = ["severity", "code", "name", "category", "employee_id", "person", "file", "related_files",
            "message", "recommendation", "action", "evidence", "key"]
    return pd.DataFrame.from_records(rows, columns=cols)


def photos_table(result: AuditResult) -> pd.DataFrame:
    """One row per photo file, every measured feature a column."""
    return pd.DataFrame.from_records(result.photo_records())


def actions_table(result: AuditResult) -> pd.DataFrame:
    """One row per person, most urgent first: `priority_rank` 1 is the first to act on (by the
    severity behind the action, then the action, then the name), so sorting on it restores the
    order after any other sort in a spreadsheet."""
    from ..recommend import priority_sorted

    staff = {r["employee_id"]: r for r in result.staff[[c for c in ("employee_id", "title", "department", "email", "photo_date")
                                                        if c in result.staff]].to_dict("records")}
    rows = []
    for rank, r in enumerate(priority_sorted(result.recommendations, result.findings), start=1):
        p = staff.get(r.employee_id, {})
        rows.append({"priority_rank": rank, **r.to_dict(), "codes": ";".join(r.codes),
                     "title": p.get("title"), "department": p.get("department"), "email": p.get("email"),
                     "photo_date": p.get("photo_date")})
    cols = ["priority_rank", "employee_id", "name", "action", "priority", "reason", "cost_low", "cost_high",
            "codes", "title", "department", "email", "photo_date"]
    return pd.DataFrame.from_records(rows, columns=cols)


def findings_csv(result: AuditResult) -> str:
    return _csv(findings_table(result))


def photos_csv(result: AuditResult) -> str:
    return _csv(photos_table(result))


def actions_csv(result: AuditResult) -> str:
    return _csv(actions_table(result))


def sources_csv(result: AuditResult) -> str:
    """sources_to_confirm.csv: one row per photo whose source the audit asks about (AI005), with
    an empty photo_source column to fill in (photographer, ai, self) and pass back with --sources."""
    from ..sources import COLUMNS, confirm_rows

    return _csv(pd.DataFrame.from_records(confirm_rows(result), columns=list(COLUMNS)))
