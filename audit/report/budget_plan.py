"""The budget plan: what the recommended plan costs (a group photo day replacing individual
sessions when it is cheaper) and the ways to get new photos for everyone who needs one, compared
per year of use. Pure arithmetic on the audit's budget and the policy's costs, shared by the
report, its summary sentences and each group's report of a split run."""

from __future__ import annotations

from typing import Any

from ..pipeline import AuditResult


def plan_budget(budget: dict[str, Any]) -> dict[str, Any]:
    """The budget of the recommended plan: individual sessions replaced by a group photo day
    when the day is cheaper."""
    low, high = budget["total_low"], budget["total_high"]
    day = budget.get("photo_day")
    if day and day["cheaper"]:
        return {"low": low - day["individual_low"] + day["low"], "high": high - day["individual_high"] + day["high"],
                "photo_day": True}
    return {"low": low, "high": high, "photo_day": False}


def budget_options(result: AuditResult) -> dict[str, Any]:
    """Ways to get new photos for everyone who needs one (retake + refresh), priced with the
    policy's costs and compared per year of use (useful life from the policy)."""
    b = result.budget
    costs = result.policy["costs"]
    n_retake = b["by_action"]["retake"]["count"]
    n_refresh = b["by_action"]["refresh"]["count"]
    n = n_retake + n_refresh
    ph, ai, day = costs["photographer_session"], costs["ai_service"], costs["group_photo_day"]

    def row(label: str, low: float, high: float, months: float, turnaround: str, note: str) -> dict[str, Any]:
        years = (months or 12) / 12
        return {"label": label, "low": low, "high": high, "months": months, "turnaround": turnaround,
                "per_year_low": low / years, "per_year_high": high / years, "note": note}

    rows = []
    if n:
        rows.append(row(f"Individual photographer sessions ({n:,} people)", n * ph["low"], n * ph["high"],
                        ph["useful_life_months"], ph["turnaround"], "one portrait style per photographer"))
        rows.append(row(f"Group photo day ({n:,} people)", day["low"] + day["per_person"] * n,
                        day["high"] + day["per_person"] * n, day["useful_life_months"], day["turnaround"],
                        "one consistent look; needs people on site"))
        rows.append(row(f"AI headshot service ({n:,} people)", n * ai["low"], n * ai["high"],
                        ai["useful_life_months"], ai["turnaround"], "not for high-stakes roles"))
        if n_retake and n_refresh:
            photog_low = min(n_retake * ph["low"], day["low"] + day["per_person"] * n_retake) if n_retake >= day["min_people"] else n_retake * ph["low"]
            photog_high = min(n_retake * ph["high"], day["high"] + day["per_person"] * n_retake) if n_retake >= day["min_people"] else n_retake * ph["high"]
            life = (ph["useful_life_months"] * n_retake + ai["useful_life_months"] * n_refresh) / n
            rows.append(row(f"Hybrid: photographer for {n_retake:,}, AI for {n_refresh:,}",
                            photog_low + n_refresh * ai["low"], photog_high + n_refresh * ai["high"], life,
                            "as above", "the recommended mix"))
    cheapest = min(rows, key=lambda r: r["per_year_low"] + r["per_year_high"]) if rows else None
    return {"rows": rows, "people": n, "retake": n_retake, "refresh": n_refresh, "cheapest": cheapest}
