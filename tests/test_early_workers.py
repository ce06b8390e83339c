"""Photo workers readied at the command's start (audit/features/early.py): started only when the
cache will not answer at least two photos, the same results as measuring in one process, and no
process left behind, whether the audit ends well, stops on bad input, or loses its workers."""

import json
import multiprocessing
import os

import pytest
from click.testing import CliRunner

from audit.cli import cli
from audit.features import FEATURE_VERSION, extract_one
from audit.features import early
from audit.features.early import EarlyWorkers, WorkersStopped, early_workers

STAFF = "employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\nE3,Cy,c.jpg\n"


def run(root, out, *extra):
    return CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json", "--as-of", "2026-11-29",
                                    "-q", *extra], prog_name="headshot-audit")


@pytest.fixture
def started(monkeypatch):
    """Every EarlyWorkers the CLI starts."""
    made = []
    real = early.EarlyWorkers.__init__

    def init(self, *a, **k):
        made.append(self)
        real(self, *a, **k)

    monkeypatch.setattr(early.EarlyWorkers, "__init__", init)
    return made


def test_started_for_a_cold_cache_only_with_the_results_of_one_process(make_portfolio, tmp_path, started):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "c.jpg": 3})
    cache = tmp_path / "cache"
    cold = run(root, tmp_path / "cold", "--jobs", "2", "--cache", str(cache))
    assert cold.exit_code == 0, cold.output
    assert len(started) == 1 and not started[0]._proc.is_alive()
    assert run(root, tmp_path / "warm", "--jobs", "2", "--cache", str(cache)).exit_code == 0
    assert len(started) == 1  # the cache answered every photo: nothing started
    one = run(root, tmp_path / "one", "--jobs", "1", "--no-cache")
    assert len(started) == 1
    docs = [json.loads((tmp_path / d / "audit.json").read_text()) for d in ("cold", "warm", "one")]
    for key in ("photos", "findings"):
        assert docs[0][key] == docs[1][key] == docs[2][key]
    assert multiprocessing.active_children() == []


def test_whether_photos_need_workers(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "notes.txt": b"x", ".hidden/d.jpg": 4, "out/e.jpg": 5})
    cache = tmp_path / "cache"
    paths = sorted(p.name for p in early._photo_paths(root, root / "out"))
    assert paths == ["a.jpg", "b.jpg"]  # not the text file, a hidden folder's or the output's
    assert early.count_unmeasured(cache, "d", early._photo_paths(root, None), enough=5) == 3  # no cache yet
    assert early_workers(root, 1, cache, {}) is None  # one process: no workers
    assert run(root, tmp_path / "o", "--jobs", "1", "--cache", str(cache)).exit_code == 0
    assert early_workers(root, 2, cache, {}, root / "out") is None  # all measured
    (root / "b.jpg").write_bytes((root / "b.jpg").read_bytes() + b"\0")  # changed since: measured again
    from audit.cache import options_digest

    digest = options_digest(FEATURE_VERSION, {})
    assert early.count_unmeasured(cache, digest, early._photo_paths(root, root / "out"), enough=5) == 1
    assert early.count_unmeasured(cache, options_digest(FEATURE_VERSION, {"identity": True}),
                                  early._photo_paths(root, root / "out"), enough=5) == 2  # other options


def test_no_process_left_when_the_audit_stops_on_bad_input(make_portfolio, tmp_path, started):
    root = make_portfolio("employee_id,name\n", {"a.jpg": 1, "b.jpg": 2})  # no photo column
    (root / "staff.csv").write_bytes(b"\xff\xfe\x00broken")
    r = run(root, tmp_path / "o", "--jobs", "2", "--no-cache")
    assert r.exit_code == 2, r.output
    assert len(started) == 1 and not started[0]._proc.is_alive()
    assert multiprocessing.active_children() == []


def test_lost_workers_are_an_error_naming_them_not_a_silent_gap(make_portfolio, tmp_path):
    from audit.features import _extract_star

    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    tasks = [(str(root), f, {}, None, False) for f in ("a.jpg", "b.jpg")]
    # measured here first: OpenCV has run in this process (its thread pool started), which made
    # the host's own setting of one OpenCV thread wait forever
    expected = [extract_one(str(root), f) for f in ("a.jpg", "b.jpg")]
    workers = EarlyWorkers(2, {})
    try:
        got = list(workers.map(_extract_star, tasks, chunksize=2))
        assert got == expected
        with pytest.raises(TypeError):
            workers.map(len, [[1]])
        os.kill(workers._proc.pid, 9)
        with pytest.raises(WorkersStopped, match="stopped unexpectedly"):
            list(workers.map(_extract_star, tasks, chunksize=2))
    finally:
        workers.shutdown()
    assert not workers._proc.is_alive()
