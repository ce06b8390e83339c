"""A real company's data in: an HR system's export with leavers, photos named by e-mail, by name
and by id in department folders, file names that are not UTF-8, relative paths, and outputs
Excel opens right. Driven through the command line, as a user meets it."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from PIL import Image

from audit.cli import cli
from audit.policy import PolicyError, load_policy

# A Workday custom report, as issue 13 received it (plus one ignored header that matters).
WORKDAY = ("Employee ID,Legal Name,Business Title,Supervisory Organization,Management Level,Primary Work Email,"
           "Worker Status,Email Alias\n"
           "W1,Ann Lee,Chief Executive Officer,Executive,1 Executive,ann.lee@example.com,Active,\n"
           "W2,Bo Chan,Engineer,Engineering,7 Individual Contributor,bo.chan@example.com,On Leave,\n"
           "W3,Cy Diaz,Engineer,Engineering,7 Individual Contributor,cy.diaz@example.com,Terminated,\n"
           "W4,Di Eve,Designer,Design,7 Individual Contributor,di.eve@example.com,Active,\n")
PHOTOS = {"Executive/ann.lee@example.com.jpg": 1, "Engineering/Bo Chan.jpg": 2, "Engineering/cy.diaz@example.com.jpg": 3,
          "Design/W4.png": 4, "unknown person.jpg": 5}


def invoke(args):
    return CliRunner().invoke(cli, args, prog_name="headshot-audit")


@pytest.fixture
def workday(make_portfolio):
    return make_portfolio(WORKDAY, PHOTOS)


def test_inspect_says_what_was_read_without_decoding(workday, monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("inspect must not open an image")

    monkeypatch.setattr(Image, "open", no_decoding)
    r = invoke(["inspect", str(workday)])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "read as a Workday export" in out
    for header, canonical in (("Primary Work Email", "email"), ("Management Level", "seniority"),
                              ("Worker Status", "status"), ("Legal Name", "name")):
        assert any(line.split() and header in line and line.rstrip().endswith(f"-> {canonical}")
                   for line in out.splitlines()), (header, out)
    assert "warning: header 'Email Alias' was ignored" in out
    assert "Rows: 4 read: 3 staff, 1 leaver" in out
    assert "staff matched by employee id 1, e-mail 1, name 1" in out
    assert "1 of leavers; 1 matched to nobody" in out and "unknown person.jpg" in out
    assert "Staff without a photo: 0" in out


def test_run_leaves_leavers_out_and_says_what_was_read(workday, tmp_path):
    out = tmp_path / "out"
    r = invoke(["run", str(workday), "--out", str(out), "--format", "json,csv", "--as-of", "2026-11-29", "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert "read as a Workday export" in r.output and "Worker Status" in r.output  # the summary, on stderr
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert doc["summary"]["staff"] == 3 and doc["summary"]["photos"] == 4  # the leaver and their photo are out
    assert "Engineering/cy.diaz@example.com.jpg" not in {p["file"] for p in doc["photos"]}
    assert {s["employee_id"] for s in doc["staff"]} == {"W1", "W2", "W4"}
    leaver = [f for f in doc["findings"] if f["code"] == "DAT008"]
    assert [(f["employee_id"], f["file"]) for f in leaver] == [("W3", "Engineering/cy.diaz@example.com.jpg")]
    assert not [f for f in doc["findings"] if f["code"] in ("DAT001", "DAT006")]  # every e-mail, level understood
    assert not [f for f in doc["findings"] if f["employee_id"] == "W3" and f["code"] != "DAT008"]
    recs = {r["employee_id"]: r for r in doc["recommendations"]}
    assert (recs["W3"]["action"], recs["W3"]["cost_low"], recs["W3"]["cost_high"]) == ("remove", 0, 0)
    assert doc["budget"]["by_action"]["remove"] == {"count": 1, "low": 0, "high": 0}
    assert doc["summary"]["leavers"] == 1 and doc["summary"]["leaver_photos"] == 1
    seniority = {s["employee_id"]: s["seniority"] for s in doc["staff"]}
    assert seniority == {"W1": "executive", "W2": "mid", "W4": "mid"}
    inp = doc["input"]
    assert inp["system"] == "Workday" and inp["rows"] == {"read": 4, "staff": 3, "leavers": 1, "skipped": 0,
                                                         "label_row_skipped": False, "id_from_email": 0}
    assert {h["header"]: h["read_as"] for h in inp["headers"]}["Primary Work Email"] == "email"
    assert inp["ignored"] == ["Email Alias"] and inp["photos"]["matched_to_nobody"] == ["unknown person.jpg"]
    assert inp["photos"]["leaver_files"] == ["Engineering/cy.diaz@example.com.jpg"]


def test_csv_outputs_carry_a_utf8_bom(make_portfolio, tmp_path):
    staff = "employee_id,name\nE1,José Müller\n".encode("cp1252")
    root = make_portfolio("", {"E1.jpg": 1})
    (root / "staff.csv").write_bytes(staff)
    out = tmp_path / "out"
    assert invoke(["run", str(root), "--out", str(out), "--format", "csv", "--as-of", "2026-11-29"]).exit_code == 0
    for name in ("findings.csv", "photos.csv", "actions.csv"):
        raw = (out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
    assert "José Müller" in (out / "actions.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_excel_exports_are_read(make_portfolio, tmp_path, encoding):
    root = make_portfolio("", {"E1.jpg": 1})
    (root / "staff.csv").write_bytes("employee_id\tname\r\nE1\tJosé Müller\r\n".encode(encoding))
    r = invoke(["inspect", str(root)])
    assert r.exit_code == 0, r.output
    assert "employee id 1" in r.output and "tab-separated" in r.output


def test_header_only_csv_says_so(make_portfolio):
    root = make_portfolio("Employee ID,Legal Name\n", {"a.jpg": 1})
    for command in ("inspect", "run"):
        r = invoke([command, str(root)])
        assert r.exit_code == 2 and "header row but no people" in r.output and "Traceback" not in r.output


def test_relative_paths_everywhere(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio("employee_id,name\nE1,Ann\n", {"photos/E1.jpg": 1})
    (tmp_path / "hr.csv").write_text("Employee ID,Legal Name\nE1,Ann Lee\n")
    (tmp_path / "policy.toml").write_text('[values.seniority]\n"L7" = "senior"\n')
    monkeypatch.chdir(tmp_path)
    args = ["run", "portfolio", "--staff", "hr.csv", "--policy", "policy.toml", "--out", "out",
            "--cache", "cache", "--format", "json,csv", "--as-of", "2026-11-29"]
    for _ in range(2):  # the second run reads the cache
        r = invoke(args)
        assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "audit.json").is_file() and (tmp_path / "cache").is_dir()
    r = invoke(["run", "portfolio", "--out", "portfolio/out", "--format", "json", "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output  # an output folder inside the portfolio is not audited
    assert json.loads((root / "out" / "audit.json").read_text())["summary"]["photos"] == 1


def test_file_names_as_they_come(make_portfolio, tmp_path):
    names = ["Sales/EMEA/-dash.jpg", "Sales/new\nline.jpg", "Sales/emoji 📷.jpg", "Support/with space.jpg"]
    root = make_portfolio("employee_id,name\nE1,José Müller\nE2,Ann Lee\n",
                          {n: i + 1 for i, n in enumerate(names)} | {"Support/Ann Lee.jpg": 9})
    raw = os.fsencode(str(root / "Sales")) + b"/Jos\x82 M\x81ller.jpg"  # unpacked from a Windows zip
    with open(raw, "wb") as fh:
        Image.new("RGB", (300, 375), (120, 90, 60)).save(fh, "JPEG")
    out = tmp_path / "out"
    r = invoke(["run", str(root), "--out", str(out), "--as-of", "2026-11-29", "--cache", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_bytes().decode("utf-8"))  # valid UTF-8 throughout
    files = {p["file"] for p in doc["photos"]}
    assert files == set(names) | {"Support/Ann Lee.jpg", "Sales/José Müller.jpg"}
    shown = {p["file"]: p for p in doc["photos"]}["Sales/José Müller.jpg"]
    assert shown["employee_id"] == "E1" and shown["error"] is None  # opened by its real name
    assert (out / "report.pdf").stat().st_size > 0


def test_policy_value_tables_are_validated(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[values.seniority]\n"L7" = "boss"\n')
    with pytest.raises(PolicyError, match=r"values\.seniority\.L7.*junior, mid, senior, executive"):
        load_policy(bad)
    good = tmp_path / "g.toml"
    good.write_text('[values.client_facing]\n"Sales" = true\n[values.status]\n"Gone" = "leaver"\n')
    assert load_policy(good)["values"]["status"] == {"Gone": "leaver"}


def test_anonymised_outputs_name_no_leaver(workday, tmp_path):
    out = tmp_path / "out"
    r = invoke(["run", str(workday), "--out", str(out), "--format", "json,csv,html", "--as-of", "2026-11-29",
                "--anonymize"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in doc["findings"]].count("DAT008") == 1
    assert doc["input"]["photos"]["leaver_files"] == 1 and doc["input"]["staff_without_photo"] == 0
    for p in out.iterdir():
        text = p.read_text(encoding="utf-8-sig").lower()
        for secret in ("cy diaz", "cy.diaz", "ann lee", "ann.lee", "unknown person"):
            assert secret not in text, (p.name, secret)
