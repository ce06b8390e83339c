"""Recommendations: one action per person, with the reason and an estimated cost, and a budget.

Each finding asks for its rule's action (`action` in the policy entry, or the check's choice for
that finding, e.g. "review" where the evidence is only probabilistic). A person gets the most
urgent action any of their findings asks for (ACTIONS is ordered), costed by the stakes of their
role: a retake of a high-stakes or non-AI photo is a photographer's session, of a low-stakes AI
photo a new AI headshot; a refresh is a new photo of the same kind, so it becomes a
photographer's retake where the role or the photo's source calls for one. Nothing here knows a
rule code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .checks.role import stakes
from .findings import ACTIONS, Finding, severity_rank
from .policy import Policy

ACTION_LABELS = {
    "book": "Book into the photo day",
    "retake": "Retake with a photographer",
    "refresh": "Refresh the photo",
    "fix": "Fix crop, background or colour",
    "remove": "Take the photo down",
    "review": "Review",
    "confirm": "Confirm with the person",
    "keep": "Keep",
}
# Actions that cost money. A finding below SPEND_FROM severity never asks for one: a low
# finding is worth knowing, not worth a photo session (it can still ask for a look).
COSTLY_ACTIONS = {"book", "retake", "refresh", "fix"}
SPEND_FROM = "medium"
_ACTION_ORDER = {a: i for i, a in enumerate(ACTIONS)}


@dataclass
class Recommendation:
    employee_id: str
    name: str
    action: str
    priority: str  # the highest severity behind the action
    reason: str
    cost_low: float
    cost_high: float
    codes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"employee_id": self.employee_id, "name": self.name, "action": self.action, "priority": self.priority,
                "reason": self.reason, "cost_low": self.cost_low, "cost_high": self.cost_high, "codes": list(self.codes)}


def _cost(policy: Policy, item: str | None) -> tuple[float, float]:
    if item is None:
        return 0.0, 0.0
    if item == "photo_day_place":  # one more person at a photo day: the day itself is budgeted once
        per_person = float(policy["costs"]["group_photo_day"]["per_person"])
        return per_person, per_person
    c = policy["costs"][item]
    return float(c["low"]), float(c["high"])


def action_of(f: Finding, policy: Policy) -> str:
    """What the finding asks for: its own action, else its rule's (an unknown code is an error)."""
    return f.action or policy.rule(f.code).action


def _choose(person: Any, found: list[Finding], policy: Policy) -> tuple[str, str | None, list[Finding]]:
    """(action, cost item, the findings that drove it)."""
    blocking = [f for f in found if f.severity != "info"]
    if not blocking:
        return "keep", None, []
    high_stakes = bool(stakes(person, policy)) or bool(
        set((person.platforms or "").split(";")) & set(policy["stakes"]["large_display_platforms"]))
    asks: dict[str, list[Finding]] = {}
    for f in blocking:
        action = action_of(f, policy)
        if action in COSTLY_ACTIONS and severity_rank(f.severity) < severity_rank(SPEND_FROM):
            continue
        if action == "refresh" and (high_stakes or person.photo_source not in ("ai", "self")):
            action = "retake"  # a new photo of the same kind is a photographer's session here
        asks.setdefault(action, []).append(f)
    action = next((a for a in ACTIONS if a in asks and a != "keep"), None)
    if action is None:
        return "keep", None, blocking
    if action == "retake":
        item = "photographer_session" if high_stakes or person.photo_source != "ai" else "ai_service"
    else:
        item = {"book": "photo_day_place", "refresh": "ai_service", "fix": "photo_fix"}.get(action)
    return action, item, asks[action]


def recommend(staff: pd.DataFrame, findings: list[Finding], policy: Policy) -> list[Recommendation]:
    by_person: dict[str, list[Finding]] = {}
    for f in findings:
        for eid in f.subjects:  # a finding about a group drives the action of each person it lists
            by_person.setdefault(eid, []).append(f)
    recs = []
    for person in staff.itertuples(index=False):
        found = by_person.get(person.employee_id, [])
        action, item, why = _choose(person, found, policy)
        low, high = _cost(policy, item)
        if why:
            top = max(why, key=lambda f: severity_rank(f.severity))
            priority = top.severity
            # A finding about a group names everyone; beside one person, its short form is enough.
            reason = top.message if top.employee_id else str(top.evidence.get("for_each") or top.message)
            if len(why) > 1:
                reason += f" (+{len(why) - 1} more)"
        else:
            priority = "info"
            minor = [f for f in found if f.severity != "info"]
            reason = ("; ".join(f.name for f in minor) + " (minor; no action needed now)") if minor else "no problems found"
        recs.append(Recommendation(person.employee_id, person.name, action, priority, reason, low, high,
                                   sorted({f.code for f in why})))
    recs.sort(key=lambda r: (_ACTION_ORDER[r.action], -severity_rank(r.priority), r.name or r.employee_id))
    return recs


def priority_sorted(recs: list[Any], findings: list[Any] | None = None) -> list[Any]:
    """Most urgent first: by action (retake first, keep last), then priority (the severity
    behind the action), then how many problems the person has (from `findings`), then name.
    Rank 1 = most urgent. Action first, so the report's tables, grouped by action, show ranks
    without gaps, and no one who keeps their photo ranks above someone who must act."""
    problems: dict[str, int] = {}
    for f in findings or []:
        if f.employee_id and f.severity != "info":
            problems[f.employee_id] = problems.get(f.employee_id, 0) + 1
    return sorted(recs, key=lambda r: (_ACTION_ORDER[r.action], -severity_rank(r.priority),
                                       -problems.get(r.employee_id, 0), (r.name or "").lower(), r.employee_id))


def budget(recs: list[Recommendation], policy: Policy) -> dict[str, Any]:
    """Totals by action, and the comparisons the article makes: cost per year of use, and a
    group photo day when many people need a photographer."""
    costs = policy["costs"]
    by_action = {a: {"count": 0, "low": 0.0, "high": 0.0} for a in ACTIONS}
    for r in recs:
        b = by_action[r.action]
        b["count"] += 1
        b["low"] += r.cost_low
        b["high"] += r.cost_high
    total_low = sum(b["low"] for b in by_action.values())
    total_high = sum(b["high"] for b in by_action.values())
    retakes, booked = by_action["retake"]["count"], by_action["book"]["count"]
    day = costs["group_photo_day"]
    photo_day = None
    if booked:
        # People on a placeholder are booked into a photo day: the day's own fee is certain, and
        # the totals (the plan without joining retakes to the day) carry it once.
        total_low += day["low"]
        total_high += day["high"]
    if booked or retakes >= day["min_people"]:
        people = retakes + booked
        day_low = day["low"] + day["per_person"] * people
        day_high = day["high"] + day["per_person"] * people
        # Without the day for the retakes: their individual sessions, plus the booked people's day.
        alone_low = by_action["retake"]["low"] + by_action["book"]["low"] + (day["low"] if booked else 0)
        alone_high = by_action["retake"]["high"] + by_action["book"]["high"] + (day["high"] if booked else 0)
        photo_day = {"people": people, "booked": booked, "low": day_low, "high": day_high,
                     "individual_low": alone_low, "individual_high": alone_high,
                     "cheaper": day_high < alone_low or (day_low + day_high) < (alone_low + alone_high)}

    def per_year(item: str) -> float:
        c = costs[item]
        months = c["useful_life_months"] or 12
        return round((c["low"] + c["high"]) / 2 / (months / 12), 2)

    return {
        "currency": costs["currency"],
        "by_action": by_action,
        "total_low": total_low,
        "total_high": total_high,
        "photo_day": photo_day,
        "cost_per_year": {"photographer_session": per_year("photographer_session"), "ai_service": per_year("ai_service")},
        "sources": {k: costs[k] for k in ("ai_service", "photographer_session", "group_photo_day")},
    }
