"""The look of a headshot: backdrop, exposure, light, colour, sharpness, compression, size and shape.

Regions come from the face box of `face.detect` (computed once per photo):
- the *backdrop* is the part of the frame above the shoulders and outside an enlarged head box
  (hair and ears included); without a face it is the top fifth of the frame, and when a tight
  crop leaves almost nothing beside the head, the two top corners (10% x 10%);
- the *face* is the central part of the face box (forehead to mouth, cheek to cheek), which holds
  skin, not hair or backdrop.

Colour is measured in CIELAB (D65), converted from sRGB here in numpy. Lightness L* runs 0-100;
a* is green(-)/red(+), b* blue(-)/yellow(+); chroma C* = hypot(a*, b*).

Columns (None where the region is missing):
- `backdrop_L`, `backdrop_a`, `backdrop_b`, `backdrop_hex`: median colour of the backdrop.
- `backdrop_nonuniformity`: mean Scharr gradient magnitude of luminance over the backdrop, in
  luminance units (0-1) per pixel at a `MEDIUM_SIZE` (384 px) scale; lower is more uniform
  (OFIQ's measure).
- `backdrop_spread_L`: spread (p90 - p10) of backdrop L*; a gradient or a busy room raises it.
- `face_L`: mean L* of the face; `face_luma`: mean linear luminance Y (0-1) of the face.
- `face_clip_dark`, `face_clip_bright`: share of face pixels at 0-25 / 247-255 (8-bit luma).
- `face_entropy`: entropy (bits) of the face's 8-bit luma histogram (OFIQ's dynamic range).
- `light_balance`: (right - left) / (right + left) of the face halves' mean Y; 0 = even light,
  positive = brighter on the picture's right.
- `light_ratio`: bright side / dark side mean Y of the face (a lighting ratio, >= 1).
- `face_a`, `face_b`: mean a*, b* of the face (OFIQ's natural-colour measure); `skin_chroma`:
  mean C* of the face, the saturation of the skin (a desaturated or over-saturated grade).
- `cast_a`, `cast_b`: mean a*, b* of the whole frame (clothing weighs in, so the consistency
  check tells a cast by the backdrop and skin moving together instead).
- `highlight_L`: L* of the frame's 99th percentile: where the top of the histogram sits. It
  drops when a photo is under-exposed but not when only the backdrop is darker.
- `chroma_mean`, `chroma_p95`: C* of the whole frame; `is_bw`: no colour anywhere (C* p95 < 4).
- `sharpness`: log10 of (variance of the Laplacian / variance of the grey values) of the face box,
  resampled to 128 px high so that big and small faces compare; dividing by the face's own
  contrast keeps exposure and skin tone out of it. When no face was found, of the region where
  a headshot's face sits (`NO_FACE_REGION`): a photo too soft for a face to be found is then a
  sharpness finding, not only "no face".
- `blockiness`: JPEG 8x8 grid strength (>1 = visible block edges); None when the working copy was
  rescaled (the grid is then gone) or the file is not a JPEG.
- `short_side_px`, `long_side_px`: original size; `aspect_ratio`: width / height;
  `frame_orientation`: portrait, landscape or square (within 3%).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from . import face
from .colour import _RGB2XYZ, lab_to_hex, srgb_to_linear
from .decode import Decoded

SHARP_FACE_PX = 128  # face height the sharpness measure resamples to
# Where a head-and-shoulders portrait's face sits (x, y, w, h fractions of the frame): the
# sharpness of a photo in which no face was found is measured there.
NO_FACE_REGION = (0.3, 0.12, 0.4, 0.45)
# ... unless the region is nearly plain (grey-level standard deviation under this): a backdrop,
# where a photo on its side or a profile leaves the centre empty, is neither sharp nor soft.
NO_FACE_MIN_SD = 10.0
# sRGB -> linear for every 8-bit code: a table lookup instead of a power per pixel
_LINEAR_LUT = srgb_to_linear(np.arange(256, dtype=np.float32) / 255.0)


def linear_and_lab(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Linear-light RGB and CIELAB of 8-bit sRGB pixels, the fast way (table + OpenCV); agrees
    with `rgb_to_lab` within 0.05."""
    # OpenCV wants an image: one row of pixels. Its table lookup copies the same table entries
    # as numpy's indexing, 3x faster.
    lin = cv2.LUT(pixels.reshape(1, -1, 3), _LINEAR_LUT)
    lab = cv2.cvtColor(lin, cv2.COLOR_LRGB2Lab)
    return lin.reshape(pixels.shape), lab.reshape(pixels.shape)


def _r(v: float | None, n: int = 3) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), n)


def _backdrop_mask(h: int, w: int, box: tuple[float, float, float, float] | None) -> np.ndarray:
    # pixel centres as a column and a row, broadcast by the comparisons (no full coordinate grids)
    yy = ((np.arange(h) + 0.5) / h)[:, None]
    xx = ((np.arange(w) + 0.5) / w)[None, :]
    if box is None:
        return np.repeat(yy < 0.2, w, axis=1)
    fx, fy, fw, fh = box
    cx = fx + fw / 2
    # head with hair: wider and taller than the face box; shoulders start just below the chin
    head_x0, head_x1 = cx - 0.95 * fw, cx + 0.95 * fw
    head_y0 = fy - 0.55 * fh
    shoulders = fy + 1.05 * fh
    outside_head = (xx < head_x0) | (xx > head_x1) | (yy < head_y0)
    return outside_head & (yy < shoulders)


def _blockiness(grey: np.ndarray) -> float | None:
    """Mean luma step across 8-px block borders / mean step inside blocks (1 = no grid)."""
    h, w = grey.shape
    if h < 32 or w < 32:
        return None
    g = grey.astype(np.float32)
    dx = np.abs(np.diff(g, axis=1))  # dx[:, i] = step between column i and i+1
    dy = np.abs(np.diff(g, axis=0))
    cols = np.arange(dx.shape[1])
    rows = np.arange(dy.shape[0])
    border_c, border_r = (cols % 8) == 7, (rows % 8) == 7
    inside = (dx[:, ~border_c].mean() + dy[~border_r, :].mean()) / 2
    across = (dx[:, border_c].mean() + dy[border_r, :].mean()) / 2
    return float(across / max(inside, 1e-3))


def _sharpness(pixels: np.ndarray, box: tuple[float, float, float, float], min_sd: float = 0.0) -> float | None:
    """log10(var(Laplacian) / var(grey)) of `box` (x, y, w, h fractions) resampled to
    SHARP_FACE_PX high: detail relative to the region's own contrast, so that exposure and skin
    tone do not pass for sharpness. None when the region's grey-level standard deviation is under
    `min_sd`: a plain wall has no edges to be sharp or soft."""
    H, W = pixels.shape[:2]
    fx, fy, fw, fh = box
    X0, X1 = max(0, int(fx * W)), min(W, int(np.ceil((fx + fw) * W)))
    Y0, Y1 = max(0, int(fy * H)), min(H, int(np.ceil((fy + fh) * H)))
    if X1 - X0 < 2 or Y1 - Y0 < 2:
        return None
    grey = cv2.cvtColor(pixels[Y0:Y1, X0:X1], cv2.COLOR_RGB2GRAY)
    k = SHARP_FACE_PX / grey.shape[0]
    grey = cv2.resize(grey, (max(8, round(grey.shape[1] * k)), SHARP_FACE_PX),
                      interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC).astype(np.float32)
    if grey.std() < min_sd:
        return None
    lap = cv2.Laplacian(grey, cv2.CV_32F, ksize=3)
    return _r(np.log10((lap.var() + 1e-3) / (grey.var() + 1.0)), 3)


def extract(d: Decoded) -> dict[str, Any]:
    geo = face.detect(d)
    H, W = d.pixels.shape[:2]
    ow, oh = d.original_size
    out: dict[str, Any] = {
        "short_side_px": int(min(ow, oh)),
        "long_side_px": int(max(ow, oh)),
        "aspect_ratio": round(ow / oh, 4) if oh else None,
        "frame_orientation": ("square" if abs(ow / max(oh, 1) - 1) <= 0.03 else
                              "portrait" if oh > ow else "landscape"),
    }

    # colour and backdrop on the shared medium copy (long side MEDIUM_SIZE)
    lin, lab = linear_and_lab(d.medium)
    wr, wg, wb = _RGB2XYZ[1]
    Y = wr * lin[..., 0] + wg * lin[..., 1] + wb * lin[..., 2]  # plane sums: no BLAS threads
    sh, sw = Y.shape
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    chroma_p95 = float(np.percentile(chroma, 95))
    out.update({
        "cast_a": _r(lab[..., 1].mean(), 2),
        "cast_b": _r(lab[..., 2].mean(), 2),
        "highlight_L": _r(np.percentile(lab[..., 0], 99), 2),
        "chroma_mean": _r(chroma.mean(), 2),
        "chroma_p95": _r(chroma_p95, 2),
        "is_bw": chroma_p95 < 4.0,
    })
    mask = _backdrop_mask(sh, sw, geo.box)
    if mask.sum() < 0.01 * mask.size:
        # a tight crop leaves no backdrop beside the head: fall back to the two top corners
        mask = np.zeros((sh, sw), bool)
        ch, cw = max(2, int(0.1 * sh)), max(2, int(0.1 * sw))
        mask[:ch, :cw] = mask[:ch, -cw:] = True
    if mask.sum() >= 0.005 * mask.size:
        bl = np.compress(mask.ravel(), lab.reshape(-1, 3), axis=0)  # lab[mask], 4x faster: whole rows
        med = np.median(bl, axis=0)
        gx = cv2.Scharr(Y, cv2.CV_32F, 1, 0) / 32.0  # Scharr kernel weights sum to 32 per side
        gy = cv2.Scharr(Y, cv2.CV_32F, 0, 1) / 32.0
        grad = np.hypot(gx, gy)
        inner = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        use = inner if inner.sum() > 50 else mask
        p10, p90 = np.percentile(bl[:, 0], [10, 90])
        out.update({
            "backdrop_L": _r(med[0], 2), "backdrop_a": _r(med[1], 2), "backdrop_b": _r(med[2], 2),
            "backdrop_hex": lab_to_hex(*map(float, med)),
            "backdrop_nonuniformity": _r(grad[use].mean() * 1000, 3),  # x1000 for readable numbers
            "backdrop_spread_L": _r(p90 - p10, 2),
        })
    else:
        out.update({k: None for k in ("backdrop_L", "backdrop_a", "backdrop_b", "backdrop_hex",
                                      "backdrop_nonuniformity", "backdrop_spread_L")})

    face_keys = ("face_L", "face_luma", "face_clip_dark", "face_clip_bright", "face_entropy",
                 "light_balance", "light_ratio", "face_a", "face_b", "skin_chroma", "sharpness")
    if geo.box is None:
        out.update({k: None for k in face_keys})
        # a photo too soft for a face to be found is still measured, where a headshot's face sits
        out["sharpness"] = _sharpness(d.pixels, NO_FACE_REGION, NO_FACE_MIN_SD)
    else:
        fx, fy, fw, fh = geo.box
        # skin region: forehead to mouth, inside the cheeks
        x0, x1 = fx + 0.2 * fw, fx + 0.8 * fw
        y0, y1 = fy + 0.2 * fh, fy + 0.85 * fh
        # full-resolution face for exposure and sharpness
        full = d.pixels
        X0, X1 = max(0, int(x0 * W)), min(W, int(np.ceil(x1 * W)))
        Y0, Y1 = max(0, int(y0 * H)), min(H, int(np.ceil(y1 * H)))
        crop = full[Y0:Y1, X0:X1]
        c0, c1 = max(0, int(x0 * sw)), min(sw, int(np.ceil(x1 * sw)))
        r0, r1 = max(0, int(y0 * sh)), min(sh, int(np.ceil(y1 * sh)))
        flab, fY = lab[r0:r1, c0:c1], Y[r0:r1, c0:c1]
        if crop.size == 0 or fY.size == 0:
            out.update({k: None for k in face_keys})
        else:
            luma8 = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
            hist = np.bincount(luma8.ravel(), minlength=256).astype(np.float64)
            p = hist[hist > 0] / hist.sum()
            half = fY.shape[1] // 2
            left, right = float(fY[:, :half].mean()), float(fY[:, half:].mean())
            out.update({
                "face_L": _r(flab[..., 0].mean(), 2),
                "face_luma": _r(fY.mean(), 4),
                "face_clip_dark": _r((luma8 <= 25).mean(), 4),
                "face_clip_bright": _r((luma8 >= 247).mean(), 4),
                "face_entropy": _r(-(p * np.log2(p)).sum(), 3),
                "light_balance": _r((right - left) / max(right + left, 1e-6), 4),
                "light_ratio": _r(max(left, right) / max(min(left, right), 1e-6), 3),
                "face_a": _r(flab[..., 1].mean(), 2),
                "face_b": _r(flab[..., 2].mean(), 2),
                "skin_chroma": _r(np.hypot(flab[..., 1], flab[..., 2]).mean(), 2),
                "sharpness": _sharpness(full, geo.box),
            })

    if d.format == "JPEG" and (W, H) == (ow, oh):
        out["blockiness"] = _r(_blockiness(d.grey), 3)
    else:
        out["blockiness"] = None
    return out
