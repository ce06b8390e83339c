"""Honest exit codes: every input error is one line and exit 2, found before any photo is
decoded; anything unexpected is one line, a saved traceback and exit 3, never 1 (which means
"findings at or above --fail-on"); a damaged or unusable feature cache never stops an audit."""

import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.errors import AuditError, InputError
from audit.history import HistoryError
from audit.policy import PolicyError
from audit.report.atomic import OutputError
from audit.staff import StaffError
from tests.test_cache import counting

STAFF = "employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\n"


def invoke(args, **kw):
    return CliRunner().invoke(cli, args, prog_name="headshot-audit", **kw)


@pytest.fixture
def portfolio(make_portfolio):
    return make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})


@pytest.fixture
def decoded(monkeypatch):
    """The files the run decoded."""
    return counting(monkeypatch)


def test_one_family_of_input_errors():
    for cls in (PolicyError, StaffError, OutputError, HistoryError):
        assert issubclass(cls, InputError) and issubclass(cls, AuditError), cls


@pytest.mark.parametrize("text, key", [
    ("[consistency]\noutlier_z = 0\n", "consistency.outlier_z"),
    ("[consistency]\nstyle_measures = ['backdrop_L', 'hat_size']\n", "consistency.style_measures"),
    ("[rules.CON003]\naction = 'crop'\n", "rules.CON003.action"),
])
def test_bad_policy_value_is_one_line_and_exit_2_before_any_photo_is_decoded(portfolio, tmp_path, decoded,
                                                                             text, key):
    policy = tmp_path / "p.toml"
    policy.write_text(text, encoding="utf-8")
    r = invoke(["run", str(portfolio), "--policy", str(policy), "--out", str(tmp_path / "o"), "--jobs", "1",
                "--no-cache"])
    assert r.exit_code == 2, r.output
    assert decoded == []
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and str(policy) in lines[0], r.stderr
    assert not (tmp_path / "o").exists()


def test_unexpected_error_is_one_line_a_saved_traceback_and_exit_3(portfolio, tmp_path, monkeypatch):
    import audit.pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug deep inside")

    monkeypatch.setattr(audit.pipeline, "run_audit", broken)
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o"), "--fail-on", "low"])
    assert r.exit_code == 3, r.output
    [line] = r.stderr.strip().splitlines()
    assert "internal error" in line and "ZeroDivisionError" in line and "Traceback" not in r.output
    saved = line.split("the traceback is in ", 1)[1].split(". Please")[0]
    text = open(saved, encoding="utf-8").read()
    assert "Traceback" in text and "a bug deep inside" in text and "broken" in text
    assert saved.startswith(os.environ["XDG_STATE_HOME"])


def test_damaged_cache_is_moved_aside_and_rebuilt(portfolio, tmp_path, decoded):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "features.sqlite3").write_bytes(b"this is not a database" * 100)
    args = ["run", str(portfolio), "--out", str(tmp_path / "o"), "--format", "json", "--cache", str(cache),
            "--jobs", "1", "--as-of", "2026-11-29"]
    r = invoke(args)
    assert r.exit_code == 0, r.output
    warnings = [w for w in r.stderr.splitlines() if "warning" in w]
    assert len(warnings) == 1 and "damaged" in warnings[0], r.stderr
    [aside] = [p for p in cache.iterdir() if ".damaged-" in p.name]
    assert aside.read_bytes().startswith(b"this is not a database")
    assert sorted(decoded) == ["a.jpg", "b.jpg"]
    # the new cache works: a second run decodes nothing and warns about nothing
    decoded.clear()
    r = invoke(args)
    assert r.exit_code == 0 and decoded == [] and "warning" not in r.stderr, r.stderr


def test_truncated_cache_rows_are_measured_again(portfolio, tmp_path, decoded):
    cache = tmp_path / "cache"
    args = ["run", str(portfolio), "--out", str(tmp_path / "o"), "--format", "json", "--cache", str(cache),
            "--jobs", "1", "--as-of", "2026-11-29"]
    assert invoke(args).exit_code == 0
    with sqlite3.connect(cache / "features.sqlite3") as db:
        db.execute("UPDATE features SET row = '{\"broken'")
    db.close()
    decoded.clear()
    r = invoke(args)
    assert r.exit_code == 0, r.output
    assert sorted(decoded) == ["a.jpg", "b.jpg"] and "warning" in r.stderr


def test_unusable_cache_folder_is_skipped_with_one_warning(portfolio, tmp_path):
    not_a_folder = tmp_path / "cache-is-a-file"
    not_a_folder.write_text("x")
    r = invoke(["run", str(portfolio), "--out", str(tmp_path / "o"), "--format", "json", "--cache",
                str(not_a_folder / "sub"), "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output
    warnings = [w for w in r.stderr.splitlines() if "warning" in w]
    assert len(warnings) == 1 and "cache-is-a-file" in warnings[0], r.stderr
    assert json.loads((tmp_path / "o" / "audit.json").read_text())["photos"]
    assert not_a_folder.read_text() == "x"


def test_relative_cache_and_output_paths_work_with_worker_processes(portfolio, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["run", os.path.relpath(portfolio, tmp_path), "--out", "out", "--format", "json", "--cache", "relcache",
            "--jobs", "2", "--as-of", "2026-11-29"]
    for _ in range(2):  # cold, then warm
        r = invoke(args)
        assert r.exit_code == 0, r.output
        assert "warning" not in r.stderr, r.stderr
        doc = json.loads((tmp_path / "out" / "audit.json").read_text())
        assert [f for f in doc["findings"] if f["code"] == "DAT003"] == []
        assert all(p["error"] is None for p in doc["photos"])
    assert (tmp_path / "relcache" / "features.sqlite3").is_file()
