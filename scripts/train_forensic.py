#!/usr/bin/env python
"""Train and measure the forensic AI-image combiner; write audit/models/forensic.json.

    .venv/bin/python scripts/train_forensic.py [--data /work/shared/devdata] [--out audit/models/forensic.json]

Needs scikit-learn (the `train` extra); the shipped model is evaluated in pure numpy.
Reproducible: every random choice comes from fixed seeds.

What it does
1. For every image in DATA/manifest.csv it measures the forensic features (`audit.features.forensic`)
   of: the file as found ("raw"); N_LAUNDER (6) laundered variants (square crop with small random offset,
   resize to 512, metadata stripped, JPEG quality 70-95); an over-smoothed copy (whole-frame blur +
   median, raw and laundered; an AI example for the plastic_as_ai configurations, never tested);
   for real photos also a retouched studio-style version (bilateral smoothing of skin-like areas,
   slight sharpening, JPEG 88-95), raw and laundered.
2. Tries a few model configurations and measures each with both protocols:
   (a) stratified 5-fold over files, all sources mixed; (b) hold out one AI source and one real
   source at a time, train on the rest, test on the held-out pair. Figures are reported for raw and
   laundered test images, and the false-positive rate on retouched real photos (held out too).
3. Picks a configuration (no format cues, laundered training, over-smoothing raises the score for
   >= 90% of held-out real photos; then best unseen + known AUROC - retouched false alarms),
   calibrates a log-odds shift so <= 2% of held-out retouched real photos reach 0.5, re-measures,
   fits it on everything and writes the model with the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit import forensic_model  # noqa: E402
from audit.evaluate import auroc, launder_image, metrics  # noqa: E402
from audit.features.decode import decode  # noqa: E402
from audit.features.forensic import (  # noqa: E402
    COOC_FEATURES, LBP_FEATURES, PIXEL_FEATURES, SPAM_DETAIL_FEATURES, SPAM_FEATURES, TEXTURE_FEATURES, measure)

SEED = 20261129
N_LAUNDER = 6
THRESHOLD = 0.5
MEASURED = PIXEL_FEATURES + TEXTURE_FEATURES  # what the feature cache must hold
VARIANTS_VERSION = 4  # bump when the set of image variants changes (invalidates the feature cache)
LOG_FEATURES = {"fx_noise_center", "fx_noise_skin", "fx_noise_floor", "fx_hf_ratio", "fx_resample_err",
                "fx_chroma_noise"} | set(COOC_FEATURES)
CHI2_MAP = {"kind": "additive_chi2", "steps": 2, "interval": 0.5}
FORMAT_FEATURES = ["fx_generator_size", "fx_square", "fx_camera_exif", "fx_jpeg_standard_tables"]


# ------------------------------------------------------------------ image variants

def _rgb(im: Image.Image) -> Image.Image:
    im = ImageOps.exif_transpose(im)
    if im.mode == "RGB":
        return im
    if "A" in im.getbands() or im.mode == "P":
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", im.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB")


def retouch(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A studio-style retouch: smooth skin-like areas (bilateral + light median), sharpen slightly."""
    import cv2

    a = np.asarray(im, dtype=np.uint8)
    ycc = cv2.cvtColor(a, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycc[..., 1].astype(int), ycc[..., 2].astype(int)
    mask = ((cr > 133) & (cr < 173) & (cb > 77) & (cb < 127)).astype(np.float32)
    mask = cv2.GaussianBlur(mask, (0, 0), max(2.0, im.size[0] / 200))[..., None]
    d = int(rng.integers(7, 12))
    smooth = cv2.bilateralFilter(a, d, float(rng.uniform(30, 70)), float(rng.uniform(5, 10)))
    if rng.random() < 0.5:
        smooth = cv2.medianBlur(smooth, 3)
    strength = float(rng.uniform(0.6, 1.0))
    out = a * (1 - strength * mask) + smooth * (strength * mask)
    res = Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))
    return res.filter(ImageFilter.UnsharpMask(radius=float(rng.uniform(0.8, 1.6)),
                                              percent=int(rng.integers(30, 80)), threshold=2))


def _fx_of_bytes(data: bytes, tmp: Path, name: str) -> dict:
    p = tmp / name
    p.write_bytes(data)
    d = decode(p, name)
    return measure(d)


def _feature_code() -> str:
    """Digest of the code that computes the measures: a cached feature file from other code is stale."""
    import hashlib

    h = hashlib.sha256()
    for mod in ("forensic.py", "decode.py"):
        h.update((ROOT / "audit" / "features" / mod).read_bytes())
    return h.hexdigest()[:16]


def build_features(data_dir: Path, cache: Path | None) -> tuple[list[dict], list[dict]]:
    """(items, rows): items from the manifest; rows = one fx dict per (item, variant)."""
    with open(data_dir / "manifest.csv", newline="", encoding="utf-8") as fh:
        items = [{"idx": i, "file": r["file"], "label": r["label"], "source": r["source_repo"],
                  "generator": r.get("generator_or_camera", "")} for i, r in enumerate(csv.DictReader(fh))]
    if cache and cache.is_file():
        blob = json.loads(cache.read_text())
        if (blob.get("files") == [it["file"] for it in items] and blob.get("features") == MEASURED
                and blob.get("variants") == VARIANTS_VERSION and blob.get("feature_code") == _feature_code()):
            return items, blob["rows"]
    rows = []
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmpd:
        tmp = Path(tmpd)
        for it in items:
            path = data_dir / it["file"]
            rng = np.random.default_rng([SEED, it["idx"]])
            rows.append({"idx": it["idx"], "variant": "raw", **measure(decode(path, it["file"]))})
            with Image.open(path) as im0:
                im = _rgb(im0)
                im.load()
            for k in range(N_LAUNDER):
                data = launder_image(im, rng, jitter=0.0 if k == 0 else 0.3)
                rows.append({"idx": it["idx"], "variant": f"l{k}", **_fx_of_bytes(data, tmp, "l.jpg")})
            # an over-smoothed, "plastic" copy (whole frame): used as an AI example only by the
            # configurations with plastic_as_ai, never in any test set
            work = im.copy()
            work.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
            ps = work.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.8, 3.0)))).filter(ImageFilter.MedianFilter(5))
            buf = io.BytesIO()
            ps.save(buf, "JPEG", quality=int(rng.integers(85, 96)))
            rows.append({"idx": it["idx"], "variant": "ps", **_fx_of_bytes(buf.getvalue(), tmp, "p.jpg")})
            rows.append({"idx": it["idx"], "variant": "ps_l0", **_fx_of_bytes(launder_image(ps, rng), tmp, "pl.jpg")})
            if it["label"] == "real":
                work = im.copy()
                work.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
                rt = retouch(work, rng)
                buf = io.BytesIO()
                rt.save(buf, "JPEG", quality=int(rng.integers(88, 96)))
                rows.append({"idx": it["idx"], "variant": "rt_raw", **_fx_of_bytes(buf.getvalue(), tmp, "r.jpg")})
                rows.append({"idx": it["idx"], "variant": "rt_l0",
                             **_fx_of_bytes(launder_image(rt, rng), tmp, "rl.jpg")})
            # scale-history variants (both labels; training only, for the scale_aug configurations):
            # a native-resolution 512 centre crop of the <=1024 working copy, and a 2x up-scaled copy
            # laundered back to 512, so "how much was this downscaled" stops separating the sources
            work = im.copy()
            work.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
            w, h = work.size
            c = min(w, h, 512)
            nat = work.crop(((w - c) // 2, (h - c) // 2, (w - c) // 2 + c, (h - c) // 2 + c))
            buf = io.BytesIO()
            nat.save(buf, "JPEG", quality=int(rng.integers(70, 96)))
            rows.append({"idx": it["idx"], "variant": "sn", **_fx_of_bytes(buf.getvalue(), tmp, "n.jpg")})
            up = work.resize((2 * w, 2 * h), Image.Resampling.LANCZOS)
            rows.append({"idx": it["idx"], "variant": "su", **_fx_of_bytes(launder_image(up, rng), tmp, "u.jpg")})
            if it["idx"] % 20 == 0:
                print(f"  features: {it['idx'] + 1}/{len(items)} files, {time.time() - t0:.0f}s", flush=True)
    if cache:
        cache.write_text(json.dumps({"files": [it["file"] for it in items], "features": MEASURED,
                                     "variants": VARIANTS_VERSION, "feature_code": _feature_code(),
                                     "rows": rows}))
    return items, rows


# ------------------------------------------------------------------ models

def _xmat(rows: list[dict], feats: list[str]) -> np.ndarray:
    x = forensic_model.matrix(rows, feats)
    for j, f in enumerate(feats):  # booleans are model inputs only in the format-cue experiment
        if f in FORMAT_FEATURES:
            x[:, j] = [float(bool(r.get(f))) for r in rows]
    return np.nan_to_num(x, nan=0.0)


def fit_gbm(rows: list[dict], labels: np.ndarray, cfg: dict) -> dict:
    """Small gradient-boosted trees, exported as plain arrays (evaluated in numpy at run time)."""
    from sklearn.ensemble import GradientBoostingClassifier

    feats = cfg["features"]
    x = _xmat(rows, feats)
    w = np.where(labels == 1, 0.5 / max(labels.mean(), 1e-9), 0.5 / max(1 - labels.mean(), 1e-9))
    clf = GradientBoostingClassifier(n_estimators=cfg.get("n_estimators", 150), max_depth=cfg.get("depth", 2),
                                     learning_rate=cfg.get("lr", 0.1), subsample=0.8, random_state=0)
    clf.fit(x, labels, sample_weight=w)
    trees = []
    for est in clf.estimators_[:, 0]:
        t = est.tree_
        trees.append({"f": [int(v) if v >= 0 else -1 for v in t.feature],
                      "t": [float(v) for v in t.threshold],
                      "l": [int(v) for v in t.children_left], "r": [int(v) for v in t.children_right],
                      "v": [round(float(v), 6) for v in t.value[:, 0, 0]]})
    prior = float(np.average(labels, weights=w))
    init = float(np.log(prior / (1 - prior)))
    model = {"type": "gbm", "features": feats, "init": round(init, 6), "learning_rate": clf.learning_rate,
             "trees": trees, "threshold": THRESHOLD, "logit_shift": cfg.get("logit_shift", 0.0)}
    # the exported arrays must reproduce sklearn's own decision function
    ref = clf.decision_function(x[:50])
    ours = forensic_model.raw_logit(model, x[:50])
    assert np.allclose(ref, ours, atol=1e-4), float(np.abs(ref - ours).max())
    return model


# idx -> source repository, set by main(); used by the "consistent direction" feature selection
SOURCE_OF: dict[int, str] = {}


def consistent_features(rows: list[dict], labels: np.ndarray, feats: list[str], margin: float = 0.05) -> list[str]:
    """Features that separate *every* training AI source from the training reals in the same direction.

    A measure that says "less noise = AI" for one generator and "more noise = AI" for another
    learns source signatures, not AI-ness; for an unseen generator it is a coin toss at best.
    """
    x = _xmat(rows, feats)
    src = np.array([SOURCE_OF.get(r["idx"], "?") for r in rows])
    real = labels == 0
    keep = []
    for j, f in enumerate(feats):
        aucs = []
        for s in sorted(set(src[labels == 1])):
            m = (labels == 1) & (src == s)
            aucs.append(auroc(np.r_[np.ones(m.sum()), np.zeros(real.sum())], np.r_[x[m, j], x[real, j]]))
        if min(aucs) > 0.5 + margin or max(aucs) < 0.5 - margin:
            keep.append(f)
    return keep or feats


# Direction in which each measure points to "generated", from the forensic literature (cameras leave
# sensor noise and fine detail; generators and up-sampling leave smooth, flat, band-limited pixels and
# periodic traces). A sign-constrained model may only use a measure in this direction.
PRIOR_SIGNS = {
    "fx_noise_center": -1, "fx_noise_skin": -1, "fx_noise_floor": -1, "fx_flat_share": +1,
    "fx_hf_ratio": -1, "fx_spec_high": -1, "fx_spec_top": -1, "fx_spec_slope": -1,
    "fx_resample_err": -1, "fx_grid_peak": +1, "fx_spec_bump": +1, "fx_catchlights": -1,
    "fx_cooc_p0_p0": +1,
}


def _standardised(rows: list[dict], feats: list[str], feature_map: dict | None = None
                  ) -> tuple[dict, np.ndarray, np.ndarray, np.ndarray]:
    """(transforms, mean, scale, z): the standardised design matrix both linear fits train on
    (through the model's feature map when it has one, as `forensic_model.model_inputs` does)."""
    if feature_map:
        transforms = {}
        x = forensic_model.additive_chi2(_xmat(rows, feats), feature_map["steps"], feature_map["interval"])
    else:
        transforms = {f: "log" for f in feats if f in LOG_FEATURES}
        x = forensic_model._transform(_xmat(rows, feats), feats, transforms)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    return transforms, mean, scale, np.clip((x - mean) / scale, -6, 6)


def fit_signed(rows: list[dict], labels: np.ndarray, cfg: dict) -> dict:
    """Logistic regression whose coefficients keep the literature's sign (L2, balanced classes)."""
    from scipy.optimize import minimize

    feats = cfg["features"]
    transforms, mean, scale, z = _standardised(rows, feats)
    y = labels.astype(float)
    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())) / len(y)
    lam = 1.0 / (cfg.get("C", 1.0) * len(y))

    def loss(theta):
        logit = z @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-logit))
        ll = np.sum(w * (np.logaddexp(0, logit) - y * logit))
        grad = z.T @ (w * (p - y))
        return ll + 0.5 * lam * theta[:-1] @ theta[:-1], np.r_[grad + lam * theta[:-1], np.sum(w * (p - y))]

    bounds = [((0, None) if PRIOR_SIGNS.get(f, 0) > 0 else (None, 0) if PRIOR_SIGNS.get(f, 0) < 0 else (None, None))
              for f in feats] + [(None, None)]
    res = minimize(loss, np.zeros(len(feats) + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    th = res.x
    return {"type": "logistic", "features": feats, "transforms": transforms,
            "mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "coef": [round(float(v), 6) for v in th[:-1]], "intercept": round(float(th[-1]), 6),
            "signs": {f: PRIOR_SIGNS.get(f, 0) for f in feats},
            "threshold": THRESHOLD, "logit_shift": cfg.get("logit_shift", 0.0)}


def fit_hgb_monotone(rows: list[dict], labels: np.ndarray, cfg: dict) -> dict:
    """Histogram gradient boosting, monotone in every measure along PRIOR_SIGNS; exported as trees."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    feats = cfg["features"]
    x = _xmat(rows, feats)
    w = np.where(labels == 1, 0.5 / max(labels.mean(), 1e-9), 0.5 / max(1 - labels.mean(), 1e-9))
    clf = HistGradientBoostingClassifier(max_iter=cfg.get("n_estimators", 100), max_depth=cfg.get("depth", 2),
                                         learning_rate=cfg.get("lr", 0.1), l2_regularization=1.0,
                                         min_samples_leaf=20, random_state=0,
                                         monotonic_cst=[PRIOR_SIGNS.get(f, 0) for f in feats])
    clf.fit(x, labels, sample_weight=w)
    trees = []
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        trees.append({"f": [int(n["feature_idx"]) if not n["is_leaf"] else -1 for n in nodes],
                      "t": [float(n["num_threshold"]) for n in nodes],
                      "l": [int(n["left"]) for n in nodes], "r": [int(n["right"]) for n in nodes],
                      "v": [float(n["value"]) for n in nodes]})
    base = float(np.ravel(clf._baseline_prediction)[0])
    model = {"type": "gbm", "features": feats, "init": base, "learning_rate": 1.0, "float64": True,
             "trees": trees, "signs": {f: PRIOR_SIGNS.get(f, 0) for f in feats},
             "threshold": THRESHOLD, "logit_shift": cfg.get("logit_shift", 0.0)}
    ref = clf.decision_function(x[:50])
    ours = forensic_model.raw_logit(model, x[:50])
    model.pop("_packed", None)
    assert np.allclose(ref, ours, atol=1e-4), float(np.abs(ref - ours).max())
    return model


def fit_blocks(rows: list[dict], labels: np.ndarray, cfg: dict) -> dict:
    """One logistic model per block of statistics, their log-odds averaged.

    Each block is one view's statistics (SPAM of the view + LBP of the face; SPAM of the face), so
    no single model can learn a source-specific combination across views: averaged, they rank
    unseen generators better than one model on all the columns does (docs/ai-detection.md).
    """
    parts = [fit(rows, labels, dict(cfg, features=feats, blocks=None)) for feats in cfg["blocks"]]
    return forensic_model.average_logistic(parts)


def _config_record(cfg: dict) -> dict:
    """A configuration as written into the model file: block sizes, not the feature lists."""
    rec = {k: v for k, v in cfg.items() if k not in ("features", "blocks")}
    return rec | ({"block_sizes": [len(b) for b in cfg["blocks"]]} if cfg.get("blocks") else {})


def add_typical_values(model: dict, rows: list[dict], is_ai: np.ndarray) -> None:
    """Median camera-photo and AI-image values of each input and of each texture group (laundered
    copies): the reference points of the plain-words reasons."""
    feats = model["features"]
    x = forensic_model.matrix(rows, feats)
    model["typical_real"] = {f: round(float(np.median(x[~is_ai, j])), 4) for j, f in enumerate(feats)}
    model["typical_ai"] = {f: round(float(np.median(x[is_ai, j])), 4) for j, f in enumerate(feats)}
    groups = sorted({forensic_model.GROUP_OF[f] for f in feats if f in forensic_model.GROUP_OF})
    gv = np.array([[shares[g] for g in groups] for shares in map(forensic_model.group_values, rows)])
    model["typical_real_groups"] = {g: round(float(np.median(gv[~is_ai, j])), 4) for j, g in enumerate(groups)}
    model["typical_ai_groups"] = {g: round(float(np.median(gv[is_ai, j])), 4) for j, g in enumerate(groups)}


def fit(rows: list[dict], labels: np.ndarray, cfg: dict) -> dict:
    from sklearn.linear_model import LogisticRegression

    if cfg.get("blocks"):
        return fit_blocks(rows, labels, cfg)
    if cfg.get("model") == "hgb_monotone":
        return fit_hgb_monotone(rows, labels, cfg)

    if cfg.get("model") == "signed":
        return fit_signed(rows, labels, cfg)

    if cfg.get("select") == "consistent":
        cfg = dict(cfg, features=consistent_features(rows, labels, cfg["features"]), select=None)
    if cfg.get("model") == "gbm":
        return fit_gbm(rows, labels, cfg)
    feats = cfg["features"]
    fmap = cfg.get("feature_map")
    transforms, mean, scale, z = _standardised(rows, feats, fmap)
    clf = LogisticRegression(C=cfg["C"], class_weight="balanced", max_iter=5000)
    clf.fit(z, labels)
    return {"type": "logistic", "features": feats, "transforms": transforms, **({"feature_map": fmap} if fmap else {}),
            "mean": [round(float(v), 6) for v in mean], "scale": [round(float(v), 6) for v in scale],
            "coef": [round(float(v), 6) for v in clf.coef_[0]], "intercept": round(float(clf.intercept_[0]), 6),
            "threshold": THRESHOLD, "logit_shift": cfg.get("logit_shift", 0.0)}


def predict(model: dict, rows: list[dict]) -> np.ndarray:
    return forensic_model.predict_matrix(model, _xmat(rows, model["features"]))


def _train_rows(by_var: dict, idxs: list[int], items: list[dict], cfg: dict) -> tuple[list[dict], np.ndarray]:
    rows, y = [], []
    for i in idxs:
        lab = items[i]["label"] == "ai"
        for v in cfg["train_variants"]:
            r = by_var.get((i, v))
            if r is not None:
                rows.append(r)
                y.append(lab)
        if cfg.get("plastic_as_ai"):
            for v in ("ps", "ps_l0"):
                if (i, v) in by_var:
                    rows.append(by_var[(i, v)])
                    y.append(True)
        if not lab and cfg.get("retouched_as_real"):
            for v in ("rt_raw", "rt_l0"):
                if (i, v) in by_var:
                    rows.append(by_var[(i, v)])
                    y.append(False)
    return rows, np.array(y, dtype=int)


def _test_scores(model: dict, by_var: dict, idxs: list[int]) -> dict[str, np.ndarray]:
    out = {}
    for v in ("raw", "l0", "rt_raw", "rt_l0", "ps"):
        ii = [i for i in idxs if (i, v) in by_var]
        out[v] = (np.array(ii, dtype=int), predict(model, [by_var[(i, v)] for i in ii]) if ii else np.array([]))
    return out


def _summary(items: list[dict], scored: dict[str, tuple[list, list]]) -> dict:
    y_of = np.array([it["label"] == "ai" for it in items])
    res = {}
    for cond, v in (("raw", "raw"), ("laundered", "l0")):
        idx, s = np.array(scored[v][0], dtype=int), np.array(scored[v][1])
        res[cond] = metrics(y_of[idx], s, THRESHOLD)
    for cond, v in (("retouched_raw", "rt_raw"), ("retouched_laundered", "rt_l0")):
        s = np.array(scored[v][1])
        res[cond] = {"n": int(len(s)), "flagged_at_threshold": round(float((s >= THRESHOLD).mean()), 4) if len(s) else None}
    # sanity: a real photo's over-smoothed copy should look *more* generated than the photo
    raw = dict(zip(scored["raw"][0], scored["raw"][1]))
    ps = dict(zip(scored["ps"][0], scored["ps"][1])) if "ps" in scored else {}
    pairs = [(raw[i], ps[i]) for i in raw if i in ps and not y_of[i]]
    res["smoothing_raises_score"] = round(float(np.mean([b > a for a, b in pairs])), 4) if pairs else None
    return res


def protocol_a(items, by_var, cfg, k=5, return_logits=False, fold_seed=SEED):
    from sklearn.model_selection import StratifiedKFold

    y = np.array([it["label"] == "ai" for it in items], dtype=int)
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=fold_seed % (2 ** 31))
    scored = {v: ([], []) for v in ("raw", "l0", "rt_raw", "rt_l0", "ps")}
    for tr, te in skf.split(np.zeros(len(y)), y):
        rows, yy = _train_rows(by_var, list(tr), items, cfg)
        model = fit(rows, yy, cfg)
        for v, (ii, s) in _test_scores(model, by_var, list(te)).items():
            scored[v][0].extend(ii.tolist())
            scored[v][1].extend(s.tolist())
    if return_logits:  # retouched real photos, raw and laundered, without any shift
        out = []
        for v in ("rt_raw", "rt_l0"):
            p = np.clip(np.array(scored[v][1]), 1e-12, 1 - 1e-12)
            out.append(np.log(p / (1 - p)) - cfg.get("logit_shift", 0.0))
        return tuple(out)
    return _summary(items, scored)


def protocol_b(items, by_var, cfg):
    ai_src = sorted({it["source"] for it in items if it["label"] == "ai"})
    real_src = sorted({it["source"] for it in items if it["label"] == "real"})
    pairs = []
    for a in ai_src:
        for r in real_src:
            test = [it["idx"] for it in items if (it["label"] == "ai" and it["source"] == a)
                    or (it["label"] == "real" and it["source"] == r)]
            train = [it["idx"] for it in items if it["idx"] not in set(test)]
            rows, yy = _train_rows(by_var, train, items, cfg)
            model = fit(rows, yy, cfg)
            sc = _test_scores(model, by_var, test)
            scored = {v: (ii.tolist(), s.tolist()) for v, (ii, s) in sc.items()}
            pairs.append({"ai_source": a, "real_source": r, **_summary(items, scored)})
    agg = {}
    for cond in ("raw", "laundered"):
        aus = [p[cond]["auroc"] for p in pairs if p[cond]["auroc"] is not None]
        tprs = [p[cond]["tpr_at_5fpr"] for p in pairs if p[cond]["tpr_at_5fpr"] is not None]
        fprs = [p[cond]["fpr_at_threshold"] for p in pairs if p[cond]["fpr_at_threshold"] is not None]
        tpr_t = [p[cond]["tpr_at_threshold"] for p in pairs if p[cond]["tpr_at_threshold"] is not None]
        agg[cond] = {"auroc_mean": round(float(np.mean(aus)), 4), "auroc_median": round(float(np.median(aus)), 4),
                     "auroc_min": round(float(np.min(aus)), 4), "auroc_max": round(float(np.max(aus)), 4),
                     "tpr_at_5fpr_mean": round(float(np.mean(tprs)), 4),
                     "fpr_at_threshold_mean": round(float(np.mean(fprs)), 4),
                     "tpr_at_threshold_mean": round(float(np.mean(tpr_t)), 4)}
    # per held-out AI source: mean over the real sources it was paired with
    per_ai = {}
    for a in ai_src:
        ps = [p for p in pairs if p["ai_source"] == a]
        per_ai[a] = {c: round(float(np.mean([p[c]["auroc"] for p in ps])), 4) for c in ("raw", "laundered")}
    return {"pairs": pairs, "summary": agg, "per_ai_source_mean_auroc": per_ai}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/work/shared/devdata")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "audit" / "models" / "forensic.json"))
    ap.add_argument("--cache", default="/tmp/headshot_forensic_features.json",
                    help="feature cache (outside the repo); rebuilt when the measuring code or the variants change")
    ap.add_argument("--only", help="comma-separated configuration names to run (default: all but the slow ones)")
    ap.add_argument("--all", action="store_true", help="also run the slow monotone-GBM configurations (~6 min)")
    args = ap.parse_args()
    data = Path(args.data)
    t0 = time.time()
    items, rows = build_features(data, Path(args.cache) if args.cache else None)
    by_var = {(r["idx"], r["variant"]): r for r in rows}
    SOURCE_OF.update({it["idx"]: it["source"] for it in items})
    print(f"features ready: {len(rows)} rows, {time.time() - t0:.0f}s", flush=True)

    content_free = [f for f in PIXEL_FEATURES if f not in ("fx_skin_share", "fx_catchlights")]
    noise_only = ["fx_noise_center", "fx_noise_skin", "fx_noise_kurtosis", "fx_noise_floor", "fx_flat_share",
                  "fx_hf_ratio", "fx_resample_err", "fx_resid_corr_h", "fx_resid_corr_d", "fx_chroma_noise"]
    laund = [f"l{k}" for k in range(N_LAUNDER)]
    configs = {
        # the shortcut, for contrast: format cues in the model, trained on files as found
        "format_cues_raw_training": {"features": PIXEL_FEATURES + FORMAT_FEATURES, "C": 1.0,
                                     "train_variants": ["raw"], "retouched_as_real": False},
        "pixel_raw_training": {"features": PIXEL_FEATURES, "C": 1.0, "train_variants": ["raw"],
                               "retouched_as_real": False},
        "pixel_laundered": {"features": PIXEL_FEATURES, "C": 1.0, "train_variants": laund,
                            "retouched_as_real": False},
        "pixel_laundered_retouched": {"features": PIXEL_FEATURES, "C": 1.0, "train_variants": laund,
                                      "retouched_as_real": True},
        "pixel_laundered_plus_raw_retouched": {"features": PIXEL_FEATURES, "C": 1.0,
                                               "train_variants": laund + ["raw"], "retouched_as_real": True},
        "content_free_laundered_plus_raw_retouched": {"features": content_free, "C": 1.0,
                                                      "train_variants": laund + ["raw"], "retouched_as_real": True},
        "content_free_strong_reg": {"features": content_free, "C": 0.1,
                                    "train_variants": laund + ["raw"], "retouched_as_real": True},
        "noise_only_strong_reg": {"features": noise_only, "C": 0.1,
                                  "train_variants": laund + ["raw"], "retouched_as_real": True},
        "gbm_laundered_plus_raw_retouched": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2,
                                             "n_estimators": 150, "train_variants": laund + ["raw"],
                                             "retouched_as_real": True},
        "consistent_direction_lr": {"features": PIXEL_FEATURES, "C": 1.0, "select": "consistent",
                                    "train_variants": laund + ["raw"], "retouched_as_real": True},
        "consistent_direction_gbm": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2, "n_estimators": 150,
                                     "select": "consistent", "train_variants": laund + ["raw"],
                                     "retouched_as_real": True},
        "prior_signed_lr": {"features": list(PRIOR_SIGNS), "model": "signed", "C": 1.0,
                            "train_variants": laund + ["raw"], "retouched_as_real": True},
        "prior_signed_lr_no_retouched": {"features": list(PRIOR_SIGNS), "model": "signed", "C": 1.0,
                                         "train_variants": laund + ["raw"], "retouched_as_real": False},
        "prior_monotone_gbm": {"features": list(PRIOR_SIGNS), "model": "hgb_monotone", "depth": 2,
                               "n_estimators": 100, "train_variants": laund + ["raw"], "retouched_as_real": True},
        "prior_monotone_gbm_all_features": {"features": PIXEL_FEATURES, "model": "hgb_monotone", "depth": 2,
                                            "n_estimators": 100, "train_variants": laund + ["raw"],
                                            "retouched_as_real": True},
        "gbm_plastic_as_ai": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2, "n_estimators": 150,
                              "train_variants": laund + ["raw"], "retouched_as_real": True, "plastic_as_ai": True},
        "consistent_direction_gbm_plastic_as_ai": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2,
                                                   "n_estimators": 150, "select": "consistent",
                                                   "train_variants": laund + ["raw"], "retouched_as_real": True,
                                                   "plastic_as_ai": True},
        "lr_plastic_as_ai": {"features": PIXEL_FEATURES, "C": 1.0, "train_variants": laund + ["raw"],
                             "retouched_as_real": True, "plastic_as_ai": True},
        "gbm_plastic_scale_aug": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2, "n_estimators": 150,
                                  "train_variants": laund + ["raw", "sn", "su"], "retouched_as_real": True,
                                  "plastic_as_ai": True},
        "gbm_scale_aug": {"features": PIXEL_FEATURES, "model": "gbm", "depth": 2, "n_estimators": 150,
                          "train_variants": laund + ["raw", "sn", "su"], "retouched_as_real": True},
        # SPAM step co-occurrences of the view + uniform LBP histograms of the face, logistic regression
        "lr_plastic_spam_lbp": {"features": SPAM_FEATURES + LBP_FEATURES, "C": 0.1,
                                "train_variants": laund + ["raw"], "retouched_as_real": True, "plastic_as_ai": True},
        "lr_plastic_all_texture": {"features": SPAM_FEATURES + LBP_FEATURES + PIXEL_FEATURES, "C": 0.1,
                                   "train_variants": laund + ["raw"], "retouched_as_real": True, "plastic_as_ai": True},
        # the same histograms through the additive chi-squared feature map (a linear model that
        # compares histograms like a chi-squared kernel machine)
        "chi2_spam_lbp": {"features": SPAM_FEATURES + LBP_FEATURES, "C": 1.0, "feature_map": CHI2_MAP,
                          "train_variants": laund + ["raw"], "retouched_as_real": True, "plastic_as_ai": True},
        # plus SPAM of the face detail: in the same model, and as a second model averaged with it
        "chi2_spam_lbp_spamd": {"features": TEXTURE_FEATURES, "C": 1.0, "feature_map": CHI2_MAP,
                                "train_variants": laund + ["raw"], "retouched_as_real": True, "plastic_as_ai": True},
        "chi2_spam_lbp_spamd_averaged": {"features": TEXTURE_FEATURES, "C": 1.0, "feature_map": CHI2_MAP,
                                         "blocks": [SPAM_FEATURES + LBP_FEATURES, SPAM_DETAIL_FEATURES],
                                         "train_variants": laund + ["raw"], "retouched_as_real": True,
                                         "plastic_as_ai": True},
        "gbm_content_free": {"features": content_free, "model": "gbm", "depth": 2, "n_estimators": 150,
                             "train_variants": laund + ["raw"], "retouched_as_real": True},
    }
    experiments = {}
    only = set(args.only.split(",")) if args.only else None
    if not only and not args.all:
        only = {n for n, c in configs.items() if c.get("model") != "hgb_monotone"}
    for name, cfg in configs.items():
        if only and name not in only:
            continue
        a = protocol_a(items, by_var, cfg)
        b = protocol_b(items, by_var, cfg)
        experiments[name] = {"config": _config_record(cfg),
                             "n_features": len(cfg["features"]), "protocol_a": a, "protocol_b": b}
        print(f"{name:<45} (a) AUROC raw {a['raw']['auroc']:.3f} laund {a['laundered']['auroc']:.3f} "
              f"TPR@5%FPR laund {a['laundered']['tpr_at_5fpr']:.3f} FPR@.5 laund "
              f"{a['laundered']['fpr_at_threshold']:.3f} retouched flagged "
              f"{a['retouched_laundered']['flagged_at_threshold']:.3f}/{a['retouched_raw']['flagged_at_threshold']:.3f}"
              f" smoothing-raises {a['smoothing_raises_score']}"
              f" | (b) laund mean {b['summary']['laundered']['auroc_mean']:.3f} "
              f"min {b['summary']['laundered']['auroc_min']:.3f} raw mean {b['summary']['raw']['auroc_mean']:.3f}"
              f" per-AI {b['per_ai_source_mean_auroc']}", flush=True)

    # Candidates: no format cues, laundered training, and the smoothing sanity check passed (>= 90% of
    # held-out real photos score higher once over-smoothed); then the best unseen + known - retouched.
    cands = [n for n in experiments if configs[n]["train_variants"] != ["raw"] and "format_cues" not in n]
    sane = [n for n in cands if (experiments[n]["protocol_a"].get("smoothing_raises_score") or 0) >= 0.9]
    chosen_name = max(sane or cands,
                      key=lambda n: (experiments[n]["protocol_b"]["summary"]["laundered"]["auroc_mean"]
                                     + experiments[n]["protocol_a"]["laundered"]["auroc"]
                                     - experiments[n]["protocol_a"]["retouched_laundered"]["flagged_at_threshold"]))
    cfg = dict(configs[chosen_name])
    # Calibrate the report threshold: the models are trained class-balanced (prior 50% AI), but a
    # staff portfolio holds far fewer AI photos and real photos are often retouched. Shift the
    # log-odds (a prior change) so that at most 2% of the held-out retouched real photos reach 0.5,
    # using the out-of-fold logits of protocol (a).
    oof_raw, oof_laund = protocol_a(items, by_var, cfg, return_logits=True)
    top = []
    for lg in (oof_raw, oof_laund):  # the k-th largest logit with k - 1 <= 2% of n
        k = int(np.floor(0.02 * len(lg))) + 1
        top.append(float(np.sort(lg)[-k]))
    shift = min(0.0, -max(top) - 1e-3)
    cfg["logit_shift"] = round(shift, 4)
    a = protocol_a(items, by_var, cfg)
    b = protocol_b(items, by_var, cfg)
    experiments[chosen_name + "+calibrated"] = {"config": _config_record(cfg),
                                                "n_features": len(cfg["features"]), "protocol_a": a, "protocol_b": b}
    chosen_name += "+calibrated"
    print(f"calibrated shift {shift:.3f} (implied AI prior {1 / (1 + np.exp(-shift)):.3f}): (a) laund "
          f"{a['laundered']} raw {a['raw']} retouched {a['retouched_raw']} {a['retouched_laundered']} | (b) "
          f"{b['summary']}", flush=True)
    # the configuration was chosen on the folds above: other fold splits show how much of its
    # figure is the luck of one split
    repeats = [protocol_a(items, by_var, cfg, fold_seed=SEED + r)["laundered"]["auroc"] for r in range(1, 6)]
    print(f"laundered AUROC over 5 other fold splits: {repeats}", flush=True)
    rows_all, y_all = _train_rows(by_var, [it["idx"] for it in items], items, cfg)
    model = fit(rows_all, y_all, cfg)
    lab = np.array([it["label"] == "ai" for it in items])
    add_typical_values(model, [by_var[(it["idx"], "l0")] for it in items], lab)
    model["trained_on"] = {
        "data": "development set (shared devdata manifest), files not shipped",
        "n_files": len(items), "n_ai": int(lab.sum()), "n_real": int((~lab).sum()),
        "ai_sources": sorted({it["source"] for it in items if it["label"] == "ai"}),
        "real_sources": sorted({it["source"] for it in items if it["label"] == "real"}),
        "generators_seen": sorted({it["generator"] for it in items if it["label"] == "ai"}),
        "variants": cfg["train_variants"] + (["retouched real (raw and laundered)"] if cfg["retouched_as_real"] else [])
        + (["over-smoothed copy of every training image, labelled AI (raw and laundered)"]
           if cfg.get("plastic_as_ai") else []),
        "laundering": "centre square crop (+-30% offset on variants 2-3), resize 512, metadata stripped, JPEG q70-95",
        "seed": SEED,
    }
    model["config"] = chosen_name
    pa, pb = experiments[chosen_name]["protocol_a"], experiments[chosen_name]["protocol_b"]["summary"]
    model["evaluation"] = {
        "threshold": THRESHOLD,
        # the few figures a report quotes; details below
        "headline": {
            "known_generators_auroc_laundered": pa["laundered"]["auroc"],
            "known_generators_auroc_raw": pa["raw"]["auroc"],
            "known_generators_auroc_laundered_other_splits": {
                "values": repeats, "mean": round(float(np.mean(repeats)), 4),
                "sd": round(float(np.std(repeats, ddof=1)), 4)},
            "known_generators_tpr_at_5fpr_laundered": pa["laundered"]["tpr_at_5fpr"],
            "known_generators_tpr_at_threshold_laundered": pa["laundered"]["tpr_at_threshold"],
            "known_generators_fpr_at_threshold_laundered": pa["laundered"]["fpr_at_threshold"],
            "unseen_generators_auroc_mean_laundered": pb["laundered"]["auroc_mean"],
            "unseen_generators_auroc_range_laundered": [pb["laundered"]["auroc_min"], pb["laundered"]["auroc_max"]],
            "retouched_real_flagged_laundered": pa["retouched_laundered"]["flagged_at_threshold"],
            "retouched_real_flagged_raw": pa["retouched_raw"]["flagged_at_threshold"],
            "text": (f"On held-out photos from generators it was trained on, the forensic score ranks an AI image "
                     f"above a real one {pa['laundered']['auroc']:.0%} of the time (format cues removed); at the "
                     f"report threshold it flags {pa['laundered']['tpr_at_threshold']:.0%} of AI images and "
                     f"{pa['laundered']['fpr_at_threshold']:.0%} of real ones, and "
                     f"{pa['retouched_laundered']['flagged_at_threshold']:.0%} of retouched studio-style portraits. "
                     f"On generators it has not seen it is no better than chance (mean AUROC "
                     f"{pb['laundered']['auroc_mean']:.2f}). Treat it as a prompt for human review, never as proof."),
        },
        "chosen": {"name": chosen_name, "protocol_a": experiments[chosen_name]["protocol_a"],
                   "protocol_b_summary": experiments[chosen_name]["protocol_b"]["summary"],
                   "protocol_b_per_ai_source_mean_auroc": experiments[chosen_name]["protocol_b"]["per_ai_source_mean_auroc"],
                   "protocol_b_pairs": [{"ai_source": p["ai_source"], "real_source": p["real_source"],
                                         "raw": p["raw"], "laundered": p["laundered"],
                                         "retouched_laundered": p["retouched_laundered"]}
                                        for p in experiments[chosen_name]["protocol_b"]["pairs"]]},
        "experiments": {n: {"config": e["config"], "n_features": e["n_features"],
                            "protocol_a": e["protocol_a"], "protocol_b_summary": e["protocol_b"]["summary"],
                            "protocol_b_per_ai_source_mean_auroc": e["protocol_b"]["per_ai_source_mean_auroc"]}
                        for n, e in experiments.items()},
        "note": ("Protocol (a): stratified 5-fold over files, all sources mixed. Protocol (b): one AI source and "
                 "one real source held out at a time, model trained on all other files. 'laundered' = test "
                 "images square-cropped, resized to 512, stripped, JPEG q70-95; 'raw' = files as found. "
                 "Retouched = held-out real photos with skin smoothing and sharpening. The configuration was "
                 "chosen on these same figures, so they are slightly optimistic."),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.pop("_packed", None)
    Path(args.out).write_text(json.dumps(model, indent=1) + "\n")
    print(f"chose {chosen_name}; wrote {args.out} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
