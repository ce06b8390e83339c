"""One report per group of staff (`--split-by department`, or any staff column): each department
head gets their own people, their own key numbers and budget, measured against the company's
house style (the checks ran on the whole set, so a photo is an outlier of the company's look,
not of its department's).

`group_results` cuts an audit result into one result per value of the column; `folder_name`
turns a value into a folder name that is safe on every file system.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any, Iterator

import pandas as pd

from ..errors import ReportError
from ..pipeline import AuditResult
from ..recommend import budget

NO_VALUE = "(none)"
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def folder_name(value: str, max_length: int = 64) -> str:
    """'People & Culture' -> 'People-Culture'; '../etc' -> 'etc'; '' -> 'none'. Letters and digits
    of any script are kept; separators, dots at the ends and control characters are not."""
    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"[^\w.\-]+", "-", text, flags=re.UNICODE)
    text = re.sub(r"-{2,}", "-", text).strip(".-_ ")[:max_length].rstrip(".-_ ")
    if not text:
        return "none"
    if text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def resolve_column(column: str, names: dict[str, str]) -> str:
    """The staff column `column` means: a column name or a header of the staff CSV, in any case
    (`names` maps each accepted spelling to its column). Raises ReportError naming the columns."""
    by_lower = {k.lower(): v for k, v in names.items()}
    hit = names.get(column) or by_lower.get(column.strip().lower())
    if not hit:
        raise ReportError(f"--split-by {column}: not a staff column; choose from {', '.join(sorted(set(names.values())))}")
    return hit


def staff_columns(result: AuditResult) -> dict[str, str]:
    """The columns of an audit's staff table a report can be split by, each under its own name."""
    return {c: c for c in result.staff.columns if c not in ("row", "file", "match_rule")}


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v) or str(v).strip() == "":
        return NO_VALUE
    return str(v).strip()


def group_result(result: AuditResult, ids: set[str]) -> AuditResult:
    """The audit of only the people in `ids`: their staff rows, photos, findings, actions and
    budget, and the group's leavers whose photos are still up. Files tied to no one stay in the
    company's report. The house style stays the
    company's; the consistency score becomes the group's own (the mean of its photos' scores
    against the main style)."""
    staff = result.staff[result.staff["employee_id"].isin(ids)].reset_index(drop=True)
    photos = result.photos[result.photos["employee_id"].isin(ids)].reset_index(drop=True)
    recs = [r for r in result.recommendations if r.employee_id in ids]
    style = dict(result.style_summary or {})
    if style and "consistency_score_main" in photos:
        scores = pd.to_numeric(photos["consistency_score_main"], errors="coerce").dropna()
        style["company_set_score"] = style.get("set_score")
        style["set_score"] = int(round(float(scores.mean()))) if len(scores) else None
    inv = result.inventory
    leavers = inv.leavers[inv.leavers["employee_id"].isin(ids)] if "employee_id" in inv.leavers else inv.leavers
    leaver_files = set(leavers["file"].dropna()) if "file" in leavers else set()
    return dataclasses.replace(
        result, inventory=dataclasses.replace(inv, staff=staff, photos=photos, leavers=leavers.reset_index(drop=True),
                                              leaver_files=[f for f in inv.leaver_files if f in leaver_files]),
        photos=photos, findings=[f for f in result.findings if f.employee_id in ids], recommendations=recs,
        budget=budget(recs, result.policy), style_summary=style, _summary=None, _photo_records=None)


def group_results(result: AuditResult, column: str) -> Iterator[tuple[str, str, AuditResult]]:
    """(value, folder name, the group's result) for each value of `column`, in the order of the
    values; two values that would share a folder name get -2, -3..."""
    column = resolve_column(column, staff_columns(result))
    members: dict[str, set[str]] = {}
    leavers = result.inventory.leavers
    for frame in (result.staff, leavers if column in leavers and "employee_id" in leavers else None):
        if frame is not None:
            for eid, v in zip(frame["employee_id"], frame[column]):
                members.setdefault(_value(v), set()).add(eid)
    used: set[str] = set()
    for value in sorted(members, key=lambda v: (v == NO_VALUE, v.lower())):
        name = base = folder_name(value if value != NO_VALUE else "none")
        n = 1
        while name.lower() in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name.lower())
        yield value, name, group_result(result, members[value])


def group_row(value: str, folder: str, group: AuditResult, pdf: bool = False) -> dict[str, Any]:
    """One line of the split's index page: the group's size, who needs something, the worst
    findings and the budget of its recommended plan."""
    from .budget_plan import plan_budget

    s = group.summary()
    plan = plan_budget(group.budget)
    return {"value": value, "folder": folder, "staff": s["staff"], "pdf": pdf,
            "with_action": sum(1 for r in group.recommendations if r.action != "keep"),
            "high": s["by_severity"]["critical"] + s["by_severity"]["high"],
            "low_cost": plan["low"], "high_cost": plan["high"]}
