"""The feature cache: an unchanged photo is not decoded again; a changed file or new feature
code is measured afresh; results are identical with and without the cache."""

import json
import os
from datetime import date
from pathlib import Path

import audit.features as features
from audit.pipeline import AuditConfig, run_audit
from audit.report.exports import to_json
from tests.conftest import noise_image

STAFF = "employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\n"


def audit(root, cache_dir):
    return run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29), cache_dir=cache_dir))


def counting(monkeypatch):
    calls = []
    real = features.decode

    def spy(path, file, data=None):
        calls.append(file)
        return real(path, file, data)

    monkeypatch.setattr(features, "decode", spy)
    return calls


def test_warm_run_decodes_nothing_and_changes_nothing(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    calls = counting(monkeypatch)
    cold = audit(root, tmp_path / "cache")
    assert sorted(calls) == ["a.jpg", "b.jpg"]
    calls.clear()
    warm = audit(root, tmp_path / "cache")
    assert calls == []
    uncached = audit(root, None)
    strip = lambda r: json.loads(to_json(r)) | {"generated_by": None}  # noqa: E731
    assert strip(cold) == strip(warm) == strip(uncached)


def test_changed_file_is_measured_again(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    audit(root, tmp_path / "cache")
    noise_image(3).save(root / "b.jpg")
    calls = counting(monkeypatch)
    audit(root, tmp_path / "cache")
    assert calls == ["b.jpg"]


def test_touched_but_identical_file_reuses_the_content_hash(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    audit(root, tmp_path / "cache")
    os.utime(root / "a.jpg", (1, 1))
    calls = counting(monkeypatch)
    result = audit(root, tmp_path / "cache")
    # Copied or re-exported folders get new mtimes and inodes: the bytes decide.
    assert calls == []
    assert result.photos.set_index("file").loc["a.jpg", "error"] is None


def test_same_bytes_under_a_new_name_are_not_decoded(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    audit(root, tmp_path / "cache")
    (root / "a.jpg").rename(root / "E1.jpg")
    (root / "staff.csv").write_text("employee_id,name,photo\nE1,Ann,E1.jpg\nE2,Bo,b.jpg\n")
    calls = counting(monkeypatch)
    result = audit(root, tmp_path / "cache")
    assert calls == []
    assert set(result.photos["file"]) == {"E1.jpg", "b.jpg"}


def test_new_feature_code_invalidates(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    audit(root, tmp_path / "cache")
    monkeypatch.setattr("audit.pipeline.FEATURE_VERSION", features.FEATURE_VERSION + 1)
    calls = counting(monkeypatch)
    audit(root, tmp_path / "cache")
    assert sorted(calls) == ["a.jpg", "b.jpg"]


def test_retrained_forensic_model_invalidates(make_portfolio, tmp_path, monkeypatch):
    """Rows hold the forensic score, so a new shipped model must be measured afresh."""
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    audit(root, tmp_path / "cache")
    from audit import forensic_model

    retrained = tmp_path / "forensic.json"
    retrained.write_text(forensic_model.DEFAULT_MODEL.read_text() + "\n")
    monkeypatch.setattr(forensic_model, "DEFAULT_MODEL", retrained)
    calls = counting(monkeypatch)
    audit(root, tmp_path / "cache")
    assert sorted(calls) == ["a.jpg", "b.jpg"]


def test_warm_json_csv_run_loads_no_image_or_drawing_library(make_portfolio, tmp_path):
    """A warm re-run is answered by the cache: it must not pay for importing what measures or
    draws (OpenCV, dlib, SciPy, imagehash, Jinja2, WeasyPrint, matplotlib), each a few hundred
    ms at start-up, which is most of a warm run's time."""
    import subprocess
    import sys

    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2})
    heavy = ["cv2", "dlib", "scipy", "imagehash", "jinja2", "weasyprint", "matplotlib"]
    script = (
        "import sys\n"
        "from audit.cli import cli\n"  # not main(): it ends the process before the probe below
        f"args = ['run', {str(root)!r}, '--out', {str(tmp_path / 'out')!r}, '--cache',"
        f" {str(tmp_path / 'cache')!r}, '--format', 'json,csv', '--jobs', '1', '-q', '--as-of', '2026-11-29']\n"
        "try:\n    cli(args, prog_name='headshot-audit')\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))\n"
    )

    def loaded() -> list[str]:
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert (tmp_path / "out" / "audit.json").is_file(), run.stderr
        return run.stdout.split()

    assert "cv2" in loaded()  # cold: the photos are measured (and the probe sees imports)
    assert loaded() == []  # warm


def test_setup_byte_compiles_the_package():
    """scripts/setup.sh compiles audit/ once: an editable install leaves it to each import, and
    with PYTHONDONTWRITEBYTECODE set every run compiled ~40 modules again (~0.15 s of a warm run)."""
    import importlib.util

    import audit
    from audit import cli, pipeline

    for module in (audit, cli, pipeline):
        assert Path(importlib.util.cache_from_source(module.__file__)).is_file(), module.__file__
