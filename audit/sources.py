"""Photo sources HR confirmed: `sources_to_confirm.csv` out, and the filled-in file back in.

The audit asks (rule AI005) where a high-stakes photo came from when nothing can tell: no
provenance in the file, no `photo_source` in the staff CSV, no forensic suspicion. It writes one
row per such photo with an empty `photo_source` column. HR fills it in and passes the file back
with `--sources FILE`; the next run treats each answer as the declared source, exactly as if it
had been in the staff CSV (the staff CSV's own value wins where both are given and differ, and
the difference is reported).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .facts import InputFact
from .staff import StaffError, read_staff

COLUMNS = ("employee_id", "person", "file", "where_used", "photo_source")


class SourcesError(StaffError):
    """The sources file cannot be used at all; the message names the file."""


def _fact(path: Path, reason: str, row: int | None = None, employee_id: str | None = None,
          column: str | None = None, value: str | None = None) -> InputFact:
    return InputFact("source_answer", row=row, employee_id=employee_id, column=column, value=value,
                     reason=reason, extra={"source_file": Path(path).name})


def read_sources(path: Path, policy: Any) -> tuple[dict[str, str], list[InputFact]]:
    """employee_id -> declared source from a filled-in sources_to_confirm.csv (or any CSV with
    `employee_id` and `photo_source` columns; headers and values are read as in the staff CSV,
    the policy's [columns] and [values] maps included). Rows left empty are skipped; a value
    that is not a source is a fact naming the file and the row."""
    try:
        table = read_staff(Path(path), policy["columns"], values=policy["values"])
    except StaffError as exc:
        raise SourcesError(str(exc).replace("staff CSV", "sources file")) from None
    if "photo_source" not in table.column_map.values():
        raise SourcesError(f"{path}: the sources file has no photo_source column")
    facts = [_fact(path, f"{f.column} {f.value!r} {f.reason}; that answer is not used" if f.column
                   else (f.reason or "the row could not be read"), row=f.row, employee_id=f.employee_id,
                   column=f.column, value=f.value) for f in table.facts]
    answers: dict[str, str] = {}
    for rec in table.frame.to_dict("records"):
        if rec["photo_source"] and rec["photo_source"] != "unknown":
            answers[str(rec["employee_id"])] = rec["photo_source"]
    return answers, facts


def apply_sources(staff: pd.DataFrame, answers: dict[str, str], path: Path) -> tuple[pd.DataFrame, list[InputFact]]:
    """`staff` with the confirmed sources filled in where the staff CSV has none; a column
    `photo_source_from` says where each known source came from."""
    out = staff.copy()
    origin, sources, facts = [], [], []
    known = set(out["employee_id"])
    for eid, src in zip(out["employee_id"], out["photo_source"]):
        answer = answers.get(eid)
        if answer and src in (None, "unknown"):
            sources.append(answer)
            origin.append("sources file")
            continue
        if answer and answer != src:
            facts.append(_fact(path, f"{eid}: photo_source {answer!r} differs from the staff CSV's {src!r}; "
                               "the staff CSV's value is used", employee_id=eid, column="photo_source", value=answer))
        sources.append(src)
        origin.append("staff CSV" if src not in (None, "unknown") else None)
    for eid in sorted(set(answers) - known):
        facts.append(_fact(path, f"employee_id {eid!r} is not in the staff CSV; its answer is not used",
                           column="employee_id", value=eid))
    out["photo_source"] = sources
    out["photo_source_from"] = origin
    return out, facts


def confirm_rows(result: Any) -> list[dict[str, Any]]:
    """One row per AI005 finding of `result` (already anonymised when the outputs are)."""
    staff = {r["employee_id"]: r for r in result.staff.to_dict("records")}
    rows = []
    for f in result.findings:
        if f.code != "AI005":
            continue
        p = staff.get(f.employee_id, {})
        where = "; ".join(list(f.evidence.get("stakes") or []) + list(f.evidence.get("platforms") or []))
        rows.append({"employee_id": f.employee_id, "person": p.get("name") or "", "file": f.file,
                     "where_used": where, "photo_source": ""})
    return rows
