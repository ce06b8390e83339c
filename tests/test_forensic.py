"""Forensic AI-image evidence: finite measures, sane direction, JPEG table analysis, model file."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from audit import forensic_model
from audit.features import EXTRACTORS, extract_one, forensic
from audit.features.decode import decode


def _scene(w: int = 600, h: int = 800, seed: int = 0) -> np.ndarray:
    """A smooth head-and-shoulders-like scene (float RGB 0-255), no noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[...] = (90 + 60 * xx[..., None] / w) * np.array([0.8, 0.85, 1.0])
    face = ((xx - w / 2) / (0.22 * w)) ** 2 + ((yy - 0.4 * h) / (0.2 * h)) ** 2 < 1
    shade = 1.0 - 0.25 * (xx - w / 2) / w
    img[face] = (np.array([205, 160, 135]) * shade[face][:, None])
    body = (yy > 0.62 * h) & (np.abs(xx - w / 2) < 0.4 * w)
    img[body] = np.array([40, 50, 70])
    for _ in range(12):  # a few soft details: hair strands, eyes, folds
        cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(4, 20)
        blob = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        img[blob] *= rng.uniform(0.5, 1.2)
    im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.5))
    return np.asarray(im, dtype=np.float32)


def _camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "NIKON CORPORATION"
    exif[0x0110] = "NIKON D750"
    exif[0x0132] = "2024:05:01 10:00:00"
    return exif


def _save(tmp: Path, name: str, arr: np.ndarray, exif: Image.Exif | None = None, quality: int = 92) -> str:
    im = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
    kw = {"exif": exif} if exif is not None else {}
    im.save(tmp / name, "JPEG", quality=quality, **kw)
    return name


def _noisy(base: np.ndarray, sigma: float = 6.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lum = rng.normal(0, sigma, base.shape[:2])[..., None]
    chroma = rng.normal(0, sigma / 2, base.shape)
    return base + lum + chroma


def _smoothed(arr: np.ndarray) -> np.ndarray:
    im = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
    return np.asarray(im.filter(ImageFilter.GaussianBlur(2.5)).filter(ImageFilter.MedianFilter(5)), np.float32)


def test_extractor_is_registered():
    assert ("forensic", forensic.extract) in EXTRACTORS


@pytest.mark.parametrize("kind", ["flat", "noise", "scene", "tiny", "checker"])
def test_measures_are_finite(tmp_path, kind):
    rng = np.random.default_rng(3)
    arr = {
        "flat": np.full((300, 400, 3), 128.0),
        "noise": rng.uniform(0, 255, (512, 512, 3)),
        "scene": _scene(),
        "tiny": _scene(40, 30),
        "checker": (np.indices((256, 256)).sum(axis=0) % 2 * 255.0)[..., None].repeat(3, axis=2),
    }[kind]
    name = _save(tmp_path, f"{kind}.jpg", arr)
    row = forensic.extract(decode(tmp_path / name, name))
    for k in forensic.PIXEL_FEATURES:
        assert isinstance(row[k], float) and math.isfinite(row[k]), (k, row[k])
    # the shipped model scores every decodable image (no score only without a model: see
    # test_missing_or_broken_model_gives_no_score)
    assert row["forensic_score"] is not None and 0.0 <= row["forensic_score"] <= 1.0
    assert isinstance(row["forensic_reasons"], str) and row["forensic_reasons"]
    json.dumps(row)  # JSON-safe


def test_png_and_greyscale_inputs(tmp_path):
    arr = _scene(320, 400)
    Image.fromarray(arr.astype(np.uint8)).convert("L").save(tmp_path / "g.png")
    Image.fromarray(arr.astype(np.uint8)).convert("RGBA").save(tmp_path / "a.png")
    for name in ("g.png", "a.png"):
        row = forensic.extract(decode(tmp_path / name, name))
        assert row["fx_jpeg_quality"] is None and row["fx_jpeg_standard_tables"] is None
        assert row["forensic_score"] is not None


def test_noisy_camera_photo_scores_below_its_smoothed_copy(tmp_path):
    base = _scene()
    cam = _noisy(base)
    a = _save(tmp_path, "camera.jpg", cam, exif=_camera_exif())
    b = _save(tmp_path, "smoothed.jpg", _smoothed(cam))
    ra = extract_one(str(tmp_path), a)
    rb = extract_one(str(tmp_path), b)
    assert ra["feature_errors"] is None and rb["feature_errors"] is None
    # the raw measures move the right way
    assert ra["fx_noise_skin"] > rb["fx_noise_skin"]
    assert ra["fx_noise_floor"] > rb["fx_noise_floor"]
    assert ra["fx_flat_share"] <= rb["fx_flat_share"]
    assert ra["fx_camera_exif"] is True and rb["fx_camera_exif"] is False
    # and so does the score: the same picture, smoothed, looks more generated
    assert ra["forensic_score"] < rb["forensic_score"]


def test_more_noise_never_looks_more_generated(tmp_path):
    base = _scene(seed=5)
    scores = []
    for sigma in (0.0, 3.0, 8.0):
        name = _save(tmp_path, f"s{sigma}.jpg", _noisy(base, sigma) if sigma else base)
        scores.append(extract_one(str(tmp_path), name)["forensic_score"])
    assert scores[0] >= scores[2], scores


@pytest.mark.parametrize("quality", [75, 90, 40])
def test_jpeg_tables_of_a_standard_pillow_encode(quality):
    buf = io.BytesIO()
    Image.fromarray(_scene(200, 160).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        res = forensic.jpeg_table_analysis(im.quantization)
    assert res == {"fx_jpeg_quality": quality, "fx_jpeg_standard_tables": True, "fx_jpeg_n_tables": 2}


def test_jpeg_tables_are_read_with_the_pixels(tmp_path):
    """The file cues take the JPEG tables from the decode: the file is not opened again."""
    path = tmp_path / "p.jpg"
    Image.fromarray(_scene(200, 240).astype(np.uint8)).save(path, "JPEG", quality=75)
    d = decode(path, "p.jpg", path.read_bytes())
    path.unlink()
    fx = forensic.file_measures(d)
    assert fx["fx_jpeg_quality"] == 75 and fx["fx_jpeg_standard_tables"] is True and fx["fx_jpeg_n_tables"] == 2


def test_custom_jpeg_tables_are_not_standard(tmp_path):
    luma = [max(1, (i * 7) % 50) for i in range(64)]
    chroma = [max(1, (i * 3) % 40 + 2) for i in range(64)]
    Image.fromarray(_scene(200, 160).astype(np.uint8)).save(tmp_path / "c.jpg", "JPEG", qtables=[luma, chroma])
    row = forensic.extract(decode(tmp_path / "c.jpg", "c.jpg"))
    assert row["fx_jpeg_standard_tables"] is False
    assert 1 <= row["fx_jpeg_quality"] <= 100


def test_libjpeg_scaling_formula():
    t50 = forensic.libjpeg_table(forensic._STD_LUMA, 50)
    assert list(t50) == list(forensic._STD_LUMA)
    assert forensic.libjpeg_table(forensic._STD_LUMA, 100).max() == 1
    assert forensic.libjpeg_table(forensic._STD_LUMA, 1).max() == 255


def test_generator_sizes_and_metadata(tmp_path):
    name = _save(tmp_path, "sq.jpg", np.full((1024, 1024, 3), 100.0))
    row = forensic.extract(decode(tmp_path / name, name))
    assert row["fx_generator_size"] is True and row["fx_square"] is True and row["fx_camera_exif"] is False


def test_model_json_matches_extractor(tmp_path):
    model = forensic_model.load()
    assert set(model["features"]) <= set(forensic.PIXEL_FEATURES + forensic.TEXTURE_FEATURES)
    for key in ("evaluation", "trained_on", "typical_real", "typical_ai", "typical_real_groups", "typical_ai_groups"):
        assert key in model
    assert model["trained_on"]["generators_seen"]
    ev = model["evaluation"]["chosen"]
    assert 0.0 <= ev["protocol_a"]["laundered"]["auroc"] <= 1.0
    name = _save(tmp_path, "x.jpg", _scene())
    d = decode(tmp_path / name, name)
    fx = forensic.measure(d)
    assert all(f in fx for f in model["features"])
    row = forensic.extract(d)
    assert row["forensic_score"] is not None
    assert all(f in row for f in forensic.PIXEL_FEATURES)
    assert not any(f in row for f in forensic.TEXTURE_FEATURES)  # long vectors: score inputs, not columns


def test_model_file_quotes_rates_per_kind_of_source():
    """The report and AI003 quote the held-out figures per kind of AI source (issue 19 point 4):
    each kind present, with rates that are rates, and the kinds agree with the sources trained on."""
    model = forensic_model.load()
    head = model["evaluation"]["headline"]
    kinds = head["unseen_by_kind_laundered"]
    assert set(kinds) == {"app", "diffusion", "gan"}
    for rec in kinds.values():
        assert rec["n_ai"] > 0 and rec["sources"]
        assert 0.0 <= rec["auroc"] <= 1.0 and 0.0 <= rec["flagged_at_threshold"] <= 1.0
    assert set(model["trained_on"]["ai_source_kinds"].values()) == set(kinds)
    for kind, rec in kinds.items():
        assert all(model["trained_on"]["ai_source_kinds"][s] == kind for s in rec["sources"])
    # the calibration target: at most 2% of retouched and studio real photos flagged
    assert head["retouched_real_flagged_laundered"] <= 0.02 and head["studio_real_flagged_laundered"] <= 0.02


def test_spam_and_lbp_are_distributions():
    rng = np.random.default_rng(5)
    noisy = np.clip(_scene() + rng.normal(0, 3, _scene().shape), 0, 255).astype(np.uint8)
    view, detail = forensic.feature_views(noisy)
    assert view.shape == detail.shape == (forensic.FEATURE_SIZE, forensic.FEATURE_SIZE, 3)
    fx = forensic.pixel_measures(view, detail)
    spam = np.array([fx[f] for f in forensic.SPAM_FEATURES]).reshape(2, 343)
    assert np.all(spam >= 0) and np.allclose(spam.sum(axis=1), 1.0, atol=1e-5)
    for r in (1, 2):
        h = np.array([fx[f"fx_lbp{r}_{i:02d}"] for i in range(59)])
        assert np.all(h >= 0) and abs(h.sum() - 1.0) < 1e-6
    # a flat image: every step is 0, every LBP code is "all neighbours >= centre" (uniform code 255)
    flat = forensic.pixel_measures(*forensic.feature_views(np.full((300, 400, 3), 100, np.uint8)))
    assert flat["fx_spam_s" + f"{(3 * 7 + 3) * 7 + 3:03d}"] == 1.0
    assert max(flat[f] for f in forensic.LBP_FEATURES if f.startswith("fx_lbp1_")) == 1.0
    # the face SPAM reads the detail view only: noise outside the central half leaves it flat
    ring = np.full((400, 400, 3), 100.0)
    ring[rng.random((400, 400)) < 0.5] = 140.0
    ring[90:310, 90:310] = 100.0  # the detail view is the central half, 100:300
    fx = forensic.pixel_measures(*forensic.feature_views(ring.astype(np.uint8)))
    zero = f"{(3 * 7 + 3) * 7 + 3:03d}"
    assert fx["fx_spamd_s" + zero] == 1.0 and fx["fx_spam_s" + zero] < 0.9
    spamd = np.array([fx[f] for f in forensic.SPAM_DETAIL_FEATURES]).reshape(2, 343)
    assert np.allclose(spamd.sum(axis=1), 1.0, atol=1e-5)


def test_missing_or_broken_model_gives_no_score(tmp_path):
    name = _save(tmp_path, "x.jpg", _scene(300, 300))
    d = decode(tmp_path / name, name)
    d.options = {"forensic_model": str(tmp_path / "nope.json")}
    row = forensic.extract(d)
    assert row["forensic_score"] is None and "not found" in row["forensic_reasons"]
    (tmp_path / "bad.json").write_text('{"type": "logistic", "features": ["fx_noise_skin"]}')
    d.options = {"forensic_model": str(tmp_path / "bad.json")}
    row = forensic.extract(d)
    assert row["forensic_score"] is None and "bad.json" in row["forensic_reasons"]


def test_logistic_model_type_and_reasons():
    model = {"type": "logistic", "features": ["fx_noise_skin", "fx_flat_share"], "transforms": {},
             "mean": [2.0, 0.1], "scale": [1.0, 0.1], "coef": [-2.0, 1.0], "intercept": 0.0,
             "typical_real": {"fx_noise_skin": 2.5, "fx_flat_share": 0.05},
             "typical_ai": {"fx_noise_skin": 0.8, "fx_flat_share": 0.3}}
    x = forensic_model.matrix([{"fx_noise_skin": 0.5, "fx_flat_share": 0.3}], model["features"])
    p = float(forensic_model.predict_matrix(model, x)[0])
    assert p > 0.9
    text = forensic_model.reasons(model, {"fx_noise_skin": 0.5, "fx_flat_share": 0.3}, p)
    assert text.startswith("looks generated") and "less sensor noise in skin areas (0.5 vs typical 2.5" in text


def test_logistic_contributions_match_one_evaluation_per_measure():
    """The shipped (logistic) model explains a score additively; that shortcut must give the
    same pushes as re-scoring with each measure reset, which works for every model type."""
    model = forensic_model.load()
    rng = np.random.default_rng(3)
    feats = model["features"]
    ref = np.array([model["typical_real"].get(f, 0.0) for f in feats])
    x = ref * rng.uniform(0.5, 1.5, size=len(feats)) + rng.normal(0, 1e-3, size=len(feats))
    fast = forensic_model._contributions(model, x, ref)
    slow = forensic_model.contributions_by_trial(model, x, ref)
    assert np.allclose(fast, slow, atol=1e-9) and np.abs(slow).max() > 0


def test_texture_reasons_are_groups_in_plain_words():
    """A texture model's reasons name a group a reader can picture, with the photo's share and
    the typical shares, not a histogram bin."""
    feats = forensic.SPAM_DETAIL_FEATURES
    flat = {f for f in feats if forensic_model.GROUP_OF[f] == "spamd_flat"}
    model = {"type": "logistic", "features": feats, "transforms": {}, "mean": [0.0] * len(feats),
             "scale": [1.0] * len(feats), "coef": [5.0 if f in flat else 0.0 for f in feats], "intercept": -2.0,
             "typical_real": {f: 0.03 if f in flat else 0.0 for f in feats},
             "typical_real_groups": {"spamd_flat": 0.03}, "typical_ai_groups": {"spamd_flat": 0.01}}
    fx = forensic.pixel_measures(*forensic.feature_views(np.full((300, 400, 3), 100, np.uint8)))
    p = float(forensic_model.predict_matrix(model, forensic_model.matrix([fx], feats))[0])
    text = forensic_model.reasons(model, fx, p)
    assert p > 0.5 and text == ("looks generated: more perfectly flat runs of pixels in the face "
                                "(100% vs typical 3.0% for camera photos, 1.0% for AI images)")


def test_texture_groups_are_shares():
    rng = np.random.default_rng(2)
    noisy = np.clip(_scene() + rng.normal(0, 3, _scene().shape), 0, 255).astype(np.uint8)
    shares = forensic_model.group_values(forensic.pixel_measures(*forensic.feature_views(noisy)))
    for prefix in ("spam_", "spamd_", "lbp_"):
        assert sum(v for g, v in shares.items() if g.startswith(prefix)) == pytest.approx(1.0, abs=1e-5)
    assert set(shares) == set(forensic_model.GROUPS)


def _random_chi2_model(rng: np.random.Generator, feats: list[str]) -> dict:
    n = 3 * len(feats)  # 2 map steps: sqrt, cos and sin columns per measure
    return {"type": "logistic", "features": feats, "transforms": {},
            "feature_map": {"kind": "additive_chi2", "steps": 2, "interval": 0.5},
            "mean": rng.uniform(0, 0.2, n).tolist(), "scale": rng.uniform(0.05, 0.2, n).tolist(),
            "coef": rng.normal(0, 1, n).tolist(), "intercept": float(rng.normal()), "logit_shift": -1.0}


def test_averaged_models_are_one_logistic_model():
    """The training script's per-view ensemble is stored as one logistic model: its log-odds
    must be the mean of the parts' (columns joined per map component, not appended)."""
    rng = np.random.default_rng(8)
    a = _random_chi2_model(rng, forensic.SPAM_FEATURES[:5])
    b = _random_chi2_model(rng, forensic.SPAM_DETAIL_FEATURES[:3])
    merged = forensic_model.average_logistic([a, b])
    forensic_model._check(merged, "merged")
    rows = [dict(zip(forensic.SPAM_FEATURES[:5] + forensic.SPAM_DETAIL_FEATURES[:3], rng.dirichlet(np.ones(8))))
            for _ in range(6)]
    parts = [forensic_model.raw_logit(m, forensic_model.matrix(rows, m["features"])) for m in (a, b)]
    whole = forensic_model.raw_logit(merged, forensic_model.matrix(rows, merged["features"]))
    assert np.allclose(whole, (parts[0] + parts[1]) / 2, atol=1e-4)
    assert merged["logit_shift"] == -1.0
    with pytest.raises(forensic_model.ModelError):
        forensic_model.average_logistic([a, dict(b, feature_map=None)])


def test_additive_chi2_map_approximates_the_kernel():
    """A linear model on the mapped histograms must behave like a chi-squared kernel on them:
    the mapped inner product is close to sum(2xy / (x + y))."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        x, y = rng.dirichlet(np.ones(50)), rng.dirichlet(np.ones(50))
        y[rng.integers(0, 50, 5)] = 0.0  # empty bins map to zero columns
        kernel = float(np.sum(np.where(x + y > 0, 2 * x * y / np.maximum(x + y, 1e-300), 0.0)))
        for steps, interval, tol in ((2, 0.5, 0.08), (3, 0.4, 0.03)):  # more steps, closer
            approx = float(forensic_model.additive_chi2(x, steps, interval) @ forensic_model.additive_chi2(y, steps, interval))
            assert approx == pytest.approx(kernel, rel=tol)
    assert forensic_model.additive_chi2(np.zeros(4), 2, 0.5).shape == (12,)
    assert not forensic_model.additive_chi2(np.zeros(4), 2, 0.5).any()


def test_model_arrays_follow_the_model_they_belong_to():
    """The model's weight lists are converted to arrays once and reused: a model given other
    weights must score with them, and the model stays plain JSON after scoring."""
    import json

    model = json.loads(json.dumps(forensic_model.load()))
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 0.01, (2, len(model["features"])))
    before = forensic_model.raw_logit(model, x)
    assert np.allclose(forensic_model.raw_logit(model, x), before)  # cached: same answer
    json.dumps(model)  # nothing unserialisable was put into the model
    model["coef"] = [2.0 * c for c in model["coef"]]
    after = forensic_model.raw_logit(model, x)
    assert np.allclose(after - model["intercept"], 2.0 * (before - model["intercept"]))
    # the reasons of a score computed from the caller's row are those computed from scratch
    fx = dict(zip(model["features"], x[0]))
    p = float(forensic_model.predict_matrix(model, x[:1])[0])
    assert forensic_model.reasons(model, fx, p, x=x[0]) == forensic_model.reasons(model, fx, p)


def test_scipy_free_helpers_match_scipy():
    """The running median and the spot count replace SciPy's (whose import cost every cold audit
    ~0.4 s before its first photo): same values on random data, ends and ties included."""
    from scipy import ndimage

    rng = np.random.default_rng(3)
    for n in (7, 12, 40):
        v = rng.normal(size=n)
        v[rng.integers(0, n, 3)] = v[0]  # ties
        assert np.array_equal(forensic._running_median(v, 7), ndimage.median_filter(v, size=7, mode="nearest"))
    for density in (0.05, 0.2, 0.5):
        mask = rng.random((60, 90)) < density
        labels, n = ndimage.label(mask)
        sizes = np.bincount(labels.ravel())[1:] if n else np.array([])
        assert forensic._small_spots(mask, 2, 80) == int(((sizes >= 2) & (sizes <= 80)).sum())
    assert forensic._small_spots(np.zeros((5, 5), bool), 2, 80) == 0


def test_matrix_reads_only_finite_numbers():
    """A row of plain numbers is read in one piece; any other value (a flag, text, a missing or
    infinite measure, a 32-bit float) is missing (NaN), whichever way the row is read."""
    feats = ["a", "b", "c", "d", "e", "f"]
    rows = [{"a": 1, "b": 2.5, "c": np.float64(0.25), "d": 3.0, "e": 0.5, "f": -1.0},
            {"a": 1.0, "b": float("inf"), "c": float("nan"), "d": 3, "e": 0.5, "f": -1.0},
            {"a": True, "b": float("-inf"), "c": "0.3", "d": np.float32(0.5), "e": None}]
    m = forensic_model.matrix(rows, feats)
    assert m[0].tolist() == [1.0, 2.5, 0.25, 3.0, 0.5, -1.0]
    assert np.isnan(m[1]).tolist() == [False, True, True, False, False, False] and m[1, 3] == 3.0
    assert np.isnan(m[2]).all()


def _group_sums(fx: dict) -> dict:
    """Group shares the plain way: each group's numeric measures added one by one."""
    sums: dict = {}
    for f, g in forensic_model.GROUP_OF.items():
        v = fx.get(f)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            sums[g] = sums.get(g, 0.0) + float(v)
    return {g: v / forensic_model.GROUPS[g][1] for g, v in sums.items()}


def test_group_values_of_full_and_partial_rows():
    rng = np.random.default_rng(5)
    noisy = np.clip(_scene() + rng.normal(0, 3, _scene().shape), 0, 255).astype(np.uint8)
    fx = forensic.pixel_measures(*forensic.feature_views(noisy))
    full = forensic_model.group_values(fx)
    assert full == pytest.approx(_group_sums(fx), rel=1e-12) and list(full) == list(_group_sums(fx))
    partial = dict(fx)
    for f in forensic.LBP_FEATURES:  # no LBP at all, and one SPAM bin unreadable
        partial.pop(f)
    partial[forensic.SPAM_FEATURES[0]] = None
    shares = forensic_model.group_values(partial)
    assert not any(g.startswith("lbp_") for g in shares)
    assert shares == pytest.approx(_group_sums(partial), rel=1e-12)
    g0 = forensic_model.GROUP_OF[forensic.SPAM_FEATURES[0]]
    assert shares[g0] == pytest.approx(full[g0] - fx[forensic.SPAM_FEATURES[0]] / 2, abs=1e-12)


def _grid_peak_whole_spectrum(y: np.ndarray) -> float:
    """fx_grid_peak from the whole residual spectrum (the extractor reads only the cells it needs)."""
    import cv2

    n = y.shape[0]
    resid = y - cv2.medianBlur(y, 3)
    lg = np.log(np.abs(np.fft.fft2(resid)) ** 2 + 1e-6)
    lg[0, 0] = np.log(1e-6)
    grid = np.arange(0, n, n // 8)
    around = (grid[:, None] + np.array([-3, -2, 2, 3])[None, :]) % n
    nb = lg[around[:, None, :, None], around[None, :, None, :]].reshape(8, 8, 16)
    peaks = (lg[np.ix_(grid, grid)] - np.median(nb, axis=2)).ravel()[1:]
    return float(np.sort(peaks)[-4:].mean())


def test_grid_peak_finds_an_upsampling_grid():
    """A pattern repeating every 8 pixels of the view (a generator's up-sampling grid) raises
    fx_grid_peak; the value is the one the whole residual spectrum gives."""
    rng = np.random.default_rng(4)
    plain = np.clip(_scene(256, 256) + rng.normal(0, 3, (256, 256, 3)), 0, 255).astype(np.float32)
    gridded = plain.copy()
    gridded[::8] += 8.0
    gridded[:, ::8] += 8.0
    values = []
    for view in (plain, gridded):
        fx = forensic.pixel_measures(view, view)
        assert fx["fx_grid_peak"] == pytest.approx(_grid_peak_whole_spectrum(forensic.luma(view)), rel=1e-4)
        values.append(fx["fx_grid_peak"])
    assert values[1] > values[0] + 2.0
