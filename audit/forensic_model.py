"""The learned forensic combiner: pixel measures -> probability-like score, in pure numpy.

`scripts/train_forensic.py` trains it on the development images (scikit-learn at training time
only) and writes `audit/models/forensic.json`: the model type (`gbm`: boosted trees as arrays,
or `logistic`: transforms, standardisation, coefficients), the feature names, a `logit_shift`
that calibrates the balanced-training log-odds to the report threshold (at most 2% of retouched
real portraits reach 0.5), typical values of each measure for camera photos and AI images (for
the plain-words reasons), the sources and generators seen in training, and the measured
evaluation figures (`evaluation.headline` holds the few a report quotes).

File cues (size, EXIF, JPEG tables) are deliberately not model inputs; see
`audit.features.forensic` and docs/ai-detection.md.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

DEFAULT_MODEL = Path(__file__).parent / "models" / "forensic.json"


class ModelError(Exception):
    """The forensic model file is missing or malformed; the message names the file."""


# What each measure means, in words a reader understands; "more"/"less" is prefixed.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    # name: (phrase when the value is high, phrase when low)
    "fx_noise_center": ("fine-grain noise in the face area", "fine-grain noise in the face area"),
    "fx_noise_skin": ("sensor noise in skin areas", "sensor noise in skin areas"),
    "fx_noise_kurtosis": ("spiky (heavy-tailed) noise residual", "spiky (heavy-tailed) noise residual"),
    "fx_noise_floor": ("noise in smooth areas (background, cheeks)", "noise in smooth areas (background, cheeks)"),
    "fx_flat_share": ("perfectly flat, 'plastic' patches", "perfectly flat, 'plastic' patches"),
    "fx_hf_ratio": ("finest detail relative to medium detail", "finest detail relative to medium detail"),
    "fx_spec_mid": ("mid-frequency energy in the spectrum", "mid-frequency energy in the spectrum"),
    "fx_spec_high": ("high-frequency energy in the spectrum", "high-frequency energy in the spectrum"),
    "fx_spec_top": ("energy near the finest resolvable detail", "energy near the finest resolvable detail"),
    "fx_spec_slope": ("flat (less steep) spectrum fall-off", "flat (less steep) spectrum fall-off"),
    "fx_spec_bump": ("periodic bumps in the high-frequency spectrum", "periodic bumps in the high-frequency spectrum"),
    "fx_grid_peak": ("regular grid pattern (upsampling traces)", "regular grid pattern (upsampling traces)"),
    "fx_resample_err": ("detail lost by 2x down-and-up sampling", "detail lost by 2x down-and-up sampling"),
    "fx_resid_corr_h": ("correlation of noise between neighbouring pixels",
                        "correlation of noise between neighbouring pixels"),
    "fx_resid_corr_d": ("diagonal correlation of noise between neighbours",
                        "diagonal correlation of noise between neighbours"),
    "fx_chroma_noise": ("colour noise relative to brightness noise", "colour noise relative to brightness noise"),
    "fx_skin_share": ("skin-coloured area in the face region", "skin-coloured area in the face region"),
    "fx_catchlights": ("small bright highlights in the eye area (catch-lights)",
                       "small bright highlights in the eye area (catch-lights)"),
}

_PAIR_WORD = {-2: "down", -1: "slightly down", 0: "flat", 1: "slightly up", 2: "up"}
for _name in [n for n in ("m2_m2 m2_m1 m2_p0 m2_p1 m2_p2 m1_m2 m1_m1 m1_p0 m1_p1 m1_p2 p0_m2 p0_m1 p0_p0").split()]:
    _a, _b = ((-1 if t[0] == "m" else 1) * int(t[1]) for t in _name.split("_"))
    _text = f"neighbouring brightness steps '{_PAIR_WORD[_a]}, then {_PAIR_WORD[_b]}' (pixel-pair statistics)"
    DESCRIPTIONS[f"fx_cooc_{_name}"] = (_text, _text)

# SPAM step co-occurrence frequencies and LBP histogram bins (hidden from the report columns) are
# explained in groups a reader can picture, not bin by bin: a group's value is the share of the
# image's step sequences (or micro-patterns) that fall in it, pooled over the histograms it spans.
def _spam_step(i: int) -> str:
    largest = max(abs(i // 49 - 3), abs((i // 7) % 7 - 3), abs(i % 7 - 3))  # steps are clipped to 3
    return {0: "flat", 3: "sharp"}.get(largest, "gentle")


def _lbp_kind(i: int, bins: int = 59) -> str:
    # bins follow the uniform codes in ascending order: 0 (all neighbours darker) and 255 (all
    # brighter) are spots or flat patches, the last bin collects every non-uniform code
    return "spot" if i in (0, bins - 2) else ("irregular" if i == bins - 1 else "edge")


GROUP_OF: dict[str, str] = {}
for _g in ("s", "d"):
    for _i in range(343):
        GROUP_OF[f"fx_spam_{_g}{_i:03d}"] = f"spam_{_spam_step(_i)}"
        GROUP_OF[f"fx_spamd_{_g}{_i:03d}"] = f"spamd_{_spam_step(_i)}"
for _r in (1, 2):
    for _i in range(59):
        GROUP_OF[f"fx_lbp{_r}_{_i:02d}"] = f"lbp_{_lbp_kind(_i)}"
# group -> (phrase, histograms pooled: straight + diagonal, or radius 1 + 2)
GROUPS: dict[str, tuple[str, int]] = {}
for _view, _where in (("spam", "across the frame"), ("spamd", "in the face")):
    GROUPS[f"{_view}_flat"] = (f"perfectly flat runs of pixels {_where}", 2)
    GROUPS[f"{_view}_gentle"] = (f"gentle pixel-to-pixel steps {_where}", 2)
    GROUPS[f"{_view}_sharp"] = (f"sharp pixel-to-pixel steps (3+ grey levels) {_where}", 2)
GROUPS["lbp_spot"] = ("flat or spot-like micro-patterns in the face", 2)
GROUPS["lbp_edge"] = ("edge and corner micro-patterns in the face", 2)
GROUPS["lbp_irregular"] = ("irregular, noise-like micro-patterns in the face", 2)


# GROUP_OF as parallel arrays, for `group_values`: the measures, and each one's group by number.
_GROUP_FEATURES = list(GROUP_OF)
_GROUP_NAMES = list(dict.fromkeys(GROUP_OF.values()))
_GROUP_INDEX = np.array([_GROUP_NAMES.index(g) for g in GROUP_OF.values()], dtype=np.intp)
_PLAIN_NUMBERS = {float, int, np.float64}  # the types the checks below accept (np.float32 is not a float)


def group_values(fx: dict[str, Any]) -> dict[str, float]:
    """Each texture group's share in one photo's measures (groups whose statistics are absent
    are left out)."""
    values = list(map(fx.get, _GROUP_FEATURES))
    if set(map(type, values)) <= _PLAIN_NUMBERS:
        # every measure present (a photo's own row): one pass in C over the 1,490 values instead
        # of a dictionary update per value. bincount adds each group's values in the same order
        # as the loop below, so the shares are the same floats.
        sums = np.bincount(_GROUP_INDEX, weights=np.array(values, dtype=float), minlength=len(_GROUP_NAMES))
        return {g: float(v) / GROUPS[g][1] for g, v in zip(_GROUP_NAMES, sums.tolist())}
    partial: dict[str, float] = {}
    for g, v in zip(GROUP_OF.values(), values):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            partial[g] = partial.get(g, 0.0) + float(v)
    return {g: v / GROUPS[g][1] for g, v in partial.items()}


def _check(model: dict[str, Any], where: str) -> dict[str, Any]:
    kind = model.get("type", "logistic")
    need = {"logistic": ("features", "mean", "scale", "coef", "intercept"),
            "gbm": ("features", "init", "learning_rate", "trees")}.get(kind)
    if need is None:
        raise ModelError(f"{where}: unknown model type '{kind}' (expected logistic or gbm)")
    missing = [k for k in need if k not in model]
    if missing:
        raise ModelError(f"{where}: missing key(s) {', '.join(missing)}")
    fmap = model.get("feature_map")
    if fmap is not None and (not isinstance(fmap, dict) or fmap.get("kind") != "additive_chi2"
                             or not isinstance(fmap.get("steps"), int) or fmap["steps"] < 1):
        raise ModelError(f"{where}: 'feature_map' must be {{\"kind\": \"additive_chi2\", \"steps\": N, \"interval\": x}}")
    n = len(model["features"]) * map_columns(fmap)
    for k in ("mean", "scale", "coef"):
        if k in model and len(model[k]) != n:
            raise ModelError(f"{where}: '{k}' has {len(model[k])} values, expected {n}")
    return model


@lru_cache(maxsize=4)
def _load_cached(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            model = json.load(fh)
    except FileNotFoundError:
        raise ModelError(f"{path}: forensic model file not found") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read forensic model: {exc}") from None
    if not isinstance(model, dict):
        raise ModelError(f"{path}: forensic model must be a JSON object")
    return _check(model, path)


def load(path: str | Path | None = None) -> dict[str, Any]:
    """The model dict (cached per path). Raises ModelError with the file name."""
    return _load_cached(str(path or DEFAULT_MODEL))


def _transform(x: np.ndarray, features: list[str], transforms: dict[str, str]) -> np.ndarray:
    x = x.astype(float).copy()
    for i, f in enumerate(features):
        if transforms.get(f) == "log":
            x[..., i] = np.log(np.maximum(x[..., i], 0.0) + 1e-3)
    return x


def additive_chi2(x: np.ndarray, steps: int, interval: float) -> np.ndarray:
    """Explicit feature map of the additive chi-squared kernel (Vedaldi & Zisserman 2011), as
    scikit-learn's AdditiveChi2Sampler computes it: a linear model on these columns compares
    histograms (SPAM, LBP) the way a chi-squared kernel machine would, at the cost of a linear
    one. Columns: sqrt block, then a cos and a sin block for each j in 1..steps-1."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    nz = x > 0
    safe = np.where(nz, x, 1.0)
    out = [np.where(nz, np.sqrt(safe * interval), 0.0)]
    log_step = interval * np.log(safe)
    for j in range(1, steps):
        factor = np.sqrt(2 * safe * interval / np.cosh(np.pi * j * interval))
        out.append(np.where(nz, factor * np.cos(j * log_step), 0.0))
        out.append(np.where(nz, factor * np.sin(j * log_step), 0.0))
    return np.concatenate(out, axis=-1)


def map_columns(fmap: dict[str, Any] | None) -> int:
    """Columns per measure after the feature map (sqrt, then a cos and a sin per further step)."""
    return 2 * fmap["steps"] - 1 if fmap else 1


_VECTORS: dict[int, tuple[Any, np.ndarray]] = {}


def _vector(model: dict[str, Any], key: str) -> np.ndarray:
    """`model[key]` as a float array, converted once per list: the lists hold thousands of
    values, and converting them for every photo cost more than the model's arithmetic. Kept
    beside the model, not in it, so the model dict stays plain JSON; keyed by the list itself
    (held, so its id cannot be reused), so a model given new values is converted anew."""
    values = model[key]
    hit = _VECTORS.get(id(values))
    if hit is None or hit[0] is not values:
        if len(_VECTORS) > 64:
            _VECTORS.clear()
        hit = _VECTORS[id(values)] = (values, np.asarray(values, dtype=float))
    return hit[1]


def model_inputs(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The standardised, clipped columns a logistic model weighs, for a raw measure matrix."""
    fmap = model.get("feature_map")
    if fmap:
        x = additive_chi2(x, fmap["steps"], fmap["interval"])
    else:
        x = _transform(x, model["features"], model.get("transforms", {}))
    z = (x - _vector(model, "mean")) / _vector(model, "scale")
    return np.clip(z, -6, 6)  # one absurd measure must not decide alone


def matrix(rows: list[dict[str, Any]], features: list[str]) -> np.ndarray:
    """Feature matrix from fx rows; a missing or non-numeric value becomes NaN."""
    out = np.full((len(rows), len(features)), np.nan)
    for i, r in enumerate(rows):
        values = list(map(r.get, features))
        if set(map(type, values)) <= _PLAIN_NUMBERS:  # the common case, without a test per value
            row = np.array(values, dtype=float)
            row[~np.isfinite(row)] = np.nan
            out[i] = row
            continue
        for j, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
                out[i, j] = v
    return out


def average_logistic(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean of the log-odds of logistic models on different measures, as one logistic model.

    A mean of linear models is linear, so the ensemble the training script builds is stored and
    read like any other model (reasons included). The parts must share the feature map (or have
    none): a map's columns are grouped by component, then by measure, so blocks are joined per
    component.
    """
    fmap = parts[0].get("feature_map")
    if any(p.get("feature_map") != fmap or p.get("type", "logistic") != "logistic" for p in parts):
        raise ModelError("average_logistic: the parts must be logistic models with the same feature map")
    comps = map_columns(fmap)

    def joined(key: str, weight: float = 1.0) -> list[float]:
        blocks = [np.asarray(p[key], dtype=float).reshape(comps, -1) * weight for p in parts]
        return [round(float(v), 6) for v in np.concatenate(blocks, axis=1).ravel()]

    return {**parts[0], "features": [f for p in parts for f in p["features"]],
            "transforms": {k: v for p in parts for k, v in p.get("transforms", {}).items()},
            "mean": joined("mean"), "scale": joined("scale"), "coef": joined("coef", 1.0 / len(parts)),
            "intercept": round(float(np.mean([p["intercept"] for p in parts])), 6)}


def _packed(model: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """All trees as padded (n_trees, n_nodes) arrays, built once per loaded model."""
    if "_packed" not in model:
        trees = model["trees"]
        width = max(len(t["f"]) for t in trees)

        def pad(key: str, fill: float, dtype: Any) -> np.ndarray:
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        model["_packed"] = (pad("f", -1, np.int64), pad("t", 0.0, float), pad("l", 0, np.int64),
                            pad("r", 0, np.int64), pad("v", 0.0, float))
    return model["_packed"]


def _gbm_raw(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    f, t, left, right, val = _packed(model)
    n_trees = f.shape[0]
    tree = np.arange(n_trees)[None, :]
    node = np.zeros((len(x), n_trees), dtype=np.int64)
    rows = np.arange(len(x))[:, None]
    for _ in range(64):  # depth bound; trees here are 2-3 levels deep
        feat = f[tree, node]
        inner = feat >= 0
        if not inner.any():
            break
        xv = x[rows, np.maximum(feat, 0)]
        nxt = np.where(xv <= t[tree, node], left[tree, node], right[tree, node])
        node = np.where(inner, nxt, node)
    return float(model["init"]) + float(model["learning_rate"]) * val[tree, node].sum(axis=1)


def raw_logit(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The model's log-odds before calibration, for a matrix in model['features'] column order."""
    if model.get("type", "logistic") == "gbm":
        x = np.nan_to_num(x, nan=0.0)
        if not model.get("float64"):  # classic scikit-learn trees compare float32 inputs
            x = x.astype(np.float32).astype(float)
        return _gbm_raw(model, x)
    return model_inputs(model, x) @ _vector(model, "coef") + float(model["intercept"])


def predict_matrix(model: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """Calibrated probabilities for a feature matrix (columns in model['features'] order).

    `logit_shift` (default 0) moves the balanced-training log-odds to the prior the model was
    calibrated for (see the training script and docs/ai-detection.md).
    """
    logit = raw_logit(model, x) + float(model.get("logit_shift", 0.0))
    return 1.0 / (1.0 + np.exp(-logit))


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"


def _contributions(model: dict[str, Any], x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Log-odds change when each measure alone is set from `ref` to its value in `x`."""
    if model.get("type", "logistic") == "logistic":  # additive: a few terms per measure, no trial matrix
        terms = (model_inputs(model, x) - model_inputs(model, ref)) * _vector(model, "coef")
        return terms.reshape(-1, len(x)).sum(axis=0)  # a feature map's blocks belong to the same measure
    return contributions_by_trial(model, x, ref)


def contributions_by_trial(model: dict[str, Any], x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The same for any model type: one model evaluation per measure."""
    trial = np.repeat(x[None], len(x), axis=0)
    trial[np.arange(len(x)), np.arange(len(x))] = ref
    return raw_logit(model, x[None])[0] - raw_logit(model, trial)


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%" if v < 0.1 else f"{100 * v:.0f}%"


def _versus(v: float, real: float | None, ai: float | None, fmt: Callable[[float], str]) -> str:
    """' (v vs typical R for camera photos, A for AI images)': a reason's value next to the
    typical values it is judged against; empty when the model records none."""
    extra = ([f"typical {fmt(real)} for camera photos"] if real is not None else []) + (
        [f"{fmt(ai)} for AI images"] if ai is not None else [])
    return f" ({fmt(v)} vs " + ", ".join(extra) + ")" if extra else ""


def _summed(keys: list[str], values: np.ndarray) -> dict[str, float]:
    """`values` summed per key, keys in order of first appearance: one bincount instead of a
    dictionary update per measure (1,490 of them per photo); bincount adds in the same order as
    such a loop, so the sums are the same floats."""
    index = dict(zip(dict.fromkeys(keys), itertools.count()))
    sums = np.bincount(np.fromiter(map(index.__getitem__, keys), dtype=np.intp, count=len(keys)),
                       weights=values, minlength=len(index))
    return dict(zip(index, sums.tolist()))


def reasons(model: dict[str, Any], fx: dict[str, Any], prob: float, top: int = 3, x: np.ndarray | None = None) -> str:
    """The measures that pushed the score most, in plain words with their values.

    A measure's push is how much the log-odds change when it alone is set to the typical value
    of camera photos (works for every model type). The pushes of texture-histogram bins are
    summed per group (`GROUPS`), so a reason names something a reader can picture ("fewer sharp
    pixel-to-pixel steps in the face") with the group's share against its typical shares.
    """
    feats = model["features"]
    if x is None:  # `x`: this photo's row of `matrix`, when the caller has it already
        x = matrix([fx], feats)[0]
    typ_real = model.get("typical_real", {})
    typ_ai = model.get("typical_ai", {})
    ref = np.array(list(map(typ_real.get, feats, x.tolist())), dtype=float)  # a measure's own value if none
    contrib = _contributions(model, x, ref)  # > 0: this measure pushes towards AI
    pushes = _summed(list(map(GROUP_OF.get, feats, feats)), contrib)
    toward_ai = prob >= float(model.get("threshold", 0.5))
    values = group_values(fx)
    grp_real, grp_ai = model.get("typical_real_groups", {}), model.get("typical_ai_groups", {})
    out = []
    for key in sorted(pushes, key=lambda k: -pushes[k] if toward_ai else pushes[k])[:top]:
        c = pushes[key]
        if (toward_ai and c <= 0.05) or (not toward_ai and c >= -0.05):
            break
        if key in GROUPS:
            v, real = values[key], grp_real.get(key)
            word = "more " if real is None or v > real else "fewer "
            out.append(word + GROUPS[key][0] + _versus(v, real, grp_ai.get(key), _pct))
            continue
        i = feats.index(key)
        high, low = DESCRIPTIONS.get(key, (key.removeprefix("fx_").replace("_", " "),) * 2)
        word = ("more " + high) if x[i] > ref[i] else ("less " + low)
        out.append(word + _versus(float(x[i]), typ_real.get(key), typ_ai.get(key), _fmt))
    lead = "looks generated: " if toward_ai else "looks like a camera photo: "
    return lead + "; ".join(out) if out else ("no single strong cue" if toward_ai else "no strong AI cue")


def score(fx: dict[str, Any], path: str | Path | None = None) -> tuple[float | None, str | None]:
    """(probability-like score, reasons) for one photo's fx measures; (None, why) if not computable."""
    try:
        model = load(path)
    except ModelError as exc:
        return None, f"forensic model unavailable: {exc}"
    x = matrix([fx], model["features"])
    if np.isnan(x).any():
        missing = [f for f, v in zip(model["features"], x[0]) if np.isnan(v)]
        return None, "cannot compute: missing measure(s) " + ", ".join(missing[:3])
    p = float(predict_matrix(model, x)[0])
    return round(p, 4), reasons(model, fx, p, x=x[0])
