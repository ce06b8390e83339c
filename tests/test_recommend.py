"""One action per person: the most urgent problem decides, with the matching cost."""

import pandas as pd
import pytest

from audit.findings import Finding
from audit.policy import load_policy
from audit.recommend import budget, recommend

POLICY = load_policy()


def person(eid="E1", **kw):
    base = dict(employee_id=eid, name=f"N{eid}", title="Analyst", department="Ops", seniority="mid",
                client_facing=False, platforms="internal", photo_source="photographer")
    return base | kw


def finding(code, eid="E1", severity=None, action=None, **evidence):
    rule = POLICY.rule(code)
    return Finding(code=code, name=rule.name, category=rule.category, severity=severity or rule.severity,
                   message=f"{code} message", employee_id=eid, evidence=evidence, action=action)


@pytest.mark.parametrize("who, found, action, cost", [
    (person(seniority="executive"), [finding("ROL001", ai_basis="provenance")], "retake", "photographer_session"),
    (person(), [finding("AI002")], "retake", "photographer_session"),
    (person(), [finding("DAT001")], "retake", "photographer_session"),
    (person(photo_source="ai"), [finding("STL001")], "refresh", "ai_service"),
    (person(photo_source="ai", platforms="website"), [finding("STL001")], "retake", "photographer_session"),
    (person(), [finding("STL001")], "retake", "photographer_session"),
    (person(), [finding("CON005", severity="medium")], "fix", "photo_fix"),
    (person(), [finding("CON004", severity="medium"), finding("CON009", severity="medium")], "fix", "photo_fix"),
    (person(), [finding("CON007", severity="medium", action="fix")], "fix", "photo_fix"),
    (person(), [finding("CON007", severity="medium", measure="sharpness")], "retake", "photographer_session"),
    (person(), [finding("CON005", severity="medium"), finding("CON006", severity="medium")], "retake",
     "photographer_session"),
    (person(), [finding("AI003")], "review", None),
    (person(seniority="executive"), [finding("ROL001", severity="medium", action="review")], "review", None),
    (person(photo_source="ai"), [finding("DAT003")], "retake", "ai_service"),  # low stakes: a new AI photo will do
    (person(photo_source="ai", seniority="executive"), [finding("DAT003")], "retake", "photographer_session"),
    (person(), [finding("CON004", severity="low")], "keep", None),  # a low finding never spends money
    (person(), [finding("DUP002")], "review", None),  # ... but can ask for a look
    (person(), [finding("STL001"), finding("DUP002"), finding("CON004", severity="medium")], "retake",
     "photographer_session"),
    (person(), [finding("STL002"), finding("AI004")], "keep", None),
    (person(), [], "keep", None),
])
def test_action_per_person(who, found, action, cost):
    [rec] = recommend(pd.DataFrame([who]), found, POLICY)
    assert rec.action == action, rec
    c = POLICY["costs"][cost] if cost else {"low": 0, "high": 0}
    assert (rec.cost_low, rec.cost_high) == (c["low"], c["high"])


def test_budget_suggests_a_photo_day_when_many_need_a_photographer():
    day = POLICY["costs"]["group_photo_day"]
    staff = pd.DataFrame([person(f"E{i}") for i in range(day["min_people"])])
    recs = recommend(staff, [finding("DAT001", f"E{i}") for i in range(day["min_people"])], POLICY)
    b = budget(recs, POLICY)
    ph = POLICY["costs"]["photographer_session"]
    assert b["by_action"]["retake"]["count"] == day["min_people"]
    assert b["total_low"] == ph["low"] * day["min_people"]
    assert b["photo_day"]["people"] == day["min_people"]
    assert b["photo_day"]["low"] == day["low"] + day["per_person"] * day["min_people"]
    fewer = budget(recs[:-1], POLICY)
    assert fewer["photo_day"] is None


def test_cost_per_year_follows_useful_life():
    b = budget([], POLICY)
    ph, ai = POLICY["costs"]["photographer_session"], POLICY["costs"]["ai_service"]
    assert b["cost_per_year"]["photographer_session"] == pytest.approx((ph["low"] + ph["high"]) / 2 / (ph["useful_life_months"] / 12), abs=0.01)
    assert b["cost_per_year"]["ai_service"] == pytest.approx((ai["low"] + ai["high"]) / 2 / (ai["useful_life_months"] / 12), abs=0.01)


def test_the_action_is_the_policy_entry(tmp_path):
    """recommend knows no rule code: a user's policy that gives a rule another action changes
    what the person gets."""
    p = tmp_path / "policy.toml"
    p.write_text('[rules.STL002]\nseverity = "medium"\naction = "refresh"\n'
                 '[rules.STL003]\naction = "confirm"\n[rules.DUP002]\naction = "remove"\n', encoding="utf-8")
    policy = load_policy(p)

    def one(who, code):
        rule = policy.rule(code)
        f = Finding(code=code, name=rule.name, category=rule.category, severity=rule.severity, message="m",
                    employee_id=who["employee_id"])
        [rec] = recommend(pd.DataFrame([who]), [f], policy)
        return rec.action, rec.cost_low

    assert one(person(photo_source="self"), "STL002") == ("refresh", policy["costs"]["ai_service"]["low"])
    assert one(person(), "STL003") == ("confirm", 0)
    assert one(person(), "DUP002") == ("remove", 0)
    assert recommend(pd.DataFrame([person()]), [finding("STL002")], POLICY)[0].action == "keep"


def test_a_code_without_a_rule_is_an_error_not_a_keep():
    f = Finding(code="XYZ001", name="new", category="data", severity="high", message="m", employee_id="E1")
    with pytest.raises(KeyError, match="XYZ001"):
        recommend(pd.DataFrame([person()]), [f], POLICY)


def test_plain_makes_values_json_safe():
    """Every row and finding goes through `plain` on its way to audit.json and the cache."""
    import json
    import math

    import numpy as np

    from audit.findings import plain

    value = {"f": 1.5, "nan": math.nan, "inf": -math.inf, "s": "x", "n": None, "b": True, "i": 3,
             "np": [np.float32(2.5), np.int64(7), np.bool_(False), np.float64("nan"), np.arange(2)],
             "t": (1, (2.0, "y")), 4: {"k": np.uint8(9)}}
    out = plain(value)
    assert out == {"f": 1.5, "nan": None, "inf": None, "s": "x", "n": None, "b": True, "i": 3,
                   "np": [2.5, 7, False, None, [0, 1]], "t": [1, [2.0, "y"]], "4": {"k": 9}}
    assert type(out["np"][1]) is int and type(out["np"][2]) is bool
    json.dumps(out, allow_nan=False)
