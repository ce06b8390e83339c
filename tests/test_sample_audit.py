"""The main job end to end: `headshot-audit run sample_portfolio --as-of 2026-11-29` finds every
problem planted in the sample (sample_portfolio/README.md), and nothing on the control row."""

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import cli

SAMPLE = Path(__file__).resolve().parent.parent / "sample_portfolio"

# (code, employee_id or None, file or None) that the planted problems must raise.
EXPECTED = [
    ("AI001", "E1001", "photos/E1001.jpg"), ("ROL001", "E1001", "photos/E1001.jpg"),
    ("STL001", "E1003", "photos/E1003.jpg"),
    ("STL002", "E1004", "photos/E1004.jpg"),
    ("DUP003", "E1005", None),
    ("CON005", "E1006", "photos/E1006.jpg"),
    ("CON005", "E1007", "photos/E1007.jpg"),
    ("AI001", "E1008", "photos/E1008.png"), ("ROL001", "E1008", "photos/E1008.png"),
    ("DUP001", None, None),
    ("STL003", "E1011", "photos/E1011.jpg"),
    ("DAT005", "E1012", None),
    ("DAT006", "E1013", None),
    ("DAT003", "E1014", "photos/broken.jpg"),
    ("AI001", "E1015", "photos/E1015.jpg"), ("AI002", "E1015", "photos/E1015.jpg"), ("ROL002", "E1015", None),
    ("DAT007", "E1016", None),
    ("DAT004", "E1017", None),
    ("CON007", "E1018", "photos/E1018.jpg"),
    ("AI001", "E1020", "photos/E1020.jpg"),
    ("STL001", "E1022", "photos/E1022.jpg"), ("AI001", "E1022", "photos/E1022.jpg"),
    ("CON008", "E1023", "photos/E1023.jpg"),
    ("DAT001", "E1024", None),
    ("CON003", "E1025", "photos/E1025.jpg"),
    ("CON004", "E1026", "photos/E1026.jpg"),
    ("CON006", "E1027", "photos/E1027.jpg"),
    ("DAT002", None, "photos/former_jsmith.jpg"),
]


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-out")
    r = CliRunner().invoke(cli, ["run", str(SAMPLE), "--out", str(out), "--as-of", "2026-11-29", "--no-cache"])
    assert r.exit_code == 0, r.output
    return out, json.loads((out / "audit.json").read_text())


@pytest.mark.parametrize("code, eid, file", EXPECTED)
def test_planted_problem_is_found(audit, code, eid, file):
    _, doc = audit
    hits = [f for f in doc["findings"] if f["code"] == code
            and (eid is None or f["employee_id"] == eid) and (file is None or f["file"] == file)]
    assert hits, (code, eid, file)


def test_the_control_and_the_matched_rows_are_clean(audit):
    _, doc = audit
    for eid in ("E1002", "E1019", "E1021"):
        assert [f["code"] for f in doc["findings"] if f["employee_id"] == eid and f["severity"] != "info"] == [], eid
    staff = {s["employee_id"]: s for s in doc["staff"]}
    assert (staff["E1019"]["file"], staff["E1019"]["match_rule"]) == ("photos/E1019.jpg", "employee id")
    assert (staff["E1021"]["file"], staff["E1021"]["match_rule"]) == ("photos/li.wei.jpg", "e-mail local part")


def test_adequate_ai_uses_raise_no_role_finding(audit):
    _, doc = audit
    assert not [f for f in doc["findings"] if f["category"] == "role" and f["employee_id"] in ("E1020", "E1022")]


def test_every_category_occurs_and_every_photo_has_a_score(audit):
    _, doc = audit
    assert {f["category"] for f in doc["findings"]} == {"data", "stale", "consistency", "ai", "role", "duplicate"}
    for p in doc["photos"]:
        assert p["ai_score"] is None if p["error"] else 0 <= p["ai_score"] <= 1, p["file"]


def test_report_files_and_pdf_text(audit):
    out, _ = audit
    assert {"report.pdf", "report.html", "audit.json", "findings.csv", "photos.csv"} <= {p.name for p in out.iterdir()}
    text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    for needle in ("Executive summary", "Helen Marsh", "Budget", "Method and limits"):
        assert needle in text


def test_fail_on_high_exits_1(tmp_path):
    r = CliRunner().invoke(cli, ["run", str(SAMPLE), "--out", str(tmp_path), "--as-of", "2026-11-29", "--format", "json",
                                 "--fail-on", "high"])
    assert r.exit_code == 1
