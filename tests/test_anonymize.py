"""--anonymize: no real name, id, e-mail or file name in any output (JSON, CSV, HTML, and the
PDF's text), no faces in the PDF, and pseudonyms that stay the same from run to run."""

import json
import os
import stat
import subprocess
from datetime import date

import pytest
from click.testing import CliRunner

from audit.anonymize import AnonymizeError, Pseudonymizer, load_key
from audit.cli import cli
from audit.pipeline import AuditConfig, run_audit
from audit.report.render import ReportOptions
from audit.report.write import write_outputs

KEY = b"test-pseudonym-key-0123456789abcdef"
PEOPLE = [  # id, name, e-mail, photo file
    ("EMP-4711", "Xavier Quellington", "xavier.quellington@northwind.test", "photos/xavier_quellington.jpg"),
    ("EMP-4712", "Yolanda Brightwater", "y.brightwater@northwind.test", "photos/Yolanda Brightwater.png"),
    ("EMP-4713", "Zebulon Fairweather", "zfair@northwind.test", ""),  # no photo: matched by e-mail local part
    ("EMP-4714", "Wilhelmina Okonkwo-Darby", "wod@northwind.test", "photos/EMP-4714.jpg"),
    ("EMP-4715", "Quincy Adebayo-Lund", "qal@northwind.test", "photos/xavier_quellington.jpg"),  # a shared photo
]
# A numeric id held twice (its DAT005 message quotes it), with a job title only that person holds.
UNIQUE = ("100550", "Ottoline Vanderquist", "ottoline.v@northwind.test", "photos/ottoline_vq_portrait.jpg")
SECRETS = [s for p in PEOPLE + [UNIQUE] for s in p[:3]] + [
    "xavier_quellington", "Yolanda Brightwater.png", "zfair", "EMP-4714.jpg", "Quellington", "Brightwater",
    "ottoline_vq_portrait", "Chief Quantum Officer", "Vanderquist"]
CSV = ("employee_id,name,email,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
       + "\n".join(f"{e},{n},{m},Partner,Legal,{f},2021-01-01,{'ai' if i % 2 else 'photographer'},yes,executive,website"
                   for i, (e, n, m, f) in enumerate(PEOPLE))
       + f"\n{UNIQUE[0]},{UNIQUE[1]},{UNIQUE[2]},Chief Quantum Officer,Legal,{UNIQUE[3]},2021-01-01,,yes,executive,website"
       + f"\n{UNIQUE[0]},Percival Dunmore,pd@northwind.test,Paralegal,Legal,,,,no,junior,internal\n")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    from tests.conftest import noise_image

    root = tmp_path_factory.mktemp("anon") / "portfolio"
    (root / "photos").mkdir(parents=True)
    (root / "staff.csv").write_text(CSV, encoding="utf-8")
    files = {}
    for i, (_, _, _, f) in enumerate(PEOPLE):
        if f:
            files.setdefault(f, i + 1)
    files["photos/zfair.jpg"] = 7
    files[UNIQUE[3]] = 11
    files["photos/EMP-4711-old.jpg"] = 9  # an orphan whose file name holds an id
    for f, seed in files.items():
        noise_image(seed).save(root / f)
    return root


@pytest.fixture(scope="module")
def result(portfolio):
    return run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29)))


@pytest.fixture(scope="module")
def full_output(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("anon-out")
    write_outputs(result, out, ("json", "csv", "html", "pdf"), options=ReportOptions(anonymize=True),
                  pseudonym_key=KEY)
    return out


def run_anonymised(result, out, key=KEY, previous=None):
    write_outputs(result, out, ("json",), previous=previous, options=ReportOptions(anonymize=True),
                  pseudonym_key=key)


def all_text(out):
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix in (".json", ".csv", ".html")}
    texts["report.pdf"] = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True,
                                         text=True, check=True).stdout
    return texts


def test_no_real_identifier_in_any_output(result, full_output):
    assert any(f.code == "DUP001" for f in result.findings)  # a message that names two people
    assert any(f.code == "DAT005" and "'100550'" in f.message for f in result.findings)  # a quoted numeric id
    texts = all_text(full_output)
    assert set(texts) == {"audit.json", "findings.csv", "photos.csv", "actions.csv", "sources_to_confirm.csv",
                          "report.html", "report.pdf"}
    for name, text in texts.items():
        low = text.lower()
        for secret in SECRETS:
            assert secret.lower() not in low, (name, secret)
    doc = json.loads(texts["audit.json"])
    assert doc["anonymized"] is True
    assert all(s["employee_id"].startswith("P-") for s in doc["staff"])
    assert all(p["file"].startswith("photo-") for p in doc["photos"])
    assert "Executive summary" in texts["report.pdf"] and "Anonymised" in texts["report.pdf"]
    # the unique title became the person's level; the shared one stays
    titles = {s["title"] for s in doc["staff"]}
    assert "Executive" in titles and "Partner" in titles


def test_report_app_attributes_identify_no_one(full_output):
    """The filter attributes of report.html hold only a department, an action, a severity and a
    position (p-3): nothing a reader could tie to a person, not even a pseudonym."""
    import re

    from audit.findings import SEVERITIES
    from audit.recommend import ACTIONS

    html = (full_output / "report.html").read_text(encoding="utf-8")
    attrs = re.findall(r'\sdata-([a-z-]+)="([^"]*)"', html)
    assert {k for k, _ in attrs} == {"p", "department", "action", "severity"}
    allowed = {"department": {"Legal"}, "action": set(ACTIONS), "severity": set(SEVERITIES) | {"none"}}
    for k, v in attrs:
        assert re.fullmatch(r"p-\d+", v) if k == "p" else v in allowed[k], (k, v)
    assert re.findall(r'href="#(p-\d+)"', html) and not re.search(r'id="(?!p-\d)[^"]*P-', html)


def test_pdf_has_no_faces(result, full_output):
    listing = subprocess.run(["pdfimages", "-list", str(full_output / "report.pdf")], capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()
    assert len(listing) <= 2, listing  # header lines only: no image at all
    html = (full_output / "report.html").read_text()
    assert "data:image/jpeg" not in html and 'class="face initials' in html


def test_pseudonyms_are_stable_and_keyed(result, tmp_path):
    run_anonymised(result, tmp_path / "a")
    run_anonymised(result, tmp_path / "b")
    run_anonymised(result, tmp_path / "c", key=b"another-key-0123456789abcdefghij")
    ids = {d: sorted(s["employee_id"] for s in json.loads((tmp_path / d / "audit.json").read_text())["staff"])
           for d in "abc"}
    assert ids["a"] == ids["b"] and ids["a"] != ids["c"]
    assert len(set(ids["a"])) == len(PEOPLE) + 1  # the second row of the repeated id is skipped


def test_anonymised_runs_compare_across_quarters(result, tmp_path):
    from audit.history import load_history

    run_anonymised(result, tmp_path / "q3")
    run_anonymised(result, tmp_path / "q4", previous=load_history(tmp_path / "q3" / "audit.json"))
    doc = json.loads((tmp_path / "q4" / "audit.json").read_text())
    assert doc["changes"]["persisting"] and not doc["changes"]["new"] and not doc["changes"]["resolved"]


def test_pseudonymizer_scrubs_free_text():
    import pandas as pd

    p = Pseudonymizer(KEY)
    staff = pd.DataFrame([{"employee_id": "E7", "name": "Ann Lee", "email": "ann.lee@x.test", "file": "p/ann lee.jpg"},
                          {"employee_id": "1042", "name": "Bo", "email": None, "file": None}])
    p.learn(staff, pd.DataFrame({"file": ["p/ann lee.jpg"]}))
    out = p.text("p/ann lee.jpg is the photo of both Ann Lee (E7) and 1042; mail ann.lee@x.test or ann.lee. E70 stays.")
    assert "Ann Lee" not in out and "(E7)" not in out and "ann.lee" not in out and "p/ann lee.jpg" not in out
    assert p.id("1042") in out and "E70 stays" in out
    assert p.text("36 months") == "36 months"


def test_default_key_is_created_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    k1 = load_key()
    k2 = load_key()
    assert k1 == k2 and len(k1) >= 32
    files = list((tmp_path / "data").rglob("pseudonym.key"))
    assert len(files) == 1 and stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600


def test_short_key_file_is_refused(tmp_path):
    (tmp_path / "k").write_text("short")
    with pytest.raises(AnonymizeError, match="at least 16"):
        load_key(tmp_path / "k")


def test_cli_anonymize(portfolio, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(portfolio), "--out", str(out), "--as-of", "2026-11-29", "--anonymize",
                                 "--format", "json,csv,html", "--no-cache"])
    assert r.exit_code == 0, r.output
    for name in ("audit.json", "findings.csv", "actions.csv", "report.html"):
        text = (out / name).read_text()
        for secret in ("Xavier Quellington", "EMP-4711", "xavier.quellington@northwind.test"):
            assert secret not in text, (name, secret)
