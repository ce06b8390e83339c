"""The report's summary in sentences: what changed since the last audit and the executive
summary (what was audited, who needs what, the AI photos, the budget). Words only; the numbers
come from the audit result and the budget plan."""

from __future__ import annotations

from typing import Any

from ..ai_evidence import detector_figures
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
    lines.append(ai_sentence(result, s))
    plan = plan_budget(b)
    if plan["photo_day"]:
        lines.append(f"Estimated budget: {cur} {plan['low']:,.0f}–{plan['high']:,.0f} with a group photo day for the "
                     f"{b['photo_day']['people']:,} people who need a photographer ({cur} {b['total_low']:,.0f}–{b['total_high']:,.0f} with "
                     "individual sessions).")
    else:
        lines.append(f"Estimated budget: {cur} {b['total_low']:,.0f}–{b['total_high']:,.0f}.")
    return lines


def ai_sentence(result: AuditResult, s: dict[str, Any]) -> str:
    """The AI numbers in one paragraph: confirmed, suspected and unknown kept apart, what the
    pixel check misses (from the shipped model's own figures), and the high-stakes cases."""
    n = s.get("ai_assessed_photos") or 0
    if not n:
        return "No photo could be checked for AI generation."
    role = sum(1 for f in result.findings if f.code == "ROL001" and f.severity in ("high", "critical"))
    ask = sum(1 for f in result.findings if f.code == "AI005")
    conf, sus, unk = s["ai_confirmed"], s["ai_suspected"], s["ai_source_unknown"]
    text = (f"AI photos: {conf:,} confirmed (the file's own record or HR's declaration)"
            f"{f', {sus:,} more suspected by the pixel check' if sus else ''}; "
            f"{unk:,} of {n:,} photos are of unconfirmed source.")
    caveat = detector_figures().caveat(result.policy["ai"]["suspect_score"])
    if caveat and (unk or sus):
        text += " " + caveat
    if role:
        text += f" {role:,} confirmed AI photo{'s are' if role != 1 else ' is'} in a high-stakes role: retake."
    if ask:
        text += f" Ask where {ask:,} high-stakes photo{'s' if ask != 1 else ''} came from (sources_to_confirm.csv)."
    return text


def role_context(policy: Any) -> dict[str, Any]:
    """The policy's stakes, for the method page: who and where counts as high-stakes, and where
    an AI headshot is adequate."""
    st, org = policy["stakes"], policy["organisation"]
    return {"seniority": list(st["executive_seniority"]), "sectors": list(org["high_stakes_sectors"]),
            "industry": org["industry"], "large": list(st["large_display_platforms"]),
            "adequate_platforms": list(st["ai_adequate_platforms"]),
            "adequate_seniority": list(st["ai_adequate_seniority"]),
            "title_words": sorted(w for w, r in st["title_words"].items() if r.get("enabled", True)),
            "in_context": [{"word": w, "only_in": r["only_in"], "unless": r.get("unless", [])}
                           for w, r in sorted(st["title_words"].items()) if r.get("enabled", True) and r.get("only_in")],
            "photographer_years": _years(policy["staleness"]["photographer"])}


def _years(ages: dict[str, Any]) -> str:
    """'2-3' from a staleness entry's warn and refresh months (24, 36)."""
    lo, hi = ages["warn"] / 12, ages["refresh"] / 12

    def f(v: float) -> str:
        return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"

    return f(lo) if f(lo) == f(hi) else f"{f(lo)}–{f(hi)}"
