"""Rule tests as data: each file in rule_cases/ holds cases (staff CSV, photo feature rows, the
findings expected and those that must not appear), run through the real input layer and checks.

A case is audited like a portfolio: its staff CSV is read by `read_staff`, the photos' files
(and any extra `files`) exist on disk in a temporary portfolio and are joined by
`build_inventory`, and the hand-written feature rows stand in for the measurements. A case's
`policy` table goes through `build_policy`, the same merge and validation as a user's file.
"""

from __future__ import annotations

import tempfile
import tomllib
from datetime import date
from pathlib import Path

import pytest

from audit.checks import load_checks
from audit.inventory import build_inventory
from audit.pipeline import assess
from audit.policy import build_policy, load_policy
from audit.staff import read_staff

CASES_DIR = Path(__file__).parent / "rule_cases"
PHOTO_DEFAULTS = {"error": None, "capture_date": None, "prov_ai": False, "phash": None, "face_phash": None}


def load_cases():
    for path in sorted(CASES_DIR.glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            yield pytest.param(case, id=f"{path.stem}: {case['name']}")


def run_case(case: dict) -> list:
    policy = build_policy(case.get("policy", {}), f"case {case['name']!r}")
    as_of = date.fromisoformat(case.get("as_of", "2026-11-29"))
    rows = [PHOTO_DEFAULTS | p for p in case.get("photos", [])]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in [r["file"] for r in rows] + case.get("files", []):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(b"")
        csv = root / "staff.csv"
        csv.write_text(case["staff"].strip() + "\n", encoding="utf-8")
        staff = read_staff(csv, policy["columns"], as_of=as_of, values=policy["values"])
        inventory = build_inventory(root, staff, exclude=None)
        # `previous`: the photos of an earlier audit, as --identity --previous reads them
        previous = {p["employee_id"]: p for p in case.get("previous", [])}
        _photos, _style, findings = assess(inventory, rows, policy, as_of, previous_faces=previous)
    return findings


@pytest.mark.parametrize("case", list(load_cases()))
def test_rule_case(case):
    findings = run_case(case)
    got = {(f.code, f.employee_id) for f in findings}
    for exp in case.get("expect", []):
        match = [f for f in findings if f.code == exp["code"] and f.employee_id == exp.get("employee_id")]
        assert match, f"expected {exp} in {sorted(got)}"
        if "severity" in exp:
            assert match[0].severity == exp["severity"], match[0]
        if "action" in exp:
            assert match[0].action == exp["action"], match[0]
        if "message_contains" in exp:
            assert exp["message_contains"] in match[0].message, match[0].message
    for code in case.get("absent", []):
        assert not [f for f in findings if f.code == code], f"{code} must not fire: {sorted(got)}"


def test_every_rule_has_a_check_and_a_case():
    """The policy's rule catalogue, the registered checks and the case files agree: every rule
    is emitted by the check its entry names, and has a case that makes it fire."""
    policy = load_policy()
    checks = load_checks()
    registered = {code for spec in checks.values() for code in spec.codes}
    assert registered == set(policy.rules), set(policy.rules) ^ registered
    for code, rule in policy.rules.items():
        assert code in checks[rule.check].codes, code
    covered = {exp["code"] for p in CASES_DIR.glob("*.toml")
               for case in tomllib.loads(p.read_text())["case"] for exp in case.get("expect", [])}
    missing = set(policy.rules) - covered
    assert not missing, f"rules without a case: {sorted(missing)}"
