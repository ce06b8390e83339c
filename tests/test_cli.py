"""The command line as a user meets it: exit codes 0/1/2, one-line errors naming the file,
row or key, help on every command, and no traceback ever."""

import json

import click
import pytest
from click.testing import CliRunner

from audit import __version__
from audit.cli import cli

STAFF = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
         "E1,Ann Lee,CEO,Executive,,2021-01-01,ai,yes,executive,website;press\n"
         "E2,Bo Chan,Engineer,Engineering,,2026-06-01,photographer,no,mid,internal\n")


def invoke(args):
    return CliRunner().invoke(cli, args, prog_name="headshot-audit")


@pytest.fixture
def portfolio(make_portfolio):
    return make_portfolio(STAFF, {"photos/E1.jpg": 1, "photos/E2.jpg": 2})


def test_run_writes_every_output_and_exits_0(portfolio, tmp_path):
    out = tmp_path / "out"
    r = invoke(["run", str(portfolio), "--out", str(out), "--as-of", "2026-11-29", "--jobs", "1"])
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} >= {"report.pdf", "report.html", "audit.json", "findings.csv", "photos.csv"}
    assert "Audited 2 photos for 2 staff" in r.output


def test_fail_on_exits_1_at_or_above_the_severity(portfolio, tmp_path):
    args = ["run", str(portfolio), "--out", str(tmp_path / "o"), "--as-of", "2026-11-29", "--format", "json"]
    assert invoke(args + ["--fail-on", "high"]).exit_code == 1  # E1: AI CEO on the website
    assert invoke(args + ["--fail-on", "critical"]).exit_code == 0


def test_format_selects_outputs(portfolio, tmp_path):
    out = tmp_path / "o"
    r = invoke(["run", str(portfolio), "--out", str(out), "--format", "json,csv", "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["actions.csv", "audit.json", "findings.csv", "photos.csv",
                                                    "sources_to_confirm.csv"]


def test_jobs_do_not_change_results(portfolio, tmp_path):
    docs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"o{jobs}"
        assert invoke(["run", str(portfolio), "--out", str(out), "--format", "json", "--as-of", "2026-11-29",
                       "--jobs", jobs]).exit_code == 0
        doc = json.loads((out / "audit.json").read_text())
        docs.append((doc["photos"], doc["findings"]))
    assert docs[0] == docs[1]


@pytest.mark.parametrize("args, needle", [
    (["run", "{p}", "--format", "docx"], "docx"),
    (["run", "{p}", "--as-of", "29/11/2026"], "--as-of"),
    (["run", "{p}", "--jobs", "0"], "--jobs"),
    (["run", "{p}", "--fail-on", "urgent"], "--fail-on"),
    (["run", "{p}", "--policy", "{t}/missing.toml"], "missing.toml"),
    (["run", "{p}", "--staff", "{t}/missing.csv"], "missing.csv"),
    (["run", "{t}/no-such-portfolio"], "no-such-portfolio"),
    (["run"], "PORTFOLIO"),
    (["frobnicate"], "frobnicate"),
])
def test_usage_and_input_errors_exit_2_with_one_line(portfolio, tmp_path, args, needle):
    args = [a.format(p=portfolio, t=tmp_path) for a in args]
    r = invoke(args + (["--out", str(tmp_path / "o")] if args[0] == "run" and len(args) > 1 else []))
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert "Traceback" not in r.output


def test_bad_policy_key_exit_2_names_file_and_key(portfolio, tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text("[duplicates]\nsame_image = -3\n")
    r = invoke(["run", str(portfolio), "--policy", str(policy), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert str(policy) in r.output and "duplicates.same_image" in r.output


def test_missing_required_column_exit_2(make_portfolio, tmp_path):
    root = make_portfolio("name,title\nAnn,CEO\n", {})
    r = invoke(["run", str(root), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "employee_id" in r.output and "staff.csv" in r.output


def test_unwritable_output_folder_exit_2(portfolio, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    r = invoke(["run", str(portfolio), "--out", str(blocker / "sub"), "--format", "json"])
    assert r.exit_code == 2 and "file-not-folder" in r.output and "Traceback" not in r.output


def test_version_and_help_on_every_command():
    runner = CliRunner()
    assert __version__ in runner.invoke(cli, ["--version"]).output
    for name, command in cli.commands.items():
        r = runner.invoke(cli, [name, "--help"])
        assert r.exit_code == 0 and command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.name} has no help text"


def test_rules_lists_every_rule():
    from audit.policy import load_policy

    out = CliRunner().invoke(cli, ["rules"]).output
    for code in load_policy().rules:
        assert code in out


def test_console_entry_point_keeps_exit_status_and_output(portfolio, tmp_path):
    """`main` ends the process itself (no teardown): the exit status, a usage error's message and
    everything written to a pipe must still come out whole."""
    import subprocess
    import sys

    def console(*args):
        code = "import sys; from audit.cli import main; sys.argv[0] = 'headshot-audit'; main()"
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)

    ok = console("run", str(portfolio), "--out", "-", "--format", "json", "--as-of", "2026-11-29", "--jobs", "1",
                 "--no-cache", "-q")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["summary"]["staff"] == 2  # all of it, flushed before the end
    failed = console("run", str(portfolio), "--out", str(tmp_path / "o"), "--no-cache", "--as-of", "2026-11-29",
                     "--jobs", "1", "--fail-on", "info", "-q")
    assert failed.returncode == 1, failed.stderr
    bad = console("run", str(portfolio), "--format", "docx")
    assert bad.returncode == 2 and "docx" in bad.stderr
    assert console("--version").stdout.strip().endswith(__version__)
