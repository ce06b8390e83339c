"""Rule tests as data: each file in rule_cases/ holds cases (staff rows, photo feature rows,
the findings expected and those that must not appear), run through the real checks."""

from __future__ import annotations

import io
import tomllib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from audit.ai_evidence import score_photos
from audit.checks import REGISTRY, CheckContext, run_checks
from audit.policy import load_policy
from audit.staff import _validate_rows, map_columns
from audit.tables import nulls_to_none

CASES_DIR = Path(__file__).parent / "rule_cases"
PHOTO_DEFAULTS = {"error": None, "is_primary": True, "capture_date": None, "prov_ai": False,
                  "phash": None, "face_phash": None}


def load_cases():
    for path in sorted(CASES_DIR.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            yield pytest.param(case, id=f"{path.stem}: {case['name']}")


def run_case(case: dict) -> list:
    policy = load_policy()
    for section, values in case.get("policy", {}).items():
        policy.data[section].update(values)
    as_of = date.fromisoformat(case.get("as_of", "2026-11-29"))
    raw = pd.read_csv(io.StringIO(case["staff"].strip()), dtype=str, keep_default_na=False)
    mapping = map_columns(list(raw.columns))
    staff = _validate_rows(raw.rename(columns=mapping), mapping, as_of)
    frame = staff.frame
    frame["file"] = [p or None for p in frame["photo"]]
    owners = dict(zip(frame["file"], frame["employee_id"]))
    rows = [PHOTO_DEFAULTS | {"employee_id": owners.get(p["file"])} | p for p in case.get("photos", [])]
    photos = nulls_to_none(pd.DataFrame.from_records(rows, columns=list({"file": 0, "employee_id": 0} | PHOTO_DEFAULTS) if not rows else None))
    photos = score_photos(photos, frame, policy)
    ctx = CheckContext(staff=frame, photos=photos, policy=policy, as_of=as_of, issues=staff.issues)
    return run_checks(ctx)


@pytest.mark.parametrize("case", list(load_cases()))
def test_rule_case(case):
    findings = run_case(case)
    got = {(f.code, f.employee_id) for f in findings}
    for exp in case.get("expect", []):
        match = [f for f in findings if f.code == exp["code"] and f.employee_id == exp.get("employee_id")]
        assert match, f"expected {exp} in {sorted(got)}"
        if "severity" in exp:
            assert match[0].severity == exp["severity"], match[0]
        if "message_contains" in exp:
            assert exp["message_contains"] in match[0].message, match[0].message
    for code in case.get("absent", []):
        assert not [f for f in findings if f.code == code], f"{code} must not fire: {sorted(got)}"


def test_every_rule_has_a_check_and_a_case():
    """The policy's rule catalogue, the registered checks and the case files agree."""
    policy = load_policy()
    run_case({"name": "empty", "staff": "employee_id,name"})
    registered = {code for _fn, codes in REGISTRY.values() for code in codes}
    assert registered == set(policy.rules), set(policy.rules) ^ registered
    covered = {exp["code"] for p in CASES_DIR.glob("*.toml")
               for case in tomllib.loads(p.read_text())["case"] for exp in case.get("expect", [])}
    # Data rules DAT002-DAT004 and DAT007 need files on disk: they are tested in test_inventory.
    missing = set(policy.rules) - covered - {"DAT002", "DAT003", "DAT004", "DAT007"}
    missing = {c for c in missing if not c.startswith("CON")}  # consistency rules: test_consistency
    assert not missing, f"rules without a case: {sorted(missing)}"
