"""Forensic pixel and file evidence that a photo may be AI-generated (probabilistic, never proof).

Two kinds of raw measures, all returned as `fx_<name>` columns:

* Pixel measures, taken on a normalised view of the photo: the central square of the working
  copy, reduced to 256 x 256. Training launders every image the same way (crop to square,
  resize to 512, strip metadata, re-encode) before this view is taken, so the model sees at run
  time what it saw in training, whatever the photo's original size; at 256 px the measures cost
  a few milliseconds. Noise residual (image minus 3x3 median) in the central face area and in
  skin-coloured pixels, sensor-noise floor in smooth areas, share of "plastic" flat blocks,
  high-frequency energy ratios, azimuthally averaged power-spectrum band ratios and periodic
  (upsampling-grid) peaks, neighbouring-pixel relations after 2x down/up sampling, chroma noise,
  and a cheap catch-light count in the eye band. Texture statistics: SPAM step co-occurrences of
  the view, and uniform LBP histograms and SPAM co-occurrences of its central half at twice the
  scale (1,490 numbers; inputs of the learned score, returned by `measure` but not report columns).
* File measures (weak cues, *not* used by the learned score because a detector that learns
  "square, no EXIF, software encode" fails on real portfolios): JPEG quantisation tables (estimated
  quality, exact match with standard libjpeg scaling), generator-typical sizes, camera EXIF.

The learned combiner (`audit.forensic_model`) turns the pixel measures into `forensic_score`
in [0, 1] with the top reasons in plain words. If the run options name a user ONNX detector
(`ai_model`), it is run too (`audit.onnx_detector`) and `onnx_score` is reported; see
`combine_scores` for how the two are merged.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from .decode import Decoded

FEATURE_SIZE = 256

# Sizes image generators emit by default (width, height); either orientation counts.
GENERATOR_SIZES = {
    (512, 512), (768, 768), (1024, 1024), (1536, 1536), (2048, 2048),
    (896, 1152), (832, 1216), (768, 1344), (640, 1536), (1152, 896), (1216, 832), (1344, 768),
    (1792, 1024), (1536, 1024), (1024, 1536), (1024, 1792), (512, 768), (768, 512),
}

# JPEG Annex K tables, natural (row-major) order: the base of libjpeg's quality scaling.
_STD_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.int64)
_STD_CHROMA = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99], dtype=np.int64)


def libjpeg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for `quality` (1-100) from an Annex K base table."""
    q = min(max(int(quality), 1), 100)
    scale = 5000 // q if q < 50 else 200 - 2 * q
    return np.clip((base * scale + 50) // 100, 1, 255)


@lru_cache(maxsize=1)
def _all_std_tables() -> tuple[np.ndarray, np.ndarray]:
    luma = np.stack([libjpeg_table(_STD_LUMA, q) for q in range(1, 101)])
    chroma = np.stack([libjpeg_table(_STD_CHROMA, q) for q in range(1, 101)])
    return luma, chroma


def jpeg_table_analysis(quantization: dict[int, Any] | None) -> dict[str, Any]:
    """Estimated quality and whether the tables are exactly libjpeg's standard scaling.

    `quantization` is Pillow's `JpegImageFile.quantization` (tables in natural order). A camera
    writes its own tables; an exact standard match means a software encoder (Pillow, libjpeg,
    browsers, most web tools) - a weak cue, since web tools re-encode real photos too.
    """
    out: dict[str, Any] = {"fx_jpeg_quality": None, "fx_jpeg_standard_tables": None, "fx_jpeg_n_tables": 0}
    if not quantization:
        return out
    tables = {k: np.asarray(list(v), dtype=np.int64) for k, v in quantization.items() if len(v) == 64}
    out["fx_jpeg_n_tables"] = len(tables)
    if 0 not in tables:
        return out
    luma_all, chroma_all = _all_std_tables()
    err = np.abs(luma_all - tables[0]).sum(axis=1).astype(float)
    if 1 in tables:
        err = err + np.abs(chroma_all - tables[1]).sum(axis=1)
    best = int(np.argmin(err))
    exact = bool(err[best] == 0 and all(k in (0, 1) for k in tables))
    if exact:
        quality = best + 1
    else:
        # Quality-equivalent of a custom table: the standard quality with the same mean step.
        mean_step = tables[0].mean()
        quality = int(np.argmin(np.abs(luma_all.mean(axis=1) - mean_step))) + 1
    out["fx_jpeg_quality"] = quality
    out["fx_jpeg_standard_tables"] = exact
    return out


def _read_quantization(d: Decoded) -> dict[int, Any] | None:
    """The JPEG's quantisation tables, as `decode` kept them from the file's header (opening the
    file again would read the same header with the same reader)."""
    return (d.info.get("quantization") or None) if d.format == "JPEG" else None


def file_measures(d: Decoded) -> dict[str, Any]:
    """Weak cues from the file itself; reported, but kept out of the learned score."""
    w, h = d.original_size
    exif = d.exif or {}
    make, model = exif.get(0x010F), exif.get(0x0110)
    try:
        sub = d.exif.get_ifd(0x8769) if d.exif else {}
    except Exception:
        sub = {}
    camera_fields = sum(1 for t in (0x829A, 0x829D, 0x8827, 0x920A) if t in sub)  # exposure, f-number, ISO, focal
    out = {
        "fx_generator_size": bool((w, h) in GENERATOR_SIZES),
        "fx_square": bool(w == h),
        "fx_camera_exif": bool(make or model),
        "fx_camera_fields": camera_fields,
        "fx_capture_date_exif": bool(sub.get(0x9003)),
    }
    out.update(jpeg_table_analysis(_read_quantization(d)))
    return out


def _square(a: np.ndarray, size: int) -> np.ndarray:
    h, w = a.shape[:2]
    if (h, w) == (size, size):
        return a.astype(np.float32)
    return cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA if min(h, w) > size else cv2.INTER_CUBIC
                      ).astype(np.float32)


def feature_views(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(view, detail): the central square of the working copy at FEATURE_SIZE, float32 RGB 0-255,
    and the central half of that square at twice the scale (the face, where the finest texture
    statistics are taken), float32 RGB.

    Reduced by pixel-area averaging (cheap, and the last resize of every photo is the same
    kind whatever its size); a smaller square is enlarged with bicubic interpolation."""
    h, w = pixels.shape[:2]
    s = min(w, h)
    left, top = (w - s) // 2, (h - s) // 2
    q = s // 4
    return (_square(pixels[top:top + s, left:left + s], FEATURE_SIZE),
            _square(pixels[top + q:top + s - q, left + q:left + s - q], FEATURE_SIZE))


def luma(rgb: np.ndarray) -> np.ndarray:
    return _luma(rgb[..., 0], rgb[..., 1], rgb[..., 2])


def _luma(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 0.299 * r + 0.587 * g + 0.114 * b


def _kurtosis(x: np.ndarray) -> float:
    x = x.astype(np.float64) - float(x.mean())
    x2 = x * x
    v = float(x2.mean())
    return float((x2 * x2).mean() / (v * v) - 3.0) if v > 1e-9 else 0.0


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-9 else 0.0


@lru_cache(maxsize=4)
def _rings(n: int, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(ring of each rfft2 cell of an n x n image, cells per ring), for `_radial_profile`: the
    same for every photo, so made once per size."""
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    r = np.sqrt(fx * fx + fy * fy) / 0.5  # 1.0 = Nyquist
    bins = np.minimum((r * n_bins).astype(int), n_bins).ravel()
    counts = np.bincount(bins, minlength=n_bins + 1)
    bins.flags.writeable = counts.flags.writeable = False
    return bins, counts


def _radial_profile(power: np.ndarray, n_bins: int = 64) -> np.ndarray:
    """Natural log of the mean power in `n_bins` equal rings from 0 to the Nyquist frequency."""
    bins, counts = _rings(power.shape[0], n_bins)
    sums = np.bincount(bins, weights=power.ravel(), minlength=n_bins + 1)
    return np.log(sums[:n_bins] / np.maximum(counts[:n_bins], 1) + 1e-8)


def _small_spots(mask: np.ndarray, lo: int, hi: int) -> int:
    """How many 4-connected spots of `mask` have `lo` to `hi` pixels."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    if n <= 1:  # label 0 is the background
        return 0
    sizes = np.bincount(labels.ravel())[1:]
    return int(((sizes >= lo) & (sizes <= hi)).sum())


def _running_median(v: np.ndarray, size: int) -> np.ndarray:
    """Median of each `size` neighbours of a 1-D array, the ends repeated (SciPy's
    `median_filter(mode="nearest")`, without importing SciPy: ~0.4 s before a cold audit's first photo)."""
    half = size // 2
    padded = np.concatenate([np.repeat(v[:1], half), v, np.repeat(v[-1:], half)])
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, size), axis=1)


def _luma_spectrum(y: np.ndarray) -> np.ndarray:
    """Power spectrum (rfft2) of a square luma image, mean removed, under a Hann window."""
    return np.abs(np.fft.rfft2((y - y.mean()) * _hann2d(y.shape[0]))) ** 2


def spectral_cliff(detail: np.ndarray) -> float:
    """How sharply the detail view's spectrum falls at one frequency, in decades of power: the
    largest drop of log10 power from the eighth of the band (1/8 of the Nyquist frequency) just
    below a cut-off to the eighth just above it, cut-offs from 1/4 to 7/8 of Nyquist.

    Why: enlarging a picture cannot invent detail finer than its original pixels, and the
    interpolation filter (bicubic, Lanczos) cuts the spectrum off at the original sampling rate,
    so an enlarged crop shows a cliff where the original's resolution ended. A camera photo or a
    generator's output at its own size falls off smoothly (roughly as a power of the frequency).
    A strong Gaussian blur makes a cliff too (its fall steepens with frequency); such a face is
    usually withheld as too soft first. Measured on the detail view because that is the texture
    the learned score reads: an enlargement the working copy's reduction has averaged away leaves
    no cliff there and does not fool the score either. Mild enlargements (a gradual roll-off over
    the whole band) stay under the limit; docs/ai-detection.md has the measured figures."""
    prof = _radial_profile(_luma_spectrum(luma(detail)), 32) / np.log(10)
    eighths = np.lib.stride_tricks.sliding_window_view(prof, 4).mean(axis=1)  # eighths[i]: prof[i:i + 4]
    return float((eighths[4:25] - eighths[8:29]).max())  # below minus above each cut-off c = 8..28


@lru_cache(maxsize=2)
def _hann2d(n: int) -> np.ndarray:
    w = np.hanning(n).astype(np.float32)
    return np.outer(w, w)


def pixel_measures(rgb: np.ndarray, detail: np.ndarray) -> dict[str, float]:
    """Pixel measures on the two views of `feature_views` (float RGB 0-255). All values are
    finite floats; the named ones rounded to 6 significant digits for the report columns."""
    n = rgb.shape[0]
    rgb = np.ascontiguousarray(rgb, dtype=np.float32)
    r, g, b = cv2.split(rgb)  # contiguous planes: the per-pixel sums below take half the time on them
    y = _luma(r, g, b)
    cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    resid = y - cv2.medianBlur(y, 3)

    # central face area (a headshot's face sits in the middle of the square) and skin pixels there
    t, btm, lft, rgt = int(0.15 * n), int(0.75 * n), int(0.25 * n), int(0.75 * n)
    rc = resid[t:btm, lft:rgt]
    skin = ((cb[t:btm, lft:rgt] > 77) & (cb[t:btm, lft:rgt] < 127) & (cr[t:btm, lft:rgt] > 133)
            & (cr[t:btm, lft:rgt] < 173) & (y[t:btm, lft:rgt] > 40) & (y[t:btm, lft:rgt] < 245))
    skin_share = float(skin.mean())
    rs = rc[skin] if skin.sum() > 500 else rc.ravel()

    # 8x8 blocks: residual energy vs local structure; smooth blocks show the noise floor
    k = n // 8
    blk_res = resid[: k * 8, : k * 8].reshape(k, 8, k, 8).std(axis=(1, 3))
    smooth_y = cv2.blur(y, (3, 3))
    blk_struct = smooth_y[: k * 8, : k * 8].reshape(k, 8, k, 8).std(axis=(1, 3))
    order = np.argsort(blk_struct.ravel())
    flat = blk_res.ravel()[order[: max(1, len(order) * 3 // 10)]]
    noise_floor = float(np.median(flat))
    flat_share = float((blk_res < 0.6).mean())
    # noise level function: camera shot noise grows with brightness; a generator's texture need not.
    # Over the smoother half of the blocks: correlation of log residual with block brightness, and
    # how uneven the noise is across them (coefficient of variation).
    blk_mean = y[: k * 8, : k * 8].reshape(k, 8, k, 8).mean(axis=(1, 3)).ravel()
    half = order[: max(2, len(order) // 2)]
    lr = np.log(blk_res.ravel()[half] + 0.05)
    bm = blk_mean[half]
    nlf_corr = _corr(lr.astype(np.float64), bm.astype(np.float64))
    hr = blk_res.ravel()[half]
    nlf_cv = float(hr.std() / (hr.mean() + 0.05))

    # high-frequency energy ratios (difference of Gaussians)
    g1 = cv2.GaussianBlur(y, (0, 0), 1.0)
    g3 = cv2.GaussianBlur(y, (0, 0), 3.0)
    fine = float(np.mean((y - g1) ** 2))
    mid = float(np.mean((g1 - g3) ** 2))
    hf_ratio = (fine + 1e-3) / (mid + 1e-3)

    # azimuthally averaged power spectrum (Hann window), band ratios vs the low band
    prof = _radial_profile(_luma_spectrum(y))
    f = (np.arange(64) + 0.5) / 64
    low = prof[(f > 0.05) & (f <= 0.2)].mean()
    band_mid = prof[(f > 0.2) & (f <= 0.45)].mean() - low
    band_high = prof[(f > 0.45) & (f <= 0.7)].mean() - low
    band_top = prof[(f > 0.7) & (f <= 0.95)].mean() - low
    sel = (f > 0.1) & (f <= 0.9)
    slope = float(np.polyfit(np.log(f[sel]), prof[sel], 1)[0])
    hi = prof[(f > 0.5) & (f <= 0.98)]
    spec_bump = float((hi - _running_median(hi, 7)).max())

    # periodic peaks in the residual spectrum at multiples of n/8 (upsampling grids, GAN checkerboard)
    # (log power is taken only at the grid cells and their neighbours, the 1,600 of 65,536 cells
    # read: the same values, elementwise, at a fortieth of the cost)
    grid = np.arange(0, n, n // 8)
    around = (grid[:, None] + np.array([-3, -2, 2, 3])[None, :]) % n  # (8, 4) neighbour rows/cols
    read = np.concatenate([grid, around.ravel()])  # grid first: row/column i < 8 is grid[i]
    rspec = np.abs(np.fft.fft2(resid)[np.ix_(read, read)]) ** 2
    rspec[0, 0] = 0  # the DC cell (grid[0] = 0)
    lg = np.log(rspec + 1e-6)
    pos = len(grid) + np.arange(around.size).reshape(around.shape)  # where `around` sits in `read`
    nb = lg[pos[:, None, :, None], pos[None, :, None, :]].reshape(len(grid), len(grid), 16)
    peaks = (lg[: len(grid), : len(grid)] - np.median(nb, axis=2)).ravel()[1:]  # all but the DC cell
    grid_peak = float(np.sort(peaks)[-4:].mean())

    # neighbouring-pixel relations: 2x down (box) and up (bilinear) again; residual correlations
    small = y[: n // 2 * 2, : n // 2 * 2].reshape(n // 2, 2, n // 2, 2).mean(axis=(1, 3))
    up = cv2.resize(small, (n // 2 * 2, n // 2 * 2), interpolation=cv2.INTER_LINEAR)
    resample_err = float((np.mean(np.abs(y - up)) + 1e-3) / (np.mean(np.abs(y - g3)) + 1e-3))
    corr_h = _corr(resid[:, :-1].astype(np.float64), resid[:, 1:].astype(np.float64))
    corr_d = _corr(resid[:-1, :-1].astype(np.float64), resid[1:, 1:].astype(np.float64))

    # colour noise: chroma residual vs luma residual, and R/B residual correlation
    rcb = cb - cv2.medianBlur(cb, 3)
    rcr = cr - cv2.medianBlur(cr, 3)
    chroma_ratio = float((rcb.std() + rcr.std() + 1e-3) / (2 * resid.std() + 1e-3))

    # catch-lights: small bright specular spots in the eye band
    eye = y[int(0.25 * n): int(0.5 * n), int(0.2 * n): int(0.8 * n)]
    spots = (eye > 170) & (eye - cv2.blur(eye, (9, 9)) > 30)
    catch = _small_spots(spots, 2, 80)

    # co-occurrence of quantised neighbour differences (SPAM-style, T=2, folded by sign symmetry):
    # interpolation, denoising and generator up-sampling leave their own joint statistics
    values_cooc = _cooccurrence(y)

    values = {
        "fx_noise_center": float(rc.std()),
        "fx_noise_skin": float(np.mean(np.abs(rs))),
        "fx_noise_kurtosis": float(np.clip(_kurtosis(rs), -3, 200)),
        "fx_noise_floor": noise_floor,
        "fx_flat_share": flat_share,
        "fx_nlf_corr": nlf_corr,
        "fx_nlf_cv": nlf_cv,
        "fx_hf_ratio": float(hf_ratio),
        "fx_spec_mid": float(band_mid),
        "fx_spec_high": float(band_high),
        "fx_spec_top": float(band_top),
        "fx_spec_slope": slope,
        "fx_spec_bump": spec_bump,
        "fx_grid_peak": grid_peak,
        "fx_resample_err": resample_err,
        "fx_resid_corr_h": corr_h,
        "fx_resid_corr_d": corr_d,
        "fx_chroma_noise": chroma_ratio,
        "fx_skin_share": skin_share,
        "fx_catchlights": float(catch),
    }
    values.update(values_cooc)
    values = {k: (float(f"{v:.6g}") if np.isfinite(v) else 0.0) for k, v in values.items()}
    # texture statistics (the learned score's inputs): SPAM of the whole view, where JPEG
    # blocking and the last resize are averaged away and the pipeline's own statistics stay;
    # uniform LBP and SPAM of the face detail at twice the scale, where skin and hair texture show
    yd = _luma(*cv2.split(np.ascontiguousarray(detail, dtype=np.float32)))
    values.update(zip(SPAM_FEATURES, _spam(y).tolist()))
    values.update(zip(SPAM_DETAIL_FEATURES, _spam(yd).tolist()))
    values.update(_lbp(yd, 1))
    values.update(_lbp(yd, 2))
    return values  # frequencies: finite by construction


# SPAM-style co-occurrences (Pevny et al. 2010): triples of consecutive neighbouring-pixel
# differences clipped to -3..3, in 8 directions, pooled into a straight (4 directions) and a
# diagonal (4 directions) group: 2 x 343 joint frequencies. Joint frequencies, not SPAM's
# conditional transition probabilities: the conditional ones of rare contexts (large steps) are
# noisy and extreme on very smooth images, where a linear model then extrapolates to "camera
# photo". Demosaicing, sensor noise, denoisers and generator up-sampling each leave their own
# transition statistics, and these survive resizing and JPEG better than single noise measures.
_SPAM_T = 3
_SPAM_K = 2 * _SPAM_T + 1
_sp = np.arange(_SPAM_K ** 3)
_sa, _sb, _sc = _sp // (_SPAM_K * _SPAM_K), (_sp // _SPAM_K) % _SPAM_K, _sp % _SPAM_K
_SPAM_REV = ((2 * _SPAM_T - _sc) * _SPAM_K + (2 * _SPAM_T - _sb)) * _SPAM_K + (2 * _SPAM_T - _sa)
SPAM_FEATURES = [f"fx_spam_{g}{i:03d}" for g in ("s", "d") for i in range(_SPAM_K ** 3)]
# the same statistics of the face detail (twice the scale): skin and hair at the finest texture
SPAM_DETAIL_FEATURES = [f"fx_spamd_{g}{i:03d}" for g in ("s", "d") for i in range(_SPAM_K ** 3)]


def _triples(q0: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    return np.bincount(((q0 * _SPAM_K + q1) * _SPAM_K + q2).ravel(), minlength=_SPAM_K ** 3).astype(np.float64)


def _spam(y: np.ndarray) -> np.ndarray:
    """SPAM joint frequencies of `y`, grey levels 0-255. In 16-bit integers: the steps (-255 to
    255) and the triple codes (0 to 342) fit, and half the bytes make the counting twice as fast
    as in 32 bits (1.7 against 3.5 ms per call, measured), with the same counts."""
    yi = np.rint(y).astype(np.int16)

    def q(d: np.ndarray) -> np.ndarray:
        return np.clip(d, -_SPAM_T, _SPAM_T) + _SPAM_T

    h = q(yi[:, :-1] - yi[:, 1:])
    v = q(yi[:-1, :] - yi[1:, :])
    d1 = q(yi[:-1, :-1] - yi[1:, 1:])
    d2 = q(yi[:-1, 1:] - yi[1:, :-1])
    straight = _triples(h[:, :-2], h[:, 1:-1], h[:, 2:]) + _triples(v[:-2], v[1:-1], v[2:])
    diag = (_triples(d1[:-2, :-2], d1[1:-1, 1:-1], d1[2:, 2:])
            + _triples(d2[:-2, 2:], d2[1:-1, 1:-1], d2[2:, :-2]))
    out = []
    for cnt in (straight, diag):
        cnt = cnt + cnt[_SPAM_REV]  # the opposite directions: reversed chains of negated steps
        out.append(cnt / max(float(cnt.sum()), 1.0))
    return np.concatenate(out)


_COOC_PAIRS = [(a, b) for a in range(-2, 3) for b in range(-2, 3) if (a, b) <= (-a, -b)]
COOC_FEATURES = [f"fx_cooc_{'m' if a < 0 else 'p'}{abs(a)}_{'m' if b < 0 else 'p'}{abs(b)}" for a, b in _COOC_PAIRS]


def _cooccurrence(y: np.ndarray) -> dict[str, float]:
    hist = np.zeros((5, 5))
    for axis in (1, 0):  # consecutive steps along rows, then down columns (in place, not transposed)
        q = (np.clip(np.rint(np.diff(y, axis=axis)), -2, 2) + 2).astype(np.int16)  # codes 0-24 fit
        pairs = q[:, :-1] * 5 + q[:, 1:] if axis == 1 else q[:-1] * 5 + q[1:]
        hist += np.bincount(pairs.ravel(), minlength=25).reshape(5, 5)
    hist /= max(hist.sum(), 1.0)
    return {name: float(hist[a + 2, b + 2] + (hist[-a + 2, -b + 2] if (a, b) != (-a, -b) else 0.0))
            for name, (a, b) in zip(COOC_FEATURES, _COOC_PAIRS)}


PIXEL_FEATURES = [
    "fx_noise_center", "fx_noise_skin", "fx_noise_kurtosis", "fx_noise_floor", "fx_flat_share",
    "fx_nlf_corr", "fx_nlf_cv", "fx_hf_ratio", "fx_spec_mid", "fx_spec_high", "fx_spec_top", "fx_spec_slope", "fx_spec_bump",
    "fx_grid_peak", "fx_resample_err", "fx_resid_corr_h", "fx_resid_corr_d", "fx_chroma_noise",
    "fx_skin_share", "fx_catchlights",
] + COOC_FEATURES


# uniform local binary patterns (8 neighbours, bilinear on the circle, radius 1 and 2): a 59-bin
# histogram each (58 uniform codes + "other") of the detail view (the face, at twice the scale)
def _lbp_lut() -> tuple[np.ndarray, int]:
    codes = np.arange(256)
    bits = (codes[:, None] >> np.arange(8)) & 1
    uni = np.where((bits != np.roll(bits, 1, axis=1)).sum(axis=1) <= 2)[0]
    lut = np.full(256, len(uni), np.int64)
    lut[uni] = np.arange(len(uni))
    return lut, len(uni) + 1


_LBP_LUT, _LBP_BINS = _lbp_lut()
_LBP_NAMES = {r: [f"fx_lbp{r}_{i:02d}" for i in range(_LBP_BINS)] for r in (1, 2)}  # the radii measured
LBP_FEATURES = _LBP_NAMES[1] + _LBP_NAMES[2]


def circle_neighbours(y: np.ndarray, r: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """(centres, the 8 neighbours at radius r): each neighbour k at (r sin, r cos) from its centre,
    bilinear between the 4 pixels around it; arrays of the centres' shape (the frame minus r).
    `y` float32; a neighbour a whole number of pixels away is a view of `y` (1 * v is v)."""
    n = y.shape[0]
    m = n - 2 * r
    c = y[r:n - r, r:n - r]
    out = []
    for k in range(8):
        a = 2 * np.pi * k / 8
        dy, dx = -r * np.sin(a), r * np.cos(a)
        fy, fx = int(np.floor(dy + 1e-9)), int(np.floor(dx + 1e-9))
        wy, wx = dy - fy, dx - fx
        terms = [(np.float32(wgt), y[r + fy + oy:r + fy + oy + m, r + fx + ox:r + fx + ox + m])
                 for oy, ox, wgt in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                                     (1, 0, wy * (1 - wx)), (1, 1, wy * wx)) if wgt > 1e-6]
        if len(terms) == 1 and terms[0][0] == 1:
            out.append(terms[0][1])
            continue
        sh = terms[0][0] * terms[0][1]  # the first weighted pixel starts the sum (0 + v is v)
        for wgt, pixels in terms[1:]:
            sh += wgt * pixels
        out.append(sh)
    return c, out


def _lbp(y: np.ndarray, r: int) -> dict[str, float]:
    c, neighbours = circle_neighbours(y, r)
    code = np.zeros(c.shape, np.uint8)
    for k, sh in enumerate(neighbours):
        code |= (sh >= c).astype(np.uint8) << k
    # the 256 codes counted, then folded into the uniform bins (whole counts: the same sums as
    # looking every pixel's bin up first, without a 64k-entry lookup)
    h = np.bincount(_LBP_LUT, weights=np.bincount(code.ravel(), minlength=256), minlength=_LBP_BINS)
    h /= max(float(h.sum()), 1.0)
    return dict(zip(_LBP_NAMES[r], h.tolist()))


TEXTURE_FEATURES = SPAM_FEATURES + LBP_FEATURES + SPAM_DETAIL_FEATURES
_HIDDEN = frozenset(TEXTURE_FEATURES)


def measure(d: Decoded) -> dict[str, Any]:
    """All raw `fx_` measures of one photo."""
    view, detail = feature_views(d.pixels)
    out: dict[str, Any] = pixel_measures(view, detail)
    # not an input of the learned score: it decides whether the score can be trusted at all
    out["fx_spectral_cliff"] = float(f"{spectral_cliff(detail):.4g}")
    out.update(file_measures(d))
    return out


def combine_scores(forensic: float | None, onnx: float | None) -> float | None:
    """One forensic-evidence score from the built-in model and an optional user ONNX detector.

    The user's detector is presumably the stronger one (that is why it was supplied), but a
    single model's false alarm must not be amplified: the result is the mean of the two, so
    one confident detector alone reaches at most ~0.5 + its margin/2, and both must agree for
    a high score. Either alone is used as is.
    """
    vals = [v for v in (forensic, onnx) if v is not None]
    return round(float(np.mean(vals)), 4) if vals else None


def extract(d: Decoded) -> dict[str, Any]:
    from .. import forensic_model

    fx = measure(d)
    score, reasons = forensic_model.score(fx, d.options.get("forensic_model"))
    # the long SPAM / LBP vectors feed the score but are not report columns
    fx = {k: v for k, v in fx.items() if k not in _HIDDEN}
    out: dict[str, Any] = {"forensic_model_score": score}
    onnx_score = None
    out["onnx_error"] = None
    model_path = d.options.get("ai_model")
    if model_path:
        from .. import onnx_detector

        try:
            onnx_score = onnx_detector.score_image(model_path, d.image)
        except onnx_detector.OnnxModelError as exc:  # the built-in score still stands
            out["onnx_error"] = str(exc)
        if onnx_score is not None:
            word = "AI" if onnx_score >= 0.5 else "real"
            reasons = (reasons + "; " if reasons else "") + f"user detector says {word} ({onnx_score:.2f})"
    out["onnx_score"] = onnx_score
    out["forensic_score"] = combine_scores(score, onnx_score)
    out["forensic_reasons"] = reasons
    out.update(fx)
    return out
