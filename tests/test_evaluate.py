"""evaluate_dir and the metrics: labelled folders made by the test, both layouts, bad manifests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageFilter

from audit.evaluate import EvaluationError, auroc, evaluate_dir, format_text, metrics, read_labels, tpr_at_fpr


def _img(seed: int, noisy: bool, size=(360, 480)) -> Image.Image:
    """A head-and-shoulders-like scene: with camera-like noise (real) or heavily smoothed (ai)."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    arr = np.empty((h, w, 3), np.float32)
    arr[...] = (90 + 60 * xx[..., None] / w) * np.array([0.8, 0.85, 1.0])
    face = ((xx - w / 2) / (0.22 * w)) ** 2 + ((yy - 0.4 * h) / (0.2 * h)) ** 2 < 1
    arr[face] = np.array([205, 160, 135]) * (1.0 - 0.25 * (xx[face] - w / 2) / w)[:, None]
    arr[(yy > 0.62 * h) & (np.abs(xx - w / 2) < 0.4 * w)] = np.array([40, 50, 70])
    for _ in range(12):
        cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(3, 15)
        arr[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] *= rng.uniform(0.5, 1.2)
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5))
    a = np.asarray(im, dtype=np.float32)
    a = a + rng.normal(0, 6, a.shape[:2])[..., None] + rng.normal(0, 3, a.shape)
    noisy_im = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8))
    if noisy:
        return noisy_im
    return noisy_im.filter(ImageFilter.GaussianBlur(2.5)).filter(ImageFilter.MedianFilter(5))


def _make_folder(root: Path, n: int = 4, manifest: bool = True) -> Path:
    rows = ["file,label,source_repo"]
    for i in range(n):
        for label, noisy in (("real", True), ("ai", False)):
            rel = f"{label}/{'cam' if noisy else 'gen'}/{i}.jpg"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            _img(i, noisy).save(root / rel, "JPEG", quality=92)
            rows.append(f"{rel},{label},{'src-' + label}")
    if manifest:
        (root / "manifest.csv").write_text("\n".join(rows) + "\n")
    return root


def test_auroc_matches_definition():
    y = np.array([1, 1, 0, 0, 1, 0])
    s = np.array([0.9, 0.4, 0.4, 0.1, 0.8, 0.7])
    # pairs (pos > neg) + 0.5 ties over 9 pairs
    pairs = [(p, n) for p in s[y == 1] for n in s[y == 0]]
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert auroc(y, s) == pytest.approx(expected)
    assert auroc(np.ones(3), np.arange(3)) is None
    assert auroc([1, 0], [0.2, 0.8]) == 0.0


def test_tpr_at_fpr_and_metrics():
    y = np.r_[np.ones(10), np.zeros(20)].astype(bool)
    s = np.r_[np.linspace(0.5, 1, 10), np.linspace(0, 0.6, 20)]
    assert tpr_at_fpr(y, s, 0.05) == pytest.approx(0.8)
    m = metrics(y, s, threshold=0.5)
    assert m["n_ai"] == 10 and m["n_real"] == 20
    assert m["tpr_at_threshold"] == 1.0 and 0 < m["fpr_at_threshold"] < 0.3


def test_manifest_layout_with_injected_scores(tmp_path):
    root = _make_folder(tmp_path)
    res = evaluate_dir(root, score_fn=lambda r, f: 0.9 if "/gen/" in f else 0.1)
    assert res["auroc"] == 1.0 and res["tpr_at_5fpr"] == 1.0 and res["fpr_at_threshold"] == 0.0
    assert set(res["per_source"]) == {"ai:src-ai", "real:src-real"}
    assert "AUROC" in format_text(res)
    json.dumps(res)


def test_folder_layout_full_pipeline(tmp_path):
    root = _make_folder(tmp_path, n=3, manifest=False)
    items = read_labels(root)
    assert {i["label"] for i in items} == {"ai", "real"} and len(items) == 6
    assert {i["source"] for i in items} == {"ai/gen", "real/cam"}
    res = evaluate_dir(root)  # the real per-photo pipeline
    assert res["n_scored"] == 6 and res["unscored"] == []
    # the metrics are those of the per-file scores it reports
    files = res["files"]
    assert res["auroc"] == pytest.approx(auroc([f["label"] == "ai" for f in files], [f["score"] for f in files]))
    # and the real detector ranks every heavily smoothed copy above every camera-like original
    # (the property test_forensic checks pair by pair), so this folder separates completely
    assert res["auroc"] == 1.0, files
    text = format_text(res)
    assert "per source" in text and "real/cam" in text
    # the built-in model's file lists its training sources: this folder's source is new to it
    assert [r["in_training"] for r in res["by_ai_source"]["rows"]] == [False]
    assert "no (new)" in text


def test_launder_scores_jpeg_copies(tmp_path):
    root = _make_folder(tmp_path, n=2)
    seen = []

    def fn(r: Path, f: str) -> float:
        with Image.open(r / f) as im:
            seen.append((im.format, im.size, bool(im.getexif())))
        return 0.5

    res = evaluate_dir(root, launder=True, score_fn=fn)
    assert res["laundered"] is True and res["n_scored"] == 4
    assert all(s == ("JPEG", (512, 512), False) for s in seen)


@pytest.mark.parametrize("content,needle", [
    ("file,label\nreal/cam/0.jpg,human\n", "row 2: label must be 'ai' or 'real'"),
    ("file,label\nreal/cam/0.jpg,real\nmissing.jpg,ai\n", "row 3: file 'missing.jpg' not found"),
    ("name,kind\nx,real\n", "header must have 'file' and 'label'"),
    ("file,label\n,ai\n", "row 2: empty 'file'"),
    ("file,label\n../x.jpg,ai\n", "must be inside"),
    ("file,label\nreal/cam/0.jpg,real\n", "no 'ai' images"),
])
def test_bad_manifest_names_file_and_row(tmp_path, content, needle):
    root = _make_folder(tmp_path, n=1)
    (root / "manifest.csv").write_text(content)
    with pytest.raises(EvaluationError) as err:
        evaluate_dir(root, score_fn=lambda r, f: 0.5)
    assert "manifest.csv" in str(err.value) and needle in str(err.value)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(EvaluationError, match="no manifest.csv and no images"):
        read_labels(tmp_path)
    with pytest.raises(EvaluationError, match="not a folder"):
        read_labels(tmp_path / "nope")


def test_cli_evaluate(tmp_path):
    from audit.cli import cli

    root = _make_folder(tmp_path / "set", n=2)
    runner = CliRunner()
    res = runner.invoke(cli, ["evaluate", str(root), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["n_scored"] == 4 and "auroc" in data
    res = runner.invoke(cli, ["evaluate", str(root), "--launder"])
    assert res.exit_code == 0 and "laundered" in res.output
    (root / "manifest.csv").write_text("file,label\nnope.jpg,ai\n")
    res = runner.invoke(cli, ["evaluate", str(root)])
    assert res.exit_code == 2 and "row 2" in res.output
    res = runner.invoke(cli, ["evaluate", str(tmp_path / "set"), "--ai-model", str(tmp_path / "none.onnx")])
    assert res.exit_code == 2 and "none.onnx" in res.output


def _make_sources(root: Path) -> Path:
    """Two AI sources (one of 4 files, one of 2) and one real source, manifest with source_repo."""
    rows = ["file,label,source_repo"]
    for label, src, n in (("ai", "gen-a", 4), ("ai", "gen-b", 2), ("real", "cam", 4)):
        for i in range(n):
            rel = f"{label}/{src}/{i}.jpg"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            _img(i, label == "real", size=(64, 80)).save(root / rel, "JPEG", quality=90)
            rows.append(f"{rel},{label},{src}")
    (root / "manifest.csv").write_text("\n".join(rows) + "\n")
    return root


def test_leave_one_source_out_table(tmp_path):
    root = _make_sources(tmp_path)
    # gen-a ranks above every real photo, gen-b below: per-source AUROC 1 and 0
    scores = {"gen-a": 0.9, "gen-b": 0.05, "cam": 0.3}
    res = evaluate_dir(root, score_fn=lambda r, f: scores[f.split("/")[1]] + 0.01 * int(f[-5]),
                       trained_sources={"gen-b"})
    table = res["by_ai_source"]
    rows = {r["source"]: r for r in table["rows"]}
    assert rows["gen-a"]["auroc"] == 1.0 and rows["gen-a"]["in_training"] is False
    assert rows["gen-b"]["auroc"] == 0.0 and rows["gen-b"]["in_training"] is True
    assert rows["gen-a"]["flagged"] == 1.0 and rows["gen-b"]["flagged"] == 0.0
    # only gen-a has >= 4 files: it alone makes the means
    assert table["n_sources"] == 1 and table["auroc_mean"] == 1.0 and table["auroc_mean_new"] == 1.0
    text = format_text(res)
    assert "per AI source" in text and "seen in training" in text
    assert "gen-a" in text and "no (new)" in text and "gen-b" in text
    assert "mean AUROC over the 1 AI sources with >= 4 files: 1.000; over the 1 of them new to the model: 1.000" in text


def test_no_table_without_sources(tmp_path):
    root = _make_folder(tmp_path, n=2)
    (root / "manifest.csv").write_text("file,label\n" + "".join(
        f"{lab}/{d}/{i}.jpg,{lab}\n" for i in range(2) for lab, d in (("real", "cam"), ("ai", "gen"))))
    res = evaluate_dir(root, score_fn=lambda r, f: 0.9 if "/gen/" in f else 0.1)
    assert "per AI source" not in format_text(res)
    # an injected score function is not the built-in model: whether a source was seen is unknown
    assert {r["in_training"] for r in res["by_ai_source"]["rows"]} == {None}


def test_builtin_model_names_its_training_sources(tmp_path):
    from audit.evaluate import _builtin_sources
    from audit.forensic_model import load

    assert _builtin_sources() == set(load()["trained_on"]["ai_sources"])
