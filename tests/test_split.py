"""--split-by: one report per department (or any staff column), each with only its people, its own
key numbers and budget, the company's house style as the baseline, in a folder whose name is safe."""

import csv
import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.pipeline import AuditConfig, run_audit
from audit.report.split import folder_name, group_results
from audit.errors import ReportError
from audit.report.write import write_outputs

SAMPLE = Path(__file__).resolve().parent.parent / "sample_portfolio"


@pytest.fixture(scope="module")
def sample_split(tmp_path_factory):
    out = tmp_path_factory.mktemp("split")
    r = CliRunner().invoke(cli, ["run", str(SAMPLE), "--out", str(out), "--as-of", "2026-11-29", "--format", "html,json",
                                 "--split-by", "department"])
    assert r.exit_code == 0, r.output
    return out


def test_a_split_run_writes_one_report_per_department_of_the_sample(sample_split):
    with open(SAMPLE / "staff.csv", newline="", encoding="utf-8") as fh:
        departments = {row["department"] for row in csv.DictReader(fh)}
    staff = json.loads((sample_split / "audit.json").read_text())["staff"]  # the people the audit read
    by_dept: dict[str, set[str]] = {}
    for row in staff:
        by_dept.setdefault(row["department"], set()).add(row["name"])
    assert set(by_dept) == departments and len(departments) == 7 and "People & Culture" in by_dept
    folders = {p.name: p for p in (sample_split / "by-department").iterdir() if p.is_dir()}
    assert set(folders) == {folder_name(d) for d in by_dept} and "People-Culture" in folders
    for dept, names in by_dept.items():
        html = (folders[folder_name(dept)] / "report.html").read_text(encoding="utf-8")
        assert not (folders[folder_name(dept)] / "report.pdf").exists()  # pdf was not asked for
        cards = re.findall(r'<article class="person" id="p-\d+" data-p="p-\d+" data-department="([^"]*)"', html)
        shown = set(re.findall(r'<h3 class="q">([^<]+?) <span class="id">', html))
        assert shown == names and len(cards) == len(names), dept
        assert set(cards) == {dept.replace("&", "&amp;")}
        assert f"whose department is <b>{dept.replace('&', '&amp;')}</b>, of {len(staff)} staff" in html
        assert f"for {len(names)} staff" in html  # the group's own key numbers
    # an index page links every group's report, with its size
    index = (sample_split / "by-department" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<tr><td><a href="([^"]+)/report.html">([^<]+)</a></td><td class="num">(\d+)</td>', index)
    assert {(f, v.replace("&amp;", "&"), int(n)) for f, v, n in links} == {(folder_name(d), d, len(n)) for d, n in by_dept.items()}
    assert 'href="../report.html"' in index


def test_groups_keep_the_company_house_style_and_own_numbers(make_portfolio, tmp_path):
    staff = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
             "E1,Ann Lee,CEO,Executive,,2021-01-01,ai,yes,executive,website;press\n"
             "E2,Bo Chan,Engineer,R&D / Labs,,2026-06-01,photographer,no,mid,internal\n"
             "E3,Cy Diaz,Analyst,R&D / Labs,,2019-03-01,photographer,yes,junior,website\n"
             "E4,Di Ek,Partner,,,2019-03-01,photographer,yes,senior,website\n")
    root = make_portfolio(staff, {f"photos/E{i}.jpg": i for i in range(1, 5)})
    result = run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29)))
    groups = {value: (name, g) for value, name, g in group_results(result, "department")}
    assert {v: n for v, (n, _) in groups.items()} == {"Executive": "Executive", "R&D / Labs": "R-D-Labs", "(none)": "none"}
    labs = groups["R&D / Labs"][1]
    assert set(labs.staff["employee_id"]) == {"E2", "E3"} and all(f.employee_id in ("E2", "E3") for f in labs.findings)
    assert labs.summary()["staff"] == 2
    assert labs.budget["total_high"] == sum(r.cost_high for r in labs.recommendations)
    assert sum(g.budget["total_high"] for _, g in groups.values()) == result.budget["total_high"]
    assert labs.style_summary.get("house") == result.style_summary.get("house")  # the company's baseline

    out = tmp_path / "out"
    written = write_outputs(result, out, ("pdf",), split_by="department")
    for name in ("Executive", "R-D-Labs", "none"):
        pdf = out / "by-department" / name / "report.pdf"
        assert pdf in written and pdf.read_bytes().startswith(b"%PDF")
        assert (out / "by-department" / name / "report.html").exists()
    text = subprocess.run(["pdftotext", str(out / "by-department" / "R-D-Labs" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Bo Chan" in text and "Cy Diaz" in text and "Ann Lee" not in text


def test_unknown_column_is_one_line_before_anything_is_written(make_portfolio, tmp_path):
    root = make_portfolio("employee_id,name,department\nE1,Ann Lee,Legal\n", {"E1.jpg": 1})
    result = run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29)))
    with pytest.raises(ReportError, match="--split-by dept: not a staff column; choose from .*department"):
        write_outputs(result, tmp_path / "o", ("html",), split_by="dept")
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--format", "html", "--split-by", "dept"])
    assert r.exit_code == 2 and "--split-by dept: not a staff column" in r.output and "Traceback" not in r.output
    assert "Audited" not in r.output  # refused when the CSV was read, before the photos


def test_split_column_is_checked_before_any_photo_is_decoded(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio("employee_id,name,department\nE1,Ann Lee,Legal\n", {"E1.jpg": 1})

    def no_decoding(*args, **kwargs):
        raise AssertionError("a photo was decoded")

    monkeypatch.setattr("audit.pipeline.extract_all", no_decoding)
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--split-by", "Dept"])
    assert r.exit_code == 2, r.output
    assert "--split-by Dept: not a staff column; choose from department, employee_id, name" in r.output


def test_split_by_takes_the_csv_header_in_any_case(make_portfolio, tmp_path):
    root = make_portfolio("Employee ID,Full Name,Business Unit\nE1,Ann Lee,Legal\nE2,Bo Chan,Tax\n",
                          {"E1.jpg": 1, "E2.jpg": 2})
    policy = tmp_path / "p.toml"
    policy.write_text('[columns]\n"Business Unit" = "department"\n')
    r = CliRunner().invoke(cli, ["run", str(root), "--policy", str(policy), "--out", str(tmp_path / "o"),
                                 "--format", "html", "--split-by", "business unit"])
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "o" / "by-department").iterdir()} == {"Legal", "Tax", "index.html"}


@pytest.mark.parametrize("value, expected", [
    ("Legal", "Legal"), ("People & Culture", "People-Culture"), ("../../etc/passwd", "etc-passwd"),
    ("..", "none"), ("", "none"), ("  ", "none"), ("a/b\\c", "a-b-c"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
    ("Forschung & Entwicklung", "Forschung-Entwicklung"), ("Ventes été", "Ventes-été"), ("x" * 200, "x" * 64),
    ("\x00evil\n", "evil"),
])
def test_folder_names_are_safe(value, expected):
    assert folder_name(value) == expected
