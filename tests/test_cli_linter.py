"""The command line as a linter user expects it: rule selection by code, prefix or category;
`explain`; `rules --format json`; a policy found beside the work; --quiet and --verbose; the
summary on stdout; one machine format on stdout with `--out -`."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.policy import load_policy

# E1: an AI photo of a CEO on the website, 23 months old (STL001, ROL001, AI004); E2: a fine
# photo; E3: no photo (DAT001); stray.jpg belongs to nobody (DAT002).
STAFF = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
         "E1,Ann Lee,CEO,Executive,photos/E1.jpg,2025-01-01,ai,yes,executive,website;press\n"
         "E2,Bo Chan,Engineer,Engineering,photos/E2.jpg,2026-06-01,photographer,no,mid,internal\n"
         "E3,Cy Dee,Analyst,Finance,,,,no,junior,internal\n")


def invoke(args, **kw):
    return CliRunner().invoke(cli, args, prog_name="headshot-audit", **kw)


@pytest.fixture
def portfolio(make_portfolio):
    return make_portfolio(STAFF, {"photos/E1.jpg": 1, "photos/E2.jpg": 2, "photos/stray.jpg": 3})


def audit(portfolio, tmp_path, *extra):
    out = tmp_path / "out"
    r = invoke(["run", str(portfolio), "--out", str(out), "--format", "json", "--as-of", "2026-11-29", *extra])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_text())
    return {f["code"] for f in doc["findings"]}, doc, r


def test_the_portfolio_raises_what_the_selection_tests_rely_on(portfolio, tmp_path):
    codes, doc, _ = audit(portfolio, tmp_path)
    assert {"STL001", "ROL001", "AI004", "DAT001", "DAT002"} <= codes
    assert doc["generated_by"]["rule_selection"] is None


@pytest.mark.parametrize("args, allowed", [
    (["--select", "STL"], {"STL"}),
    (["--select", "data"], {"DAT"}),
    (["--select", "rol001,dat001"], {"ROL001", "DAT001"}),
    (["--select", "STL", "--select", "DAT002"], {"STL", "DAT002"}),
])
def test_select_by_prefix_category_or_code(portfolio, tmp_path, args, allowed):
    codes, doc, _ = audit(portfolio, tmp_path, *args)
    assert codes and all(c.startswith(tuple(allowed)) for c in codes), codes
    assert doc["generated_by"]["rule_selection"]["select"]


def test_ignore_takes_away_and_wins_over_select(portfolio, tmp_path):
    codes, _, _ = audit(portfolio, tmp_path, "--ignore", "ai,DAT001")
    assert "AI004" not in codes and "DAT001" not in codes and {"STL001", "ROL001", "DAT002"} <= codes
    codes, _, _ = audit(portfolio, tmp_path, "--select", "DAT", "--ignore", "DAT002")
    assert codes == {"DAT001"}


def test_extend_select_switches_on_what_the_policy_switched_off(portfolio, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text("[rules.DAT002]\nenabled = false\n[rules.STL001]\nenabled = false\n", encoding="utf-8")
    codes, doc, _ = audit(portfolio, tmp_path, "--policy", str(policy))
    assert "DAT002" not in codes and "STL001" not in codes
    assert {"DAT002", "STL001"} <= set(doc["generated_by"]["rules_disabled"])
    codes, _, _ = audit(portfolio, tmp_path, "--policy", str(policy), "--extend-select", "DAT002")
    assert "DAT002" in codes and "STL001" not in codes and "ROL001" in codes


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_a_selector_that_names_no_rule_is_a_usage_error(portfolio, tmp_path, option):
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o"), option, "XYZ"])
    assert r.exit_code == 2 and f"{option} 'XYZ'" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_explain_a_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke(["explain", "stl004"])
    assert r.exit_code == 0, r.output
    rule = load_policy().rule("STL004")
    for needle in ("STL004 photo-predates-hire", rule.summary, rule.recommendation, "Action:    review",
                   "grace_days = 90", "whole number >= 0", "Policy: default"):
        assert needle in r.stdout, needle
    assert "Also reads the policy's [consistency] table" in invoke(["explain", "CON004"]).stdout
    assert invoke(["explain", "stale-photo"]).stdout.startswith("STL001 stale-photo")


def test_explain_an_unknown_code_suggests_close_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke(["explain", "STL009"])
    assert r.exit_code == 2 and "no rule 'STL009'" in r.stderr and "STL00" in r.stderr.split("did you mean")[1]


def test_rules_as_json_with_parameters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = json.loads(invoke(["rules", "--format", "json"]).stdout)
    rules = {r["code"]: r for r in doc["rules"]}
    assert set(rules) == set(load_policy().rules)
    assert rules["STL004"]["params"]["grace_days"] == {"value": 90, "help": "days a photo may predate the hire date",
                                                      "valid": "a whole number >= 0"}
    assert {r["action"] for r in rules.values()} >= {"retake", "review", "keep", "fix", "remove"}
    assert rules["CON003"]["tables"] == ["consistency"]
    policy = tmp_path / "p.toml"
    policy.write_text("[rules.STL004.params]\ngrace_days = 30\n[rules.DAT002]\nenabled = false\n", encoding="utf-8")
    doc = json.loads(invoke(["rules", "--format", "json", "--policy", str(policy)]).stdout)
    rules = {r["code"]: r for r in doc["rules"]}
    assert rules["STL004"]["params"]["grace_days"]["value"] == 30 and rules["DAT002"]["enabled"] is False
    assert doc["policy"] == str(policy)
    table = invoke(["rules", "--policy", str(policy)]).stdout
    assert "grace_days = 30" in table and "(disabled)" in table


def test_policy_file_in_the_portfolio_is_found(portfolio, tmp_path):
    (portfolio / "headshot-audit.toml").write_text("[rules.STL001]\nenabled = false\n", encoding="utf-8")
    codes, doc, _ = audit(portfolio, tmp_path)
    assert "STL001" not in codes and doc["generated_by"]["policy"].endswith("headshot-audit.toml")
    codes, doc, _ = audit(portfolio, tmp_path, "--isolated")
    assert "STL001" in codes and doc["generated_by"]["policy"] == "default"
    other = tmp_path / "other.toml"
    other.write_text("[rules.DAT001]\nenabled = false\n", encoding="utf-8")
    codes, doc, _ = audit(portfolio, tmp_path, "--policy", str(other))
    assert "STL001" in codes and "DAT001" not in codes and doc["generated_by"]["policy"] == str(other)


def test_pyproject_table_in_the_current_folder_or_a_parent_is_found(portfolio, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / "sub" / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")  # no table: skipped
    (project / "pyproject.toml").write_text("[tool.headshot-audit.rules.ROL001]\nenabled = false\n", encoding="utf-8")
    monkeypatch.chdir(project / "sub" / "deeper")
    codes, doc, _ = audit(portfolio, tmp_path)
    assert "ROL001" not in codes and "STL001" in codes
    assert doc["generated_by"]["policy"] == f"{project / 'pyproject.toml'} [tool.headshot-audit]"
    assert "ROL001" in audit(portfolio, tmp_path, "--isolated")[0]
    (project / "pyproject.toml").write_text("[tool.headshot-audit.consistency]\noutlier_z = 0\n", encoding="utf-8")
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "pyproject.toml [tool.headshot-audit]: key 'consistency.outlier_z'" in r.stderr


def test_summary_on_stdout_not_on_stderr(portfolio, tmp_path):
    _codes, doc, r = audit(portfolio, tmp_path)
    out = r.stdout
    sev = doc["summary"]["by_severity"]
    assert f"{doc['summary']['findings']} findings ({sev['critical']} critical, {sev['high']} high" in out
    n_dat = sum(f["code"] == "DAT001" for f in doc["findings"])
    assert any(line.split()[:2] == [str(n_dat), "DAT001"] for line in out.splitlines()), out
    assert "First in line" in out and "1. Ann Lee (E1): retake with a photographer (high)" in out
    assert f"Report: {tmp_path / 'out' / 'audit.json'}" in out
    assert "Audited" not in r.stderr and "First in line" not in r.stderr and "warning" not in r.stderr


def test_quiet_prints_nothing_but_errors(portfolio, tmp_path):
    _codes, _doc, r = audit(portfolio, tmp_path, "--quiet", "--fail-on", "critical")
    assert r.stdout == "" and r.stderr == ""
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o"), "-q", "--as-of", "not-a-date"])
    assert r.exit_code == 2 and "--as-of" in r.stderr
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o"), "-q", "-v"])
    assert r.exit_code == 2 and "--quiet and --verbose" in r.stderr


def test_verbose_says_what_it_does_on_stderr(portfolio, tmp_path):
    _codes, _doc, r = audit(portfolio, tmp_path, "--verbose")
    assert "headshot-audit: policy: default" in r.stderr and "3 staff rows, 3 photo files" in r.stderr
    assert "Audited 3 photos" in r.stdout and "Audited" not in r.stderr


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_out_dash_writes_one_machine_format_to_stdout(portfolio, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    r = invoke(["run", str(portfolio), "--out", "-", "--format", fmt, "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output
    if fmt == "json":
        codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
    else:
        codes = {row["code"] for row in csv.DictReader(io.StringIO(r.stdout))}
    assert {"STL001", "ROL001", "DAT001"} <= codes
    assert "Audited 3 photos" in r.stderr  # the summary moved out of the data's way
    assert not (tmp_path / "audit-report").exists()


@pytest.mark.parametrize("formats", [None, "json,csv", "pdf"])
def test_out_dash_needs_exactly_one_machine_format(portfolio, tmp_path, formats):
    r = invoke(["run", str(portfolio), "--out", "-"] + (["--format", formats] if formats else []))
    assert r.exit_code == 2 and "--out - writes one machine format" in r.stderr and r.stdout == ""


def test_the_report_says_which_policy_was_used(portfolio, tmp_path):
    (portfolio / "headshot-audit.toml").write_text("[rules.STL001]\nenabled = false\n", encoding="utf-8")
    out = tmp_path / "out"
    r = invoke(["run", str(portfolio), "--out", str(out), "--format", "html", "--as-of", "2026-11-29",
                "--ignore", "DUP"])
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text()
    assert str(portfolio / "headshot-audit.toml") in html and "selected on the command line" in html
    off = sorted([c for c in load_policy().rules if c.startswith("DUP")] + ["STL001"])
    assert f"rules switched off: {', '.join(off)}." in html
