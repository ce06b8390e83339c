"""The report as a reader gets it: every section in the PDF's text, "since last quarter" when
history is given, branding, the action list sortable in the CSV and grouped in the PDF, the
budget comparison, and a PDF that stays bounded at 2,000 staff (rendered without images)."""

import csv
import io
import json
import random
import re
import subprocess
from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from audit.cli import cli
from audit.findings import Finding, severity_rank
from audit.history import load_history
from audit.inventory import Inventory
from audit.pipeline import AuditConfig, AuditResult, run_audit
from audit.policy import load_policy
from audit.recommend import budget, recommend
from audit.report.exports import actions_csv
from audit.report.budget_plan import budget_options
from audit.report.render import ReportError, ReportOptions, build_context, render_html, render_pdf
from audit.report.write import write_outputs

STAFF = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
         "E1,Ann Lee,CEO,Executive,,2021-01-01,ai,yes,executive,website;press\n"
         "E2,Bo Chan,Engineer,Engineering,,2026-06-01,photographer,no,mid,internal\n"
         "E3,Cy Diaz,Analyst,Finance,,2019-03-01,photographer,yes,junior,website\n")


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def portfolio(make_portfolio):
    return make_portfolio(STAFF, {"photos/E1.jpg": 1, "photos/E2.jpg": 2, "photos/E3.jpg": 3})


def test_pdf_sections_and_since_last_quarter(portfolio, tmp_path):
    prev = run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 8, 31)))
    write_outputs(prev, tmp_path / "q3", ("json",))
    # next quarter: Bo's photo replaced, Cy left, Di joined
    (portfolio / "photos" / "E2.jpg").unlink()
    Image.new("RGB", (300, 375), (90, 120, 160)).save(portfolio / "photos" / "E2.jpg")
    (portfolio / "staff.csv").write_text(STAFF.rsplit("E3,", 1)[0]
                                         + "E4,Di Ek,Partner,Legal,,2026-10-01,photographer,yes,senior,website\n")
    cur = run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29)))
    out = tmp_path / "q4"
    write_outputs(cur, out, previous=load_history(tmp_path / "q3"))
    text = pdf_text(out / "report.pdf")
    for heading in ("Executive summary", "Since last quarter", "What to do", "First in line",
                    "The portfolio at a glance", "How old the photos are", "What to do, person by person",
                    "Budget", "Findings by person", "Contact sheet", "Method and limits"):
        assert heading in text, heading
    from audit.ai_evidence import detector_figures

    fig = detector_figures()
    assert fig.text and fig.auroc is not None, "the package ships the forensic model with its measured accuracy"
    assert "Measured accuracy of the pixel check" in text
    method = " ".join(text.split("Measured accuracy of the pixel check", 1)[1].split())
    assert "AUROC, generators seen in training" in method and f"{fig.auroc:.2f}" in method
    assert "photos replaced" in text and "Joined (1)" in text and "Left (1)" in text and "Cy Diaz" in text
    # the summary fits on page 1 and opens with the changes
    page1 = text.split("\f")[0]
    assert "Since last quarter" in page1 and "First in line" in page1
    doc = json.loads((out / "audit.json").read_text())
    ch = doc["changes"]
    assert ch["previous_as_of"] == "2026-08-31" and ch["joined"] == ["E4"] and ch["left"] == ["E3"]
    assert [r["employee_id"] for r in ch["photos_replaced"]] == ["E2"]
    assert set(ch["new"]) | set(ch["persisting"]) == {f["key"] for f in doc["findings"]}
    assert len(doc["history"]["trend"]) == 2
    with open(out / "findings.csv", newline="", encoding="utf-8") as fh:
        assert {r["key"] for r in csv.DictReader(fh)} == {f["key"] for f in doc["findings"]}


def test_without_history_changes_is_null(portfolio, tmp_path):
    write_outputs(run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29))), tmp_path, ("json",))
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["changes"] is None and doc["anonymized"] is False


def test_branding_from_options_and_policy(portfolio, tmp_path):
    logo = tmp_path / "brand" / "logo.png"
    logo.parent.mkdir()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(logo)
    policy = tmp_path / "brand" / "policy.toml"
    policy.write_text('[report]\nclient = "Policy Client"\nconsultant = "Policy Consultant"\nlogo = "logo.png"\n'
                      'accent_color = "#112233"\n')
    result = run_audit(AuditConfig(portfolio=portfolio, policy_path=policy, as_of=date(2026, 11, 29)))
    html = render_html(result, thumbnails=False)
    assert "Prepared for Policy Client" in html and "Policy Consultant" in html and "#112233" in html
    assert 'class="logo" src="data:image/png;base64,' in html
    opts = ReportOptions(client="Acme Health", consultant="Harbour & Co", accent="#7a2e4d", thumbnails=False)
    html = render_html(result, options=opts)
    assert "Prepared for Acme Health" in html and "Harbour &amp; Co" in html and "--accent: #7a2e4d" in html
    text = pdf_text_of(html, tmp_path)
    assert "PREPARED FOR ACME HEALTH" in " ".join(text.split())  # the cover's kicker is set in capitals


def pdf_text_of(html, tmp_path):
    p = tmp_path / "x.pdf"
    p.write_bytes(render_pdf(html, tmp_path))
    return pdf_text(p)


@pytest.mark.parametrize("accent", ["red; } body { display: none", "#12345", "url(x)"])
def test_bad_accent_is_refused(portfolio, accent):
    result = run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29)))
    with pytest.raises(ReportError, match="not a colour"):
        build_context(result, options=ReportOptions(accent=accent, thumbnails=False))


def test_cli_branding_and_errors(portfolio, tmp_path):
    out = tmp_path / "o"
    base = ["run", str(portfolio), "--out", str(out), "--as-of", "2026-11-29", "--format", "html", "--no-cache"]
    r = CliRunner().invoke(cli, base + ["--client", "Acme", "--consultant", "Jo Doe", "--accent", "#abc"])
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text()
    assert "Prepared for Acme" in html and "Jo Doe" in html
    r = CliRunner().invoke(cli, base + ["--accent", "blue"])
    assert r.exit_code == 2 and "--accent" in r.output
    bad = tmp_path / "logo.gif"
    bad.write_bytes(b"GIF89a")
    r = CliRunner().invoke(cli, base + ["--logo", str(bad)])
    assert r.exit_code == 2 and "logo" in r.output and "Traceback" not in r.output
    broken = tmp_path / "prev.json"
    broken.write_text("{")
    r = CliRunner().invoke(cli, base + ["--previous", str(broken)])
    assert r.exit_code == 2 and "prev.json" in r.output


def test_user_template_dir_overrides_only_what_it_holds(portfolio, tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "report.css").write_text("body { color: #010203; } /* house css */")
    result = run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29)))
    html = render_html(result, options=ReportOptions(template_dir=tmp_path / "tpl", thumbnails=False))
    assert "house css" in html and "Executive summary" in html


# -- a 2,000-staff audit result, built without images ------------------------------------------

def fake_result(n, tmp_path, seed=7):
    rng = random.Random(seed)
    policy = load_policy()
    depts = ["Advisory", "Engineering", "Legal", "Marketing", "Finance", "People", "Sales"]
    staff, photos, findings = [], [], []
    for i in range(n):
        eid, file = f"E{i:05d}", f"photos/E{i:05d}.jpg"
        src = rng.choice(["photographer"] * 6 + ["ai", "self", "unknown"])
        d = date(rng.randint(2019, 2026), rng.randint(1, 10), rng.randint(1, 28)).isoformat()
        staff.append({"employee_id": eid, "name": f"Person {i}", "title": rng.choice(["Analyst", "Partner", "CEO"]),
                      "department": rng.choice(depts), "email": f"p{i}@x.test", "photo": file, "row": i + 2,
                      "photo_date": d, "photo_source": src, "client_facing": rng.random() < 0.5,
                      "seniority": rng.choice(["junior", "mid", "senior", "executive"]),
                      "platforms": rng.choice(["website;linkedin", "internal"]), "file": file, "match_rule": "csv"})
        ai = 0.9 if src == "ai" else rng.random() * 0.4
        photos.append({"file": file, "employee_id": eid, "is_primary": True, "error": None, "sha256": f"{i:064x}",
                       "ai_score": ai, "ai_basis": "declared" if src == "ai" else "forensic", "capture_date": None,
                       "backdrop_hex": "#808080", "style_group": "A" if i % 5 else "B"})
        age = (date(2026, 11, 29) - date.fromisoformat(d)).days / 30.4
        if age > 36:
            findings.append(Finding("STL001", "stale-photo", "stale", "medium", f"Person {i} ({eid}): photo is "
                                    f"{age:.0f} months old", employee_id=eid, file=file))
        if src == "ai" and rng.random() < 0.5:
            findings.append(Finding("ROL001", "ai-in-high-stakes-role", "role", "high",
                                    f"Person {i} ({eid}) uses an AI headshot in a high-stakes role",
                                    employee_id=eid, file=file, evidence={"ai_basis": "declared"}))
        if rng.random() < 0.05:
            findings.append(Finding("AI003", "ai-forensic-review", "ai", "medium", "Forensic evidence suggests AI",
                                    employee_id=eid, file=file, evidence={"ai_score": 0.7}))
    staff_df = pd.DataFrame(staff).astype(object)
    photos_df = pd.DataFrame(photos).astype(object)
    findings.sort(key=lambda f: (-severity_rank(f.severity), f.code, f.employee_id or ""))
    recs = recommend(staff_df, findings, policy)
    inv = Inventory(root=tmp_path, staff=staff_df, photos=photos_df)
    return AuditResult(config=AuditConfig(portfolio=tmp_path, as_of=date(2026, 11, 29)), policy=policy,
                       inventory=inv, photos=photos_df, findings=findings, recommendations=recs,
                       budget=budget(recs, policy), column_map={})


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return fake_result(2000, tmp_path_factory.mktemp("big"))


def test_actions_csv_sortable_by_priority_rank(big):
    rows = list(csv.DictReader(io.StringIO(actions_csv(big).removeprefix("\ufeff"))))
    assert len(rows) == 2000
    assert [int(r["priority_rank"]) for r in rows] == list(range(1, 2001))
    from audit.recommend import ACTIONS

    order = [(ACTIONS.index(r["action"]), -severity_rank(r["priority"])) for r in rows]
    assert order == sorted(order)  # by action, then the most severe first: each action's ranks are contiguous
    assert {"employee_id", "name", "action", "priority", "reason", "cost_low", "cost_high", "codes"} <= set(rows[0])


def test_budget_compares_photographer_day_sessions_and_ai(big):
    bo = budget_options(big)
    costs = big.policy["costs"]
    n = bo["people"]
    assert n == big.budget["by_action"]["retake"]["count"] + big.budget["by_action"]["refresh"]["count"] > 6
    by = {r["label"].split(" (")[0]: r for r in bo["rows"]}
    assert by["Individual photographer sessions"]["low"] == n * costs["photographer_session"]["low"]
    day = by["Group photo day"]
    assert day["high"] == costs["group_photo_day"]["high"] + costs["group_photo_day"]["per_person"] * n
    ai = by["AI headshot service"]
    assert ai["per_year_high"] == pytest.approx(n * costs["ai_service"]["high"] / (costs["ai_service"]["useful_life_months"] / 12))


def test_pdf_at_2000_staff_is_bounded_and_grouped(big, tmp_path):
    opts = ReportOptions(thumbnails=False)
    ctx = build_context(big, options=opts)
    html_pdf = render_html(big, options=opts, medium="pdf", context=ctx)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(html_pdf, tmp_path))
    html = render_html(big, options=opts, medium="html", context=ctx)
    n_pages = pages(pdf)
    rep = big.policy["report"]
    assert n_pages <= 80, n_pages
    text = pdf_text(pdf)
    assert re.search(r"The [\d,]+ most urgent of [\d,]+ people with an action", text)
    assert "Because: " in text
    assert f"The {rep['pdf_max_people']} most urgent of" in text
    assert "The full contact sheet is in report.html" in text
    # grouped by action, most urgent action first
    assert text.index("Retake with a photographer") < text.index("Review")
    # the HTML holds everyone
    assert html.count('class="cell') == 2000
    assert "Person 1999" in html


def test_small_helpers():
    from audit.report.render import _without_subject, initials
    from audit.report.templating import short_money

    assert _without_subject("Bo Chan (E2): photo is 60 months old", "Bo Chan", "E2") == "Photo is 60 months old"
    assert _without_subject("Bo Chan (E2) and Al Day (E3) have the same image", "Bo Chan", "E2").startswith("Bo Chan")
    assert initials("Amber Heron") == "AH" and initials("Cher") == "C" and initials(None, "p-x") == "P-"
    assert [short_money(v) for v in (950, 12_345, 623_130, 1_234_567)] == ["950", "12k", "623k", "1.23M"]


def test_house_style_card_from_the_style_summary(big):
    from types import SimpleNamespace

    from audit.report.render import _house, _styles

    summary = {"enough_photos": True, "backdrop_hex": "#7f7f7f", "orientation": "portrait", "n_outliers": 2,
               "n_styles": 2, "main_share": 0.88, "greyscale_share": 0.0,
               "styles": [{"label": "A", "size": 8, "share": 0.8, "backdrop_hex": "#7f7f7f", "files": ["a.jpg"]},
                          {"label": "B", "size": 2, "share": 0.2, "backdrop_hex": "#c8ccd7", "files": ["b.jpg"]}],
               "house": {"backdrop_L": {"value": 53.2}, "backdrop_a": {"value": 0.0}, "backdrop_b": {"value": 0.0},
                         "head_size": {"value": 0.245}, "eye_line": {"value": 0.40}}}
    fake = SimpleNamespace(style_summary=summary, findings=[], photos=big.photos)
    rows = dict(_house(fake)["rows"])
    assert rows["Backdrop"].startswith("grey") and rows["Head size"].startswith("24%") and rows["Format"] == "portrait"
    assert [s["label"] for s in _styles(fake)] == ["A", "B"] and "files" not in _styles(fake)[0]
    assert _house(SimpleNamespace(style_summary={"enough_photos": False})) is None


EVIDENCE = [
    (Finding("STL001", "stale-photo", "stale", "medium", "old", employee_id="E1",
             evidence={"photo_date": "2021-03-15", "date_from": "staff CSV", "age_months": 68.4, "source": "photographer",
                       "warn_months": 24, "refresh_months": 36}),
     ["taken 2021-03-15 (staff CSV)", "68 months old", "replace at 36 months"]),
    (Finding("AI003", "ai-forensic-review", "ai", "low", "score", employee_id="E1",
             evidence={"ai_score": 0.912, "ai_basis": "forensic", "declared_source": "photographer", "blurred": True}),
     ["forensic analysis (probabilistic)", "score 0.91", "staff CSV says: photographer", "blurred"]),
    (Finding("ROL001", "ai-in-high-stakes-role", "role", "high", "role", employee_id="E1",
             evidence={"ai_basis": "provenance", "ai_score": 0.99, "stakes": ["executive role"], "platforms": ["website", "press"]}),
     ["high stakes: executive role", "shown on website, press", "provenance metadata, score 0.99"]),
    (Finding("CON003", "backdrop-outlier", "consistency", "medium", "backdrop", employee_id="E1",
             evidence={"measure": "backdrop_L", "value": 96.8, "house": 49.5, "z": 41.5, "consistency_score": 70,
                       "measures": {"backdrop_L": {"value": 96.8, "house": 49.5, "z": 41.5}}}),
     ["backdrop L 96.8 vs house 49.5 (z +41.5)", "consistency score 70"]),
    (Finding("DUP001", "duplicate-photo", "duplicate", "high", "dup", employee_id="E2",
             evidence={"frame_distance": 0, "face_distance": 3, "other_employee_id": "E1"}),
     ["also the photo of Ann Lee", "whole-photo pHash distance 0 bits", "face pHash distance 3 bits"]),
    (Finding("DAT005", "bad-value", "data", "low", "bad date", employee_id="E1",
             evidence={"row": 15, "column": "photo_date", "value": "2023-13-45"}),
     ["staff CSV row 15", "column photo_date", "value “2023-13-45”"]),
]


@pytest.mark.parametrize("finding, words", EVIDENCE, ids=[f.category for f, _ in EVIDENCE])
def test_each_category_has_its_evidence_partial(finding, words):
    """The evidence is told in the category's words (not a key: value dump), chosen by name."""
    from audit.report.templating import make_environment

    tpl = make_environment().select_template([f"evidence/{finding.category}.html", "evidence/generic.html"])
    assert tpl.name == f"evidence/{finding.category}.html"
    text = re.sub(r"<[^>]+>", " ", tpl.render(f=finding, names={"E1": "Ann Lee"}))
    text = re.sub(r"\s+", " ", text).replace("&#34;", '"')
    for w in words:
        assert w in text, (w, text)


def test_report_uses_the_evidence_partials_and_a_users_override(portfolio, tmp_path):
    result = run_audit(AuditConfig(portfolio=portfolio, as_of=date(2026, 11, 29)))
    assert any(f.category == "stale" for f in result.findings)
    html = render_html(result, options=ReportOptions(thumbnails=False))
    assert "photographer photo: plan at" in html and "refresh_months:" not in html
    tpl = tmp_path / "tpl" / "evidence"
    tpl.mkdir(parents=True)
    (tpl / "stale.html").write_text('<div class="evidence">OWN-STALE {{ f.evidence.age_months }}</div>')
    html = render_html(result, options=ReportOptions(template_dir=tmp_path / "tpl", thumbnails=False))
    n_stale = sum(1 for f in result.findings if f.category == "stale" and f.employee_id)
    assert html.count("OWN-STALE") == n_stale and "photographer photo: plan at" not in html


def page_fill(pdf, tmp_path) -> list[float]:
    """How far down each page the content reaches, as a share of the area between the margins
    (the running footer is left out)."""
    import numpy as np

    prefix = tmp_path / "fill"
    subprocess.run(["pdftoppm", "-gray", "-r", "20", str(pdf), str(prefix)], check=True)
    fills = []
    for png in sorted(tmp_path.glob("fill-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
        page = np.asarray(Image.open(png))
        h = page.shape[0]
        top, bottom = int(h * 16 / 297), int(h * (297 - 18) / 297)  # the @page margins
        rows = np.nonzero((page[top:bottom] < 200).any(axis=1))[0]
        fills.append(float(rows[-1] + 1) / (bottom - top) if len(rows) else 0.0)
    return fills


@pytest.mark.parametrize("two_parts", [False, True])
def test_pdf_has_no_half_empty_pages_before_a_section(big, tmp_path, two_parts, monkeypatch):
    """Sections follow on: only the summary keeps page 1 to itself; every later page but the last
    is at least half full (a forced break before each section used to leave pages half empty).
    With `[report] pdf_in_two_parts` (the default) 'Findings by person' starts a page, where the
    PDF is cut to be printed in two processes; the page before it may be short."""
    monkeypatch.setitem(big.policy["report"], "pdf_in_two_parts", two_parts)
    opts = ReportOptions(thumbnails=False)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(render_html(big, options=opts, medium="pdf"), tmp_path))
    fills = page_fill(pdf, tmp_path)
    assert len(fills) == pages(pdf) > 10
    texts = pdf_text(pdf).split("\f")
    people = next(i for i, t in enumerate(texts) if "Findings by person" in t)
    if two_parts:
        assert texts[people].lstrip().startswith("Findings by person")
    allowed = {people - 1} if two_parts else set()
    half_empty = [i + 1 for i, f in enumerate(fills[1:-1], start=1) if f < 0.5 and i not in allowed]
    assert not half_empty, (half_empty, [round(f, 2) for f in fills])


def test_anonymised_contact_sheet_is_one_compact_page(tmp_path):
    result = fake_result(400, tmp_path)
    out = tmp_path / "anon"
    write_outputs(result, out, ("pdf",), options=ReportOptions(anonymize=True, thumbnails=False),
                  pseudonym_key=b"k" * 32)
    text = pdf_text(out / "report.pdf").split("\f")
    n = int(result.policy["report"]["pdf_max_thumbnails"])
    sheet = [i for i, t in enumerate(text) if f"Contact sheet (most urgent {n} of 400)" in t]
    assert len(sheet) == 1
    def tile_rows(page: str) -> list[int]:  # lines of initials tiles: "CW  PM  AO  AT ..."
        counts = [len(re.findall(r"(?<![\w-])[A-Z]{2}(?![\w-])", line)) for line in page.splitlines()]
        return [c for c in counts if c >= 4]

    assert sum(tile_rows(text[sheet[0]])) >= n  # every tile on the page with the heading...
    assert tile_rows(text[sheet[0] + 1]) == []  # ...and none spilling onto the next
