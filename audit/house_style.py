"""The house style of a portfolio, learned from the set itself, and how far each photo is from it.

Method (plain numbers, no trained model):
1. **Style groups.** Photos are clustered on a few style measures (backdrop colour and
   lightness, framing), each divided by its smallest noticeable difference (`min_diff` in the
   policy), with average-linkage agglomerative clustering cut at `style_cut`. A cluster holding
   at least `min_style_share` of the set (and `min_style_size` photos) is a *style*; photos in
   smaller clusters are assigned to the closest style. The largest style is the *main* one.
2. **Robust centre and spread.** For every measure, the centre of a style is its median; the
   spread is 1.4826 x the median absolute deviation of every photo from its own style's median
   (pooled over styles, so a small style borrows the set's typical spread).
3. **Outliers.** A photo's robust z on a measure is (value - centre) / spread. It is an outlier on
   that measure when |z| >= `outlier_z` (3.5 by default) *and* the difference is at least the
   measure's `min_diff`, so that a very uniform set does not flag differences nobody can see.
   Some measures are one-sided (only too soft, too small, too much clipping counts).
4. **Score.** A photo starts at 100 and loses up to `family_penalty` points per family of measures
   (framing, pose, eyes, expression, backdrop, colour, exposure, sharpness, resolution, shape) on a logistic curve of its
   worst |z| in that family (half the penalty at `outlier_z`); no face costs a full framing
   penalty. The photo's score is against its own style; the set's score is the mean of the
   photos' scores against the *main* style, so a set that mixes shoots scores lower.

`analyse(photos, params)` does it all; `annotate()` gives the per-photo columns for photos.csv and
`summary()` the set-level data for the report and the brief.

**A kept baseline.** `baseline()` is the learned style as plain numbers (style centres, spread,
colour and orientation of the house), stored in audit.json. Given back to `analyse` (next
quarter, `--previous`), it is used instead of learning again, so an unchanged photo keeps its
findings when other photos change. It is ignored (and the style learned afresh) when the
consistency settings of the policy changed since, or when the caller asks (`--relearn-style`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Measure:
    column: str
    family: str
    label: str
    unit: str  # how to print a value: "fraction", "L*", "a*", "deg", "px", "ratio", "log", "share", "x"
    side: str = "both"  # "both", "low" (only too low is a problem), "high"
    log2: bool = False  # compare on a log2 scale (sizes)
    judged: bool = True  # False: measured and reported, never an outlier by itself (skin-dependent)


MEASURES: tuple[Measure, ...] = (
    # Compared as a ratio: the cascade's boxes come in 10% size steps, so a fixed difference in
    # fractions would be too strict for big heads and too loose for small ones.
    Measure("head_size", "framing", "head size (face height / frame height)", "fraction", log2=True),
    Measure("eye_line", "framing", "eye line (from the top)", "fraction"),
    Measure("face_center_x", "framing", "horizontal position of the face", "fraction"),
    Measure("roll_deg", "framing", "head tilt", "deg"),
    # From the face's landmarks (features/landmarks.py): pose, eyes and expression, the way OFIQ
    # judges a face, but against the house's own pose and smile rather than a passport's.
    Measure("yaw_deg", "pose", "head turn (yaw; + = towards the picture's right)", "deg"),
    Measure("pitch_deg", "pose", "head raised or lowered (pitch; + = chin up)", "deg"),
    Measure("eye_openness", "eyes", "eye openness (lid gap / eye width of the less open eye)", "ratio", side="low"),
    Measure("smile", "expression", "smile (mouth corners raised, in eye distances)", "ratio"),
    Measure("mouth_openness", "expression", "open mouth (lip gap / mouth width)", "ratio"),
    Measure("backdrop_L", "backdrop", "backdrop lightness", "L*"),
    Measure("backdrop_a", "backdrop", "backdrop colour (green-red a*)", "a*"),
    Measure("backdrop_b", "backdrop", "backdrop colour (blue-yellow b*)", "b*"),
    Measure("backdrop_nonuniformity", "backdrop", "backdrop texture (gradient)", "x", side="high"),
    # Whole-frame colour follows the clothing: reported, not judged. A colour cast is found by
    # the backdrop and the skin moving together (_relabel). The skin's chroma is also the person's
    # skin tone (fair and very dark skin have little): it counts only with the backdrop's chroma
    # changed by the same factor (_saturation), never by itself.
    Measure("cast_a", "colour", "mean colour of the frame (green-red a*)", "a*", judged=False),
    Measure("cast_b", "colour", "mean colour of the frame (blue-yellow b*)", "b*", judged=False),
    Measure("chroma_mean", "colour", "mean chroma of the frame", "C*", judged=False),
    Measure("skin_chroma", "colour", "saturation of the skin (chroma C*)", "C*"),
    # Face brightness and skin colour depend on the person's skin tone (OFIQ issue #93): they are
    # never outliers by themselves, only evidence that the whole photo moved (see _relabel).
    Measure("face_L", "exposure", "face brightness", "L*", judged=False),
    Measure("face_a", "colour", "skin colour (a*)", "a*", judged=False),
    Measure("face_b", "colour", "skin colour (b*)", "b*", judged=False),
    Measure("face_clip_bright", "exposure", "blown highlights on the face", "share", side="high"),
    Measure("face_clip_dark", "exposure", "crushed shadows on the face", "share", side="high"),
    Measure("light_balance", "exposure", "left/right light balance on the face", "x"),
    Measure("sharpness", "sharpness", "sharpness of the face (log10 Laplacian variance)", "log", side="low"),
    Measure("blockiness", "sharpness", "JPEG block artefacts", "x", side="high"),
    Measure("short_side_px", "resolution", "resolution (short side)", "px", side="low", log2=True),
    Measure("aspect_ratio", "shape", "aspect ratio (width / height)", "ratio"),
)
MEASURE_BY_COLUMN = {m.column: m for m in MEASURES}
FAMILIES: tuple[str, ...] = ("framing", "pose", "eyes", "expression", "backdrop", "colour", "exposure",
                             "sharpness", "resolution", "shape")

MAD_SCALE = 1.4826


def params_from(policy_or_params: Any) -> dict[str, Any]:
    """The `[consistency]` parameters from a Policy, or the table itself. They come only from
    the policy (rules/default.toml holds the defaults) and were validated when it was loaded."""
    if isinstance(policy_or_params, dict):
        return policy_or_params
    return policy_or_params["consistency"]


@dataclass
class Deviation:
    """One measure of one photo compared with the house value of its style."""

    column: str
    family: str
    label: str
    value: float
    house: float
    diff: float
    z: float
    outlier: bool
    noticeable: bool = False  # |difference| >= min_diff (in the compared scale: log2 for sizes)
    # False: the measure is not held against the photo (no outlier, no score penalty), e.g. the
    # skin's chroma when nothing but the skin says the colours changed (_saturation)
    scored: bool = True


@dataclass
class PhotoStyle:
    file: str
    group: str | None  # style label "A", "B", ... (None: not measurable)
    in_main: bool
    score: int  # against its own style
    score_main: int  # against the main style
    face_found: bool | None
    face_count: int | None
    deviations: list[Deviation] = field(default_factory=list)  # against its own style
    greyscale_mismatch: str | None = None  # "bw" (B&W in a colour set) / "colour" (colour in a B&W set)
    orientation_mismatch: str | None = None  # the photo's orientation when the house has another

    def outliers(self) -> list[Deviation]:
        return [d for d in self.deviations if d.outlier]

    def families(self) -> list[str]:
        fams = {d.family for d in self.outliers()}
        if self.greyscale_mismatch:
            fams.add("colour")
        if self.orientation_mismatch:
            fams.add("shape")
        if self.face_found is False:
            fams.add("framing")
        return [f for f in FAMILIES if f in fams]


@dataclass
class HouseStyle:
    params: dict[str, Any]
    files: list[str]
    values: pd.DataFrame  # measures (log2 applied), index = file
    groups: dict[str, list[str]]  # style label -> files, largest first
    main: str | None
    centres: dict[str, dict[str, float]]  # style -> column -> median (in compare space)
    spread: dict[str, float]  # column -> pooled robust spread
    photos: dict[str, PhotoStyle]
    house_bw_share: float
    house_orientation: str | None
    enough: bool  # False when the set is too small to learn a style
    learned_from: str = "this set"  # or "the audit of YYYY-MM-DD" when a kept baseline was used

    # -- per photo ----------------------------------------------------------------------------
    def annotate(self) -> pd.DataFrame:
        """Per-photo columns for photos.csv: style_group, in_main_style, consistency_score,
        consistency_score_main, consistency_flags (the families in which the photo is an outlier)."""
        rows = []
        for f in self.files:
            p = self.photos[f]
            rows.append({"file": f, "style_group": p.group, "in_main_style": p.in_main,
                         "consistency_score": p.score, "consistency_score_main": p.score_main,
                         "consistency_flags": ";".join(p.families()) or None})
        return pd.DataFrame(rows, columns=["file", "style_group", "in_main_style", "consistency_score",
                                           "consistency_score_main", "consistency_flags"]).astype({"file": object})

    # -- the set ------------------------------------------------------------------------------
    def house_value(self, column: str, group: str | None = None) -> float | None:
        g = group or self.main
        if g is None or column not in self.centres.get(g, {}):
            return None
        v = self.centres[g][column]
        if v is None or not np.isfinite(v):
            return None
        return float(2 ** v) if MEASURE_BY_COLUMN[column].log2 else float(v)

    def set_score(self) -> int | None:
        scores = [p.score_main for p in self.photos.values() if p.group is not None]
        return int(round(float(np.mean(scores)))) if scores else None

    def summary(self, photos: pd.DataFrame | None = None) -> dict[str, Any]:
        """Data for the report's house-style card and the brief (JSON-safe)."""
        from .features.colour import lab_to_hex

        n = len(self.files)
        measured = sum(1 for p in self.photos.values() if p.group is not None)
        styles = []
        for label, files in self.groups.items():
            L, a, b = (self.house_value(c, label) for c in ("backdrop_L", "backdrop_a", "backdrop_b"))
            styles.append({
                "label": label, "size": len(files), "share": round(len(files) / max(measured, 1), 3),
                "backdrop_hex": lab_to_hex(L, a, b) if None not in (L, a, b) else None,
                "files": list(files),
            })
        house = {}
        for m in MEASURES:
            v = self.house_value(m.column)
            if v is None:
                continue
            spread = self.spread.get(m.column)
            house[m.column] = {"label": m.label, "family": m.family, "unit": m.unit,
                               "value": round(v, 4), "spread": None if spread is None else round(spread, 4)}
        main = styles[0] if styles else None
        outliers = [f for f, p in self.photos.items() if p.families()]
        return {
            "n_photos": n,
            "n_measured": measured,
            "enough_photos": self.enough,
            "n_styles": len(self.groups),
            "main_style": self.main,
            "main_share": main["share"] if main else None,
            "styles": styles,
            "backdrop_hex": main["backdrop_hex"] if main else None,
            "house": house,
            "greyscale_share": round(self.house_bw_share, 3),
            "orientation": self.house_orientation,
            "set_score": self.set_score(),
            "n_outliers": len(outliers),
            "outlier_files": outliers,
            "order": self.contact_sheet_order(),
            "learned_from": self.learned_from,
        }

    def baseline(self) -> dict[str, Any]:
        """The learned style as JSON-safe numbers (no file names), for audit.json: what
        `analyse(..., baseline=...)` needs to judge next quarter's photos against this style."""
        def num(v: Any) -> float | None:
            return None if v is None or not np.isfinite(v) else round(float(v), 6)

        return {
            "version": BASELINE_VERSION,
            "settings": settings_digest(self.params),
            "main": self.main,
            "styles": {g: {"size": len(files), "centre": {c: num(v) for c, v in self.centres[g].items()}}
                       for g, files in self.groups.items()},
            "spread": {c: num(v) for c, v in self.spread.items()},
            "bw_share": round(self.house_bw_share, 4),
            "orientation": self.house_orientation,
            "enough": self.enough,
        }

    def contact_sheet_order(self) -> list[str]:
        """Files ordered by style group (main first), outliers last within each group."""
        order = []
        for label in list(self.groups) + [None]:
            members = [f for f in self.files if self.photos[f].group == label]
            members.sort(key=lambda f: (-self.photos[f].score, f))
            order.extend(members)
        return order


BASELINE_VERSION = 1


def settings_digest(params: dict[str, Any]) -> str:
    """A short digest of the consistency settings: a kept baseline is only reused under the
    settings it was learned with."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]


def usable_baseline(baseline: Any, params: dict[str, Any]) -> str | None:
    """Why a kept baseline cannot be used (None when it can)."""
    if not isinstance(baseline, dict) or baseline.get("version") != BASELINE_VERSION:
        return "no usable house style in the earlier audit"
    if baseline.get("settings") != settings_digest(params):
        return "the consistency settings of the policy changed"
    styles = baseline.get("styles")
    if not isinstance(styles, dict) or not styles or baseline.get("main") not in styles:
        return "no usable house style in the earlier audit"
    return None


# ------------------------------------------------------------------------------------------------
# clustering


# Style groups are found on at most this many photos (a regular sample); every photo is then
# assigned to the nearest group. 500 keeps clustering under a second and ~10 MB at any N.
CLUSTER_SAMPLE = 500


def _average_linkage(X: np.ndarray, cut: float) -> np.ndarray:
    """Cluster labels (0..k-1) from average-linkage agglomeration stopped at distance `cut`.
    NaN coordinates are skipped (distance over the available ones, rescaled to all)."""
    n, k = X.shape
    if n == 0:
        return np.zeros(0, int)
    valid = ~np.isnan(X)
    Xz = np.where(valid, X, 0.0)
    both = valid[:, None, :] & valid[None, :, :]
    sq = np.where(both, (Xz[:, None, :] - Xz[None, :, :]) ** 2, 0.0).sum(-1)
    cnt = both.sum(-1)
    D = np.where(cnt > 0, np.sqrt(sq * k / np.maximum(cnt, 1)), np.inf)
    np.fill_diagonal(D, np.inf)
    size = np.ones(n)
    alive = np.ones(n, bool)
    members = {i: [i] for i in range(n)}
    while alive.sum() > 1:
        Dm = np.where(alive[:, None] & alive[None, :], D, np.inf)
        i, j = np.unravel_index(np.argmin(Dm), Dm.shape)
        if not np.isfinite(Dm[i, j]) or Dm[i, j] > cut:
            break
        i, j = min(i, j), max(i, j)
        # Lance-Williams update for average linkage
        D[i, :] = (size[i] * D[i, :] + size[j] * D[j, :]) / (size[i] + size[j])
        D[:, i] = D[i, :]
        D[i, i] = np.inf
        size[i] += size[j]
        alive[j] = False
        D[j, :] = D[:, j] = np.inf
        members[i].extend(members.pop(j))
    labels = np.empty(n, int)
    for lab, (_root, idx) in enumerate(sorted(members.items(), key=lambda kv: (-len(kv[1]), min(kv[1])))):
        labels[idx] = lab
    return labels


# ------------------------------------------------------------------------------------------------


def _compare_values(photos: pd.DataFrame) -> pd.DataFrame:
    cols = {}
    for m in MEASURES:
        if m.column in photos:
            v = pd.to_numeric(photos[m.column], errors="coerce").astype(float)
            if m.log2:
                v = np.log2(v.where(v > 0))
            cols[m.column] = v.to_numpy()
        else:
            cols[m.column] = np.full(len(photos), np.nan)
    return pd.DataFrame(cols, index=list(photos["file"]))


def _nanmedian(a: Any, axis: int | None = None) -> Any:
    """np.nanmedian without the warning for an all-missing column (the result is NaN then)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(a, axis=axis)


def _logistic(x: float, x0: float, w: float = 0.6) -> float:
    return 1.0 / (1.0 + math.exp(-(x - x0) / w))


def analyse(photos: pd.DataFrame, params: Any, baseline: dict[str, Any] | None = None,
            baseline_from: str = "an earlier audit") -> HouseStyle:
    """Learn the house style of `photos` (one row per photo with the face/look columns and `file`).
    Rows with a decode `error` are left out. With a usable `baseline` (`HouseStyle.baseline()`
    of an earlier audit) the style is not learned again: photos are judged against it."""
    P = params_from(params)
    base = baseline if baseline is not None and usable_baseline(baseline, P) is None else None
    df = photos
    if "error" in df:
        df = df[df["error"].isna()]
    df = df.reset_index(drop=True)
    files = [str(f) for f in df["file"]]
    vals = _compare_values(df)
    min_diff = P["min_diff"]
    zthr = float(P["outlier_z"])
    face_found = df["face_found"] if "face_found" in df else pd.Series([None] * len(df))
    face_count = df["face_count"] if "face_count" in df else pd.Series([None] * len(df))
    measured = vals.notna().any(axis=1).to_numpy()
    enough = int(measured.sum()) >= int(P["min_photos"])

    # 1. style groups
    labels = np.full(len(files), -1)
    groups: dict[str, list[str]] = {}
    idx = np.flatnonzero(measured)
    if base is not None:
        enough = bool(base.get("enough", True))
        group_of = _assign_to_kept(base, vals, files, idx, P)
        for g in base["styles"]:
            groups[g] = [f for f in files if group_of.get(f) == g]
    elif len(idx):
        sm = [c for c in P["style_measures"] if c in vals]
        X = np.column_stack([vals[c].to_numpy()[idx] / float(min_diff.get(c, 1.0)) for c in sm]) if sm else np.zeros((len(idx), 0))
        if len(idx) > CLUSTER_SAMPLE:  # O(n^2) memory, O(n^3) time: cluster a regular sample, assign the rest
            sample = idx[:: int(math.ceil(len(idx) / CLUSTER_SAMPLE))]
        else:
            sample = idx
        pos = {int(i): k for k, i in enumerate(idx)}
        Xs = X[[pos[int(i)] for i in sample]]
        cl = _average_linkage(Xs, float(P["style_cut"])) if X.shape[1] and enough else np.zeros(len(sample), int)
        need = max(int(P["min_style_size"]), int(math.ceil(float(P["min_style_share"]) * len(idx))))
        sizes = np.bincount(cl) if len(cl) else np.zeros(0, int)
        kept = [c for c in range(len(sizes)) if sizes[c] >= need] or [0]
        # assign every measured photo to the kept cluster with the nearest median
        med = {c: _nanmedian(Xs[cl == c], axis=0) if Xs.shape[1] else np.zeros(0) for c in kept}
        for row, i in enumerate(idx):
            x = X[row]
            best, bd = kept[0], math.inf
            for c in kept:
                ok = ~np.isnan(x) & ~np.isnan(med[c])
                dist = float(np.sqrt(((x[ok] - med[c][ok]) ** 2).mean())) if ok.any() else 0.0
                if dist < bd:
                    best, bd = c, dist
            labels[i] = best
        order = sorted(kept, key=lambda c: (-(labels == c).sum(), c))
        names = {c: chr(ord("A") + k) if k < 26 else f"S{k}" for k, c in enumerate(order)}
        for c in order:
            groups[names[c]] = [files[i] for i in np.flatnonzero(labels == c)]
        group_of = {files[i]: names[labels[i]] for i in idx}
    else:
        group_of = {}
    main = base["main"] if base is not None else next(iter(groups), None)

    # 2. centres and pooled spread
    centres: dict[str, dict[str, float]] = {}
    for g, members in ({} if base is not None else groups).items():
        sub = vals.loc[members]
        centres[g] = {c: float(_nanmedian(sub[c])) if sub[c].notna().any() else float("nan") for c in vals}
    spread: dict[str, float] = {}
    for c in ([] if base is not None else vals):
        devs = []
        for g, members in groups.items():
            v = vals.loc[members, c].to_numpy()
            v = v[~np.isnan(v)]
            if len(v):
                devs.append(np.abs(v - centres[g][c]))
        allv = np.concatenate(devs) if devs else np.zeros(0)
        spread[c] = MAD_SCALE * float(np.median(allv)) if len(allv) else float("nan")

    # categorical house values
    bw = df["is_bw"].fillna(False).astype(bool).to_numpy() if "is_bw" in df else np.zeros(len(df), bool)
    bw_share = float(bw[measured].mean()) if measured.any() else 0.0
    orient = df["frame_orientation"] if "frame_orientation" in df else pd.Series([None] * len(df))
    counts = orient[measured].value_counts()
    house_orientation = counts.index[0] if len(counts) and counts.iloc[0] >= 0.6 * measured.sum() else None
    if base is not None:
        def f(v: Any) -> float:
            return float("nan") if v is None else float(v)

        centres = {g: {c: f(st["centre"].get(c)) for c in vals} for g, st in base["styles"].items()}
        spread = {c: f(base["spread"].get(c)) for c in vals}
        bw_share = float(base.get("bw_share") or 0.0)
        house_orientation = base.get("orientation")

    # 3. deviations and scores
    penalty = float(P["family_penalty"])

    columns = {c: vals[c].to_numpy() for c in vals}  # row i is files[i]; plain arrays, no pandas per value
    face_found_of, orient_of = face_found.to_numpy(dtype=object), orient.to_numpy(dtype=object)

    def judge(g: str, i: int) -> tuple[list[Deviation], int]:
        devs: list[Deviation] = []
        fam_worst: dict[str, float] = {}
        for m in MEASURES:
            x = columns[m.column][i]
            h = centres[g].get(m.column, float("nan"))
            s = spread.get(m.column, float("nan"))
            if not (np.isfinite(x) and np.isfinite(h)):
                continue
            diff = float(x - h)
            md = float(min_diff.get(m.column, 0.0))
            # spread floor: a set with (nearly) identical values still needs a scale
            scale = max(s if np.isfinite(s) else 0.0, md / zthr / 2, 1e-9)
            z = diff / scale
            if m.side == "low":
                z_eff = max(0.0, -z)
            elif m.side == "high":
                z_eff = max(0.0, z)
            else:
                z_eff = abs(z)
            noticeable = abs(diff) >= md
            outlier = m.judged and enough and noticeable and z_eff >= zthr
            if m.side == "low" and diff > 0 or m.side == "high" and diff < 0:
                outlier = False
            devs.append(Deviation(m.column, m.family, m.label, _back(m, x), _back(m, h),
                                  round(_back(m, x) - _back(m, h), 4), round(z, 2), bool(outlier),
                                  bool(noticeable), scored=m.judged))
        _relabel(devs, min_diff, spread)
        for dv in devs:
            m = MEASURE_BY_COLUMN[dv.column]
            if dv.scored and dv.noticeable:
                z_eff = abs(dv.z) if m.side == "both" else max(0.0, -dv.z if m.side == "low" else dv.z)
                fam_worst[dv.family] = max(fam_worst.get(dv.family, 0.0), z_eff)
        lost = sum(penalty * _logistic(z, zthr) for z in fam_worst.values())
        if bw[i] != (bw_share >= 0.5) and enough:
            lost += penalty
        ff = face_found_of[i]
        if ff is not None and not pd.isna(ff) and not bool(ff):
            lost += penalty
        o = orient_of[i]
        if house_orientation and isinstance(o, str) and o != house_orientation and enough:
            lost += penalty
        return devs, int(round(max(0.0, 100.0 - lost)))

    photos_out: dict[str, PhotoStyle] = {}
    for i, f in enumerate(files):
        ff = face_found_of[i]
        fc = face_count.iloc[i]
        ps = PhotoStyle(file=f, group=group_of.get(f), in_main=group_of.get(f) == main and main is not None,
                        score=0, score_main=0,
                        face_found=None if ff is None or pd.isna(ff) else bool(ff),
                        face_count=None if fc is None or pd.isna(fc) else int(fc))
        if ps.group is not None:
            ps.deviations, ps.score = judge(ps.group, i)
            ps.score_main = ps.score if ps.in_main else judge(main, i)[1]
            if enough and bool(bw[i]) != (bw_share >= 0.5):
                ps.greyscale_mismatch = "bw" if bw[i] else "colour"
            o = orient_of[i]
            if enough and house_orientation and isinstance(o, str) and o != house_orientation:
                ps.orientation_mismatch = str(o)
        photos_out[f] = ps
    return HouseStyle(P, files, vals, groups, main, centres, spread, photos_out, bw_share,
                      house_orientation, enough, learned_from=baseline_from if base is not None else (
                          "this set" if baseline is None else f"this set ({usable_baseline(baseline, P)})"))


def _assign_to_kept(kept: dict[str, Any], vals: pd.DataFrame, files: list[str], idx: np.ndarray,
                    P: dict[str, Any]) -> dict[str, str]:
    """Each measured photo's nearest kept style, on the style measures scaled by `min_diff`
    (the distance the clustering used when the style was learned)."""
    sm = [c for c in P["style_measures"] if c in vals]
    scale = np.array([float(P["min_diff"].get(c, 1.0)) for c in sm])
    med = {g: np.array([np.nan if st["centre"].get(c) is None else float(st["centre"][c]) for c in sm]) / scale
           for g, st in kept["styles"].items()}
    out = {}
    for i in idx:
        x = np.array([vals[c].to_numpy()[i] for c in sm]) / scale if sm else np.zeros(0)
        best, bd = kept["main"], math.inf
        for g, m in med.items():
            ok = ~np.isnan(x) & ~np.isnan(m)
            dist = float(np.sqrt(((x[ok] - m[ok]) ** 2).mean())) if ok.any() else 0.0
            if dist < bd:
                best, bd = g, dist
        out[files[i]] = best
    return out


def _back(m: Measure, v: float) -> float:
    v = float(v)
    return float(2 ** v) if m.log2 else v


def _relabel(devs: list[Deviation], min_diff: dict[str, float], spread: dict[str, float]) -> None:
    """Tell a changed backdrop from a whole-photo change, which moves the backdrop too.

    - Backdrop lightness off while its hue is as the house's: the backdrop is the one surface all
      photos share, so this is the exposure (or a darker/lighter backdrop) -> family exposure.
    - Backdrop hue off *and* the skin shifted the same way (by at least the cast min_diff and
      half the backdrop's shift): a white-balance error -> colour.
    """
    by = {d.column: d for d in devs}
    hue_off = [by[c] for c in ("backdrop_a", "backdrop_b") if c in by and by[c].outlier]
    bl = by.get("backdrop_L")
    if bl is not None and bl.outlier and not hue_off:
        bl.family = "exposure"
        bl.label = "overall exposure (the backdrop, the one surface every photo shares, is " + (
            "brighter" if bl.diff > 0 else "darker") + " than the house's)"
    cast = []
    for d in hue_off:
        skin = by.get("face_" + d.column[-1])
        if skin is None:
            continue
        need = max(float(min_diff.get("cast_" + d.column[-1], 0.0)), 0.5 * abs(d.diff))
        if np.sign(skin.diff) == np.sign(d.diff) and abs(skin.diff) >= need:
            cast.append(d)
    for d in cast:
        axis = "warm/yellow" if d.column.endswith("b") and d.diff > 0 else "blue" if d.column.endswith("b") else (
            "magenta/red" if d.diff > 0 else "green")
        d.family = "colour"
        d.label = f"colour cast ({axis}: backdrop and skin shifted together)"
    if cast and bl is not None and bl.outlier and len(cast) == len(hue_off):
        bl.family = "colour"
    _saturation(by, min_diff)


# A backdrop with less chroma than this has no colour to lose or gain: it is grey (the boundary
# `checks.consistency.colour_name` draws between grey and a colour).
COLOURED_BACKDROP_C = 8.0
# Chroma below this is noise (C* of a grey area in a JPEG): ratios are taken from here.
CHROMA_FLOOR = 1.0


def saturation_evidence(by: dict[str, Deviation], min_diff: dict[str, float]) -> str | None:
    """How a photo's saturation changed ("less" / "more"), when something besides the skin says so.

    The skin's chroma is also the person's skin tone: fair and very dark skin have half the
    chroma of medium skin, so a low or high skin chroma alone says nothing about the photo.
    A change of saturation multiplies the chroma of every surface by one factor and keeps every
    hue. The one surface every photo of a style shares is the backdrop; when it has colour, a
    saturation change shows there too. Evidence, then, is all of:
    - the house backdrop is coloured (C* >= COLOURED_BACKDROP_C);
    - the backdrop's colour moved along its own chroma axis (towards or away from grey, by at
      least twice as much as across it, and not noticeably past grey): its hue was kept;
    - the backdrop's chroma changed noticeably (by the backdrop's min_diff);
    - the backdrop's and the skin's chroma changed by similar factors: same direction, each
      log-ratio at least half the other's.
    The clothing, the hair and the rest of the frame are not evidence: they are the person's
    choice, and on the synthetic sets a pale suit and a desaturated photo overlap completely
    (docs/consistency.md). Without a coloured backdrop, saturation is therefore not judged.
    """
    ba, bb, sk = by.get("backdrop_a"), by.get("backdrop_b"), by.get("skin_chroma")
    if ba is None or bb is None or sk is None:
        return None
    house_c = math.hypot(ba.house, bb.house)
    if house_c < COLOURED_BACKDROP_C:
        return None
    ux, uy = ba.house / house_c, bb.house / house_c
    da, db = ba.value - ba.house, bb.value - bb.house
    along, across = da * ux + db * uy, abs(-da * uy + db * ux)
    noticeable = min(float(min_diff.get("backdrop_a", 0.0)), float(min_diff.get("backdrop_b", 0.0)))
    # past grey by a noticeable chroma, or moved across the axis: another hue, a different
    # backdrop (a backdrop turned grey, as in a black-and-white copy, kept its hue as far as anyone sees)
    if house_c + along < -noticeable or across > 0.5 * abs(along):
        return None
    photo_c = math.hypot(ba.value, bb.value)
    if abs(photo_c - house_c) < noticeable:
        return None
    rb = math.log2(max(photo_c, CHROMA_FLOOR) / max(house_c, CHROMA_FLOOR))
    rs = math.log2(max(sk.value, CHROMA_FLOOR) / max(sk.house, CHROMA_FLOOR))
    if rb * rs <= 0 or abs(rs) < 0.5 * abs(rb) or abs(rb) < 0.5 * abs(rs):
        return None
    return "less" if rb < 0 else "more"


def _saturation(by: dict[str, Deviation], min_diff: dict[str, float]) -> None:
    """Keep a skin-chroma outlier only with evidence that the photo's colours changed
    (`saturation_evidence`), and call the backdrop's colour outliers that this evidence explains
    a saturation change. Without evidence the skin's chroma is neither an outlier nor a penalty."""
    sk = by.get("skin_chroma")
    if sk is None:
        return
    way = saturation_evidence(by, min_diff)
    if way is None:
        sk.outlier, sk.scored = False, False
        return
    what = "paler" if way == "less" else "stronger"
    sk.label = f"saturation (the colours are {what}: the backdrop and the skin changed together)"
    for c in ("backdrop_a", "backdrop_b"):
        d = by[c]
        if d.outlier:
            d.family = "colour"
            d.label = sk.label
