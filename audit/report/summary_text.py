"""The report's summary in sentences: what changed since the last audit and the executive
summary (what was audited, who needs what, the AI photos, the budget). Words only; the numbers
come from the audit result and the budget plan."""

from __future__ import annotations

from typing import Any

from ..history import History
from ..pipeline import AuditResult
from ..recommend import ACTIONS
from .budget_plan import plan_budget


def since_last(history: History | None, s: dict[str, Any]) -> str | None:
    if not history or not history.changes:
        return None
    c = history.changes
    n = c.counts()
    bits = [f"{n['new']} new finding{'s' if n['new'] != 1 else ''}",
            f"{n['resolved']} resolved"]
    if n["resolved_with_leavers"]:
        bits.append(f"{n['resolved_with_leavers']} more gone with people who left")
    people = []
    if c.joined:
        people.append(f"{len(c.joined)} joined")
    if c.left:
        people.append(f"{len(c.left)} left")
    text = (f"Since the last audit ({c.previous_as_of}): " + ", ".join(bits)
            + f"; {len(c.photos_replaced)} photo{'s' if len(c.photos_replaced) != 1 else ''} replaced")
    if people:
        text += "; " + " and ".join(people)
    return text + "."


def executive_summary(result: AuditResult, s: dict[str, Any], history: History | None) -> list[str]:
    b = result.budget
    counts = {a: b["by_action"][a]["count"] for a in ACTIONS}
    cur = b["currency"]
    lines = []
    since = since_last(history, s)
    if since:
        lines.append(since)
    lines.append(f"We audited {s['photos']:,} photo files for {s['staff']:,} staff "
                 f"({s['staff_with_photo']:,} have a photo we could match).")
    act = []
    if counts["book"]:
        act.append(f"{counts['book']:,} have only a placeholder image and need a place at the next photo day")
    if counts["retake"]:
        act.append(f"{counts['retake']:,} need a retake with a photographer")
    if counts["refresh"]:
        act.append(f"{counts['refresh']:,} a refreshed photo")
    if counts["fix"]:
        act.append(f"{counts['fix']:,} a fix to the existing photo (crop, background or colour)")
    if counts["review"]:
        act.append(f"{counts['review']:,} a human review")
    if act:
        lines.append("Of the staff, " + ", ".join(act) + f"; {counts['keep']:,} can keep their photo.")
    else:
        lines.append("Every staff member can keep their current photo.")
    role = [f for f in result.findings if f.code == "ROL001" and f.severity in ("high", "critical")]
    if s["ai_photos"]:
        lines.append(
            f"{s['ai_photos']:,} photos look AI-generated ({s['ai_confirmed']:,} confirmed by provenance metadata or "
            f"declared by HR)" + (f"; {len(role):,} of them in high-stakes roles, where a photographer's portrait "
                                  "is the advice." if role else "."))
    plan = plan_budget(b)
    if plan["photo_day"]:
        lines.append(f"Estimated budget: {cur} {plan['low']:,.0f}–{plan['high']:,.0f} with a group photo day for the "
                     f"{b['photo_day']['people']:,} people who need a photographer ({cur} {b['total_low']:,.0f}–{b['total_high']:,.0f} with "
                     "individual sessions).")
    else:
        lines.append(f"Estimated budget: {cur} {b['total_low']:,.0f}–{b['total_high']:,.0f}.")
    return lines
