"""A small, deterministic renderer of stylised head-and-shoulders portraits (Pillow + numpy).

The portraits are test material: they stand in for staff headshots in the sample portfolio and
in tests, and OpenCV's Haar frontal-face cascade finds exactly one face in them. The same
`PortraitSpec` always renders the identical image; a different `seed` gives a different person
(face shape, eye spacing, features, hair style, clothing cut, glasses), while the colours and
the framing come from the spec so a set can share one house style. `random_spec` picks colours
(skin tones from very light to very dark, hair, clothing) from a seed as well.

Drawing model: every layer paints an albedo colour and a shade value with a soft alpha; the
image is albedo x shade, so eyes, brows and mouth inherit the light on the face, and shadows
(eye sockets, nose, under the chin) only darken the shade. Catch-lights and noise come last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = ["PortraitSpec", "render_portrait", "random_spec", "SKIN_TONES"]


@dataclass
class PortraitSpec:
    seed: int = 0
    width: int = 800
    height: int = 1000
    backdrop: tuple[int, int, int] = (128, 128, 128)  # backdrop colour
    backdrop_gradient: float = 0.15  # 0 = flat; vignette/gradient strength
    skin: tuple[int, int, int] = (224, 180, 150)
    hair: tuple[int, int, int] = (60, 40, 30)
    clothing: tuple[int, int, int] = (40, 50, 70)
    head_scale: float = 0.30  # face height / image height
    head_center: tuple[float, float] = (0.5, 0.42)  # face centre, fractions of width/height
    light_direction: float = -0.3  # -1 = lit from left, +1 from right, 0 = flat
    light_contrast: float = 0.25
    noise: float = 2.0  # sensor-like Gaussian noise sigma (0 = perfectly clean)
    catchlights: bool = True
    # Expression: 1 = eyes open as the person's own, 0 = closed; 0 = lips closed, 1 = mouth
    # wide open; None = the person's own smile (-0.2 stern to 1 smiling), else this value.
    eyes_open: float = 1.0
    mouth_open: float = 0.0
    smile: float | None = None


# Skin albedos from very light to very dark (roughly Fitzpatrick I-VI as rendered sRGB).
SKIN_TONES: tuple[tuple[int, int, int], ...] = (
    (243, 208, 186),
    (232, 188, 160),
    (214, 165, 128),
    (190, 138, 100),
    (160, 108, 76),
    (124, 80, 56),
    (92, 58, 42),
    (68, 44, 34),
)
_SKIN_WEIGHTS = (0.12, 0.18, 0.18, 0.14, 0.12, 0.10, 0.09, 0.07)
_HAIR_COLOURS = ((28, 22, 20), (45, 32, 25), (70, 48, 32), (105, 72, 45), (150, 110, 70),
                 (190, 160, 115), (120, 50, 30), (150, 145, 140), (200, 198, 195))
_CLOTHING = ((35, 45, 70), (45, 45, 50), (25, 25, 28), (90, 30, 45), (60, 75, 95),
             (70, 85, 70), (120, 110, 100), (160, 160, 170), (40, 60, 110), (95, 70, 55))
_SHIRTS = ((238, 238, 235), (205, 220, 240), (240, 232, 220), (235, 235, 240))
_IRIS = ((70, 45, 30), (95, 60, 35), (120, 90, 50), (70, 100, 130), (80, 110, 80), (50, 35, 25))


def random_spec(seed: int, **overrides) -> PortraitSpec:
    """A spec whose colours (skin, hair, clothing) are drawn from `seed`; `overrides` win.

    Geometry and style still vary with the seed inside `render_portrait`, so two seeds give two
    different people even when every colour is overridden to one house style.
    """
    rng = np.random.default_rng([seed, 7])
    skin = np.array(SKIN_TONES[int(rng.choice(len(SKIN_TONES), p=_SKIN_WEIGHTS))], float)
    skin = tuple(int(v) for v in np.clip(skin * rng.uniform(0.96, 1.04, 3), 0, 255))
    skin = tuple(overrides.get("skin", skin))  # hair goes with the skin actually rendered
    dark = sum(skin) / 3 < 140
    hair_pool = _HAIR_COLOURS[:3] if dark else _HAIR_COLOURS
    hair = hair_pool[int(rng.integers(len(hair_pool)))]
    clothing = _CLOTHING[int(rng.integers(len(_CLOTHING)))]
    fields = dict(seed=seed, skin=skin, hair=hair, clothing=clothing)
    fields.update(overrides)
    return PortraitSpec(**fields)


# --------------------------------------------------------------------------------------------
# Small drawing kit


def _ramp(d: np.ndarray, soft: float = 1.0) -> np.ndarray:
    """Alpha from a signed distance in pixels (negative inside): antialiased, `soft` px wide."""
    return np.clip(0.5 - d / max(soft, 1e-3), 0.0, 1.0)


def _smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _ellipse_d(x: np.ndarray, y: np.ndarray, a: float, b: float) -> np.ndarray:
    """Approximate signed distance (px) to an axis-aligned ellipse centred at the origin."""
    u, v = x / a, y / b
    k = np.sqrt(u * u + v * v)
    g = np.sqrt((u / a) ** 2 + (v / b) ** 2) / np.maximum(k, 1e-6)
    return (k - 1.0) / np.maximum(g, 1e-6)


def _superellipse_d(x, y, a: float, b: float, n: float) -> np.ndarray:
    """Rough signed distance (px) to |x/a|^n + |y/b|^n = 1 (n > 2 gives rounded boxes)."""
    k = (np.abs(x) / a) ** n + (np.abs(y) / b) ** n
    return (k ** (1 / n) - 1) * min(a, b)


def _bump(x, y, rx: float, ry: float) -> np.ndarray:
    """A smooth bump, 1 at the origin and exactly 0 outside the ellipse (rx, ry)."""
    r2 = (x / rx) ** 2 + (y / ry) ** 2
    return np.clip(1 - r2, 0, 1) ** 2


class _Canvas:
    """Albedo (RGB) plus shade, painted layer by layer in bounding boxes."""

    def __init__(self, w: int, h: int):
        self.w, self.h = w, h
        self.albedo = np.zeros((h, w, 3), np.float32)
        self.shade = np.ones((h, w), np.float32)
        self.skin = np.zeros((h, w), np.float32)  # 1 where bare face skin is on top

    def region(self, x0: float, y0: float, x1: float, y1: float, ox: float, oy: float):
        """Slices of a box, and broadcastable x/y pixel-centre coordinates relative to (ox, oy)."""
        ix0, iy0 = max(int(np.floor(x0)), 0), max(int(np.floor(y0)), 0)
        ix1, iy1 = min(int(np.ceil(x1)) + 1, self.w), min(int(np.ceil(y1)) + 1, self.h)
        if ix0 >= ix1 or iy0 >= iy1:
            return None
        xs = np.arange(ix0, ix1, dtype=np.float32)[None, :] + 0.5 - ox
        ys = np.arange(iy0, iy1, dtype=np.float32)[:, None] + 0.5 - oy
        return (slice(iy0, iy1), slice(ix0, ix1)), xs, ys

    def paint(self, sl, alpha, colour, shade=None, skin=None):
        """Paint albedo `colour` (RGB or per-pixel HxWx3), optionally a shade and a skin value."""
        a = np.broadcast_to(alpha, self.shade[sl].shape).astype(np.float32)
        if skin is not None:
            self.skin[sl] += (skin - self.skin[sl]) * a
        col = np.asarray(colour, np.float32)
        self.albedo[sl] += (col - self.albedo[sl]) * a[..., None]
        if shade is not None:
            self.shade[sl] += (np.asarray(shade, np.float32) - self.shade[sl]) * a

    def darken(self, sl, amount):
        """Multiply the shade by (1 - amount)."""
        self.shade[sl] *= 1.0 - np.broadcast_to(amount, self.shade[sl].shape).astype(np.float32)


def _lambert(nx, ny, nz, light_dir: float, contrast: float) -> np.ndarray:
    """Shade of a surface with normal (nx, ny, nz) in a key light from the side `light_dir`."""
    lx, ly, lz = light_dir, -0.35, 0.9
    n = (lx * lx + ly * ly + lz * lz) ** 0.5
    lam = (nx * lx + ny * ly + nz * lz) / n
    return (1.0 - contrast) + contrast * 1.25 * lam


# --------------------------------------------------------------------------------------------


@dataclass
class _Person:
    """Everything about a face that comes from the seed, drawn in one fixed order."""

    face_w: float
    jaw_taper: float
    eye_y: float
    eye_dx: float
    eye_w: float
    eye_h: float
    brow_gap: float
    brow_thick: float
    brow_arch: float
    nose_y: float
    nose_w: float
    mouth_y: float
    mouth_w: float
    lip_h: float
    smile: float
    hair_style: str
    hairline: float
    hair_side: float
    hair_tilt: float
    hair_volume: float
    clothing_style: str
    shirt: tuple
    shoulder_w: float
    shoulder_slope: float
    neck_w: float
    iris: tuple
    glasses: bool
    skin_jitter: np.ndarray
    tilt: float
    pose: np.ndarray  # (dx, dy, scale, body shift): how a sitter lands in the frame


def _person(seed: int, skin) -> _Person:
    rng = np.random.default_rng([seed, 1])
    u = rng.uniform
    dark = sum(skin) / 3 < 140
    iris_pool = _IRIS[:3] + _IRIS[5:] if dark else _IRIS
    styles = ("short", "short", "medium", "long", "long", "bun", "buzz", "curly", "bob")
    return _Person(
        face_w=u(0.68, 0.80),
        jaw_taper=u(0.05, 0.30),
        eye_y=u(-0.075, -0.04),
        eye_dx=u(0.16, 0.195),
        eye_w=u(0.125, 0.145),
        eye_h=u(0.40, 0.50),
        brow_gap=u(0.075, 0.10),
        brow_thick=u(0.016, 0.030),
        brow_arch=u(0.008, 0.025),
        nose_y=u(0.12, 0.16),
        nose_w=u(0.09, 0.13),
        mouth_y=u(0.255, 0.29),
        mouth_w=u(0.16, 0.22),
        lip_h=u(0.020, 0.034),
        smile=u(-0.2, 1.0),
        hair_style=styles[int(rng.integers(len(styles)))],
        hairline=u(0.12, 0.20),
        hair_side=u(0.20, 0.32),
        hair_tilt=u(-1.0, 1.0),
        hair_volume=u(0.9, 1.15),
        clothing_style=("suit", "suit", "shirt", "crew", "vneck")[int(rng.integers(5))],
        shirt=_SHIRTS[int(rng.integers(len(_SHIRTS)))],
        shoulder_w=u(1.0, 1.2),
        shoulder_slope=u(0.20, 0.30),
        neck_w=u(0.19, 0.23),
        iris=iris_pool[int(rng.integers(len(iris_pool)))],
        glasses=bool(rng.random() < 0.22),
        skin_jitter=rng.uniform(0.95, 1.05, 3),
        tilt=u(-0.03, 0.03),
        pose=np.array([u(-0.025, 0.025), u(-0.015, 0.015), u(0.95, 1.05), u(-0.12, 0.12)]),
    )


def chin_y(spec: PortraitSpec) -> float:
    """Where `render_portrait(spec)` puts the chin, in pixels from the top (the face's height
    with the sitting's jitter, from the same seed)."""
    p = _person(spec.seed, spec.skin)
    F = float(spec.head_scale) * spec.height * float(p.pose[2])
    return (spec.head_center[1] + float(p.pose[1])) * spec.height + F / 2


def render_portrait(spec: PortraitSpec) -> Image.Image:
    """Render `spec` as an RGB head-and-shoulders portrait (deterministic for a given spec)."""
    W, H = int(spec.width), int(spec.height)
    if W < 16 or H < 16:
        raise ValueError(f"portrait size {W}x{H} is too small")
    p = _person(spec.seed, spec.skin)
    # No two sittings frame a person identically: a little seed-driven jitter around the spec.
    F = float(spec.head_scale) * H * float(p.pose[2])  # face height (hairline to chin), px
    cx = (spec.head_center[0] + float(p.pose[0])) * W
    cy = (spec.head_center[1] + float(p.pose[1])) * H
    ld, lc = float(np.clip(spec.light_direction, -1, 1)), float(max(spec.light_contrast, 0.0))
    skin0 = np.clip(np.asarray(spec.skin, np.float32), 0, 255)
    skin = np.clip(skin0 * p.skin_jitter.astype(np.float32), 0, 255)
    hair = np.asarray(spec.hair, np.float32)
    cloth = np.asarray(spec.clothing, np.float32)
    aa = max(1.0, F / 300.0)  # edge softness scales a little with size

    cv = _Canvas(W, H)
    b = F / 2
    a = b * p.face_w

    _backdrop(cv, spec, cx, cy)
    _hair_back(cv, p, hair, cx, cy, a, b, F, ld, lc, aa)
    _neck(cv, p, skin, cx, cy, a, F, ld, lc, aa)
    _clothing(cv, p, skin, cloth, cx + float(p.pose[3]) * F, cy, F, ld, lc, aa)
    _ears(cv, p, skin, cx, cy, a, F, ld, lc, aa)
    _face(cv, p, skin, cx, cy, a, b, F, ld, lc, aa)
    if spec.smile is not None:
        p.smile = float(spec.smile)
    expression = (float(np.clip(spec.eyes_open, 0, 1)), float(np.clip(spec.mouth_open, 0, 1)))
    highlights = _features(cv, p, skin, hair, cx, cy, a, F, ld, aa, spec.catchlights, expression)
    _hair_front(cv, p, hair, cx, cy, a, b, F, ld, lc, aa)
    if p.glasses:
        _glasses(cv, p, cx, cy, F, aa)

    img = cv.albedo * cv.shade[..., None]
    for sl, alpha, level, skin_only in highlights:
        if skin_only:  # not where hair or glasses were drawn over the face afterwards
            alpha = alpha * cv.skin[sl]
        img[sl] += (level - img[sl]) * alpha[..., None]
    if spec.noise > 0:
        rng = np.random.default_rng([spec.seed, 2])
        lum = rng.standard_normal((H, W, 1), dtype=np.float32)
        chroma = rng.standard_normal((H, W, 3), dtype=np.float32)
        img += float(spec.noise) * (0.85 * lum + 0.5 * chroma)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(out, "RGB")


# --------------------------------------------------------------------------------------------
# Layers


def _backdrop(cv: _Canvas, spec: PortraitSpec, cx: float, cy: float) -> None:
    W, H = cv.w, cv.h
    g = float(max(spec.backdrop_gradient, 0.0))
    cv.albedo[:] = np.asarray(spec.backdrop, np.float32)
    if g == 0:
        return
    xs = (np.arange(W, dtype=np.float32)[None, :] + 0.5) / W * 2 - 1
    ys = (np.arange(H, dtype=np.float32)[:, None] + 0.5) / H * 2 - 1
    # A soft pool of light behind the head, falling off to the corners, brighter on the lit side.
    rx = xs - (cx / W * 2 - 1) * 0.5
    ry = ys - (cy / H * 2 - 1) * 0.5 + 0.1
    r2 = rx * rx + ry * ry
    cv.shade[:] = 1.0 + g * (0.35 - 0.55 * r2 + 0.35 * xs * np.clip(spec.light_direction, -1, 1))


def _hair_shape(p: _Person, x, y, a, b, F):
    """Signed distance to the back hair mass (head-centred coordinates)."""
    v = p.hair_volume
    top = ch = -0.10 * F
    if p.hair_style == "buzz":
        return _ellipse_d(x, y - (-0.06 * F), a * 1.02, b * 0.95 * 0.93), -0.06 * F
    if p.hair_style == "curly":
        ang = np.arctan2(y - ch, x)
        wob = 1 + 0.035 * np.sin(ang * 11 + p.hair_tilt * 3)
        d = _ellipse_d(x / wob, (y - ch) / wob, a * 1.32 * v, 0.58 * F * v)
        return d, ch
    d = _ellipse_d(x, y - top, a * 1.10 * v, 0.47 * F * v)
    if p.hair_style == "medium":
        d = np.minimum(d, _ellipse_d(x, y - 0.05 * F, a * 1.22 * v, 0.42 * F))
    elif p.hair_style == "bob":
        d = np.minimum(d, _superellipse_d(x, y - 0.02 * F, a * 1.22 * v, 0.34 * F, 4.0))
    elif p.hair_style == "long":
        d = np.minimum(d, _superellipse_d(x, y - 0.30 * F, a * 1.24 * v, 0.62 * F, 3.0))
    elif p.hair_style == "bun":
        d = np.minimum(d, _ellipse_d(x, y - (-0.60 * F), 0.17 * F, 0.14 * F))
    return d, top


def _hair_albedo(p: _Person, hair, x, y, F, ld):
    ang = np.arctan2(y + 0.2 * F, x + 1e-3)
    streak = 1 + 0.07 * np.sin(ang * 90 + 7 * np.sin(ang * 9 + p.hair_tilt))
    return hair * streak[..., None]


def _hair_back(cv, p, hair, cx, cy, a, b, F, ld, lc, aa):
    r = cv.region(cx - 1.7 * a, cy - 0.95 * F, cx + 1.7 * a, cy + 1.0 * F, cx, cy)
    if r is None:
        return
    sl, x, y = r
    d, ch = _hair_shape(p, x, y, a, b, F)
    alpha = _ramp(d, 1.5 * aa)
    nx = np.clip(x / (1.3 * a), -1, 1)
    shade = _lambert(nx, -0.3, np.sqrt(np.clip(1 - nx * nx, 0, 1)), ld, lc * 0.8) * 0.92
    # Hair next to the face is in the head's shadow, which outlines the face even when hair and
    # skin are alike in tone.
    near = np.exp(-np.maximum(_ellipse_d(x, y, a, b), 0) / (0.05 * F))
    shade = shade * (1 - 0.25 * near)
    col = _hair_albedo(p, hair, x, y, F, ld)
    if p.hair_style == "buzz":
        col = col * 0.6
    cv.paint(sl, alpha, col, shade)


def _neck(cv, p, skin, cx, cy, a, F, ld, lc, aa):
    nw = p.neck_w * F
    r = cv.region(cx - nw - 2, cy + 0.2 * F, cx + nw + 2, cy + 1.2 * F, cx, cy)
    if r is None:
        return
    sl, x, y = r
    d = np.maximum(np.abs(x) - nw, np.abs(y - 0.7 * F) - 0.5 * F)
    alpha = _ramp(d, aa)
    nx = np.clip(x / nw, -1, 1)
    # The neck sits in the head's shadow: darker and flatter than the face.
    shade = _lambert(nx * 0.5, 0.0, np.sqrt(1 - 0.25 * nx * nx), ld, lc * 0.6) * 0.82
    shade = shade * (0.8 + 0.2 * _smooth(0.45 * F, 0.9 * F, y))  # shadow under the jaw
    cv.paint(sl, alpha, skin * 0.96, shade)


def _clothing(cv, p, skin, cloth, cx, cy, F, ld, lc, aa):
    sy = cy + 0.66 * F  # neck base
    sw = p.shoulder_w * F
    bb = 1.05 * F
    nw = p.neck_w * F
    r = cv.region(cx - sw - 2, sy - 2, cx + sw + 2, cv.h, cx, sy)
    if r is None:
        return
    sl, x, y = r
    # Shoulders: a line sloping down from the neck (trapezius), cut by a wide superellipse that
    # rounds the shoulder points and runs straight down to the frame.
    ax = np.abs(x)
    s = np.clip((ax - 0.7 * nw) / (sw - 0.7 * nw), 0, 1)
    top = 0.02 * F + p.shoulder_slope * F * s ** 1.4
    n = 2.4
    yc = y - 0.6 * F
    k = (ax / sw) ** n + (np.abs(np.minimum(yc, 0)) / (0.6 * F)) ** n
    d = np.maximum((k ** (1 / n) - 1) * sw * 0.5, top - y)
    body = _ramp(d, 1.5 * aa)
    nx = np.clip(x / sw, -1, 1)
    ny = np.clip((y - bb) / bb, -1, 0)
    nz = np.sqrt(np.clip(1 - nx * nx - ny * ny * 0.5, 0.05, 1))
    shade = _lambert(nx, ny, nz, ld, lc) * 0.95
    style = p.clothing_style
    # The neckline: a V (suit, v-neck) or a round opening (crew) that shows skin or shirt.
    if style in ("suit", "vneck"):
        depth = (0.62 if style == "suit" else 0.42) * F
        half = nw * (1.25 if style == "suit" else 1.1)
        v_d = (np.abs(x) - half * (1 - y / depth)) * 0.9
        opening = _ramp(np.maximum(v_d, y - depth), aa)
    elif style == "crew":
        opening = _ramp(_ellipse_d(x, y + 0.02 * F, nw * 1.05, 0.16 * F), aa)
    else:  # shirt with a collar
        opening = _ramp(np.maximum((np.abs(x) - nw * 0.9 * (1 - y / (0.3 * F))) * 0.9, y - 0.3 * F), aa)
    cv.paint(sl, body * (1 - opening), cloth, shade)
    if style == "suit":
        # Shirt inside the V, with its own small open collar showing skin.
        shirt = body * opening
        cv.paint(sl, shirt, np.asarray(p.shirt, np.float32), shade * 1.02)
        skin_v = _ramp(np.maximum((np.abs(x) - nw * 0.55 * (1 - y / (0.22 * F))) * 0.9, y - 0.22 * F), aa)
        cv.paint(sl, shirt * skin_v, skin * 0.9, shade * 0.85)
        # Lapel edges: a thin darker line along the V.
        edge = np.clip(1 - np.abs(np.abs(x) - nw * 1.25 * (1 - y / (0.62 * F))) / (0.012 * F), 0, 1)
        cv.darken(sl, 0.35 * edge * body * (y < 0.62 * F) * (y > 0.02 * F))
    elif style == "shirt":
        collar = np.clip(1 - np.abs(np.abs(x) - nw * 0.9 * (1 - y / (0.3 * F))) / (0.01 * F), 0, 1)
        cv.paint(sl, body * opening, skin * 0.9, shade * 0.85)
        cv.darken(sl, 0.3 * collar * (y < 0.3 * F) * body)
    else:
        cv.paint(sl, body * opening, skin * 0.93, shade * 0.85)


def _ears(cv, p, skin, cx, cy, a, F, ld, lc, aa):
    for side in (-1, 1):
        ex, ey = cx + side * a * 0.95, cy + (p.eye_y + 0.09) * F
        r = cv.region(ex - 0.08 * F, ey - 0.14 * F, ex + 0.08 * F, ey + 0.14 * F, ex, ey)
        if r is None:
            continue
        sl, x, y = r
        alpha = _ramp(_ellipse_d(x, y, 0.05 * F, 0.11 * F), aa)
        shade = _lambert(side * 0.5, 0.0, 0.85, ld, lc) * 0.95
        cv.paint(sl, alpha, skin * 0.93, shade)
        inner = _ramp(_ellipse_d(x - side * 0.01 * F, y, 0.022 * F, 0.07 * F), 2 * aa)
        cv.darken(sl, 0.08 * inner)


def _face(cv, p, skin, cx, cy, a, b, F, ld, lc, aa):
    r = cv.region(cx - a - 3, cy - b - 3, cx + a + 3, cy + b + 3, cx, cy)
    if r is None:
        return
    sl, x, y = r
    t = y / b
    w = 1 - p.jaw_taper * np.clip(t, 0, 1) ** 1.5
    u = x / (a * w)
    k = np.sqrt(u * u + t * t)
    d = (k - 1) * a * w
    alpha = _ramp(d, 1.2 * aa)
    rr = np.clip(u * u + t * t, 0, 1)
    nz = np.sqrt(1 - rr)
    shade = _lambert(u, t * 0.7, nz, ld, lc)
    shade = shade * (0.86 + 0.14 * np.sqrt(nz))
    cv.paint(sl, alpha, skin, shade, skin=1.0)


def _features(cv, p, skin, hair, cx, cy, a, F, ld, aa, catchlights, expression=(1.0, 0.0)):
    """Eyes, brows, nose, mouth. Returns catch-light layers, applied after shading.
    `expression` = (eyes open 0-1, mouth open 0-1)."""
    eyes_open, mouth_open = expression
    highlights = []
    dark_skin = float(skin.mean()) < 140
    lid = np.array((28, 20, 18), np.float32)
    brow_col = hair * 0.45 + np.array((45, 35, 30), np.float32) * 0.55
    brow_col = np.minimum(brow_col, skin * 0.42)
    ey = cy + p.eye_y * F
    ew, eh = p.eye_w * F, p.eye_w * p.eye_h * F
    ri = 0.26 * ew
    for side in (-1, 1):
        ex = cx + side * p.eye_dx * F
        oy = ey + side * p.tilt * F
        # Eye socket: a soft shadow from the brow to below the eye (what Haar keys on).
        r = cv.region(ex - 0.2 * F, oy - 0.15 * F, ex + 0.2 * F, oy + 0.12 * F, ex, oy)
        if r is None:
            continue
        sl, x, y = r
        sock = _bump(x, y + 0.02 * F, 0.18 * F, 0.11 * F)
        cv.darken(sl, 0.45 * sock)
        # Brow.
        bl = ew * 0.75
        xb = x - side * 0.01 * F
        ub = np.clip(xb / bl, -1.3, 1.3)
        ycurve = -p.brow_gap * F - p.brow_arch * F * (1 - (ub + side * 0.2) ** 2)
        thick = p.brow_thick * F * (1 - 0.45 * np.clip(side * ub, 0, 1)) * 0.5
        bd = np.maximum(np.abs(y - ycurve) - thick, np.abs(xb) - bl)
        cv.paint(sl, _ramp(bd, 1.5 * aa) * 0.92, brow_col)
        # Eye: an almond of sclera, a crease above it.
        ue = np.clip(x / (ew / 2), -1, 1)
        # closing the eye lowers the upper lid onto the lower one
        up = eh * 0.58 * (1 - ue * ue) ** 0.6 * max(eyes_open, 0.02)
        lo = eh * 0.42 * (1 - ue * ue) ** 0.8 * (0.3 + 0.7 * eyes_open)
        ed = np.maximum(np.maximum(y - lo, -y - up), np.abs(x) - ew / 2)
        eye = _ramp(ed, aa)
        crease = np.exp(-(((-y - up - 0.35 * eh) / (0.08 * eh)) ** 2)) * (1 - ue * ue)
        cv.darken(sl, 0.18 * crease * (1 - eye))
        # In a photo the whites of the eyes sit in shadow: never much brighter than the skin.
        sclera = np.minimum(np.array((212, 205, 198), np.float32), skin * 1.25 + 60)
        cv.paint(sl, eye, sclera)
        cv.darken(sl, 0.25 * eye * np.clip(1 - (y + up) / (0.7 * eh), 0, 1))  # lid shadow
        # Iris, pupil, then the lash line on top.
        gx = 0.0
        irr = np.sqrt((x - gx) ** 2 + y ** 2)
        iris_a = _ramp(irr - ri, aa) * eye
        ring = np.clip(irr / ri, 0, 1)
        iris_col = np.asarray(p.iris, np.float32) * (1.15 - 0.45 * ring[..., None] ** 3)
        cv.paint(sl, iris_a, iris_col)
        cv.paint(sl, _ramp(irr - 0.42 * ri, aa) * eye, (12, 10, 10))
        lash = np.abs(-y - up) - (0.13 * eh + 0.08 * eh * (1 - ue * ue))
        lash_a = _ramp(np.maximum(lash, np.abs(x) - ew / 2 * 1.06), aa)
        cv.paint(sl, lash_a, lid)
        low = np.abs(y - lo) - 0.03 * eh
        cv.paint(sl, _ramp(np.maximum(low, np.abs(x) - ew / 2), aa) * 0.45, lid)
        if catchlights:
            hx = gx + (ld if abs(ld) > 0.05 else -0.4) * 0.45 * ri
            cd = np.sqrt((x - hx) ** 2 + (y + 0.4 * ri) ** 2) - 0.2 * ri
            highlights.append((sl, _ramp(cd, 0.8 * aa) * eye * 0.95, 250.0, False))
    # Nose: shadow down the far side of the bridge, shadow under the tip, nostrils, tip highlight.
    ny = cy + p.nose_y * F
    nw = p.nose_w * F
    r = cv.region(cx - 0.12 * F, ey, cx + 0.12 * F, ny + 0.06 * F, cx, ny)
    if r is not None:
        sl, x, y = r
        far = 1.0 if ld <= 0 else -1.0
        along = _smooth(ey - ny, ey - ny + 0.08 * F, y) * (y < 0.01 * F)
        band = np.exp(-(((x - far * 0.40 * nw) / (0.14 * nw)) ** 2)) * along
        near = np.exp(-(((x + far * 0.40 * nw) / (0.14 * nw)) ** 2)) * along
        cv.darken(sl, (0.10 + 0.14 * abs(ld)) * band + 0.06 * near)
        under = _bump(x, y - 0.035 * F, 1.0 * nw, 0.036 * F)
        cv.darken(sl, 0.28 * under)
        for s in (-1, 1):
            nd = _ellipse_d(x - s * 0.24 * nw, y - 0.018 * F, 0.12 * nw, 0.05 * nw)
            cv.paint(sl, _ramp(nd, 1.5 * aa) * 0.85, skin * 0.35)
        tip = _bump(x, y + 0.01 * F, 0.45 * nw, 0.055 * F)
        cv.darken(sl, -0.06 * tip)
    # Sheen: the forehead, the bridge of the nose and the cheekbones catch the light (this is
    # what keeps the eye band darker than its surroundings on dark skin, as in real photos).
    r = cv.region(cx - a, cy - 0.45 * F, cx + a, cy + 0.2 * F, cx, cy)
    if r is not None:
        sl, x, y = r
        spots = [(0.0, -0.30 * F, 0.16 * F, 0.08 * F, 0.10), (0.0, (p.eye_y + p.nose_y) * 0.5 * F,
                 0.025 * F, 0.09 * F, 0.12)]
        for s in (-1, 1):
            spots.append((s * p.eye_dx * F * 1.05, (p.eye_y + 0.10) * F, 0.08 * F, 0.045 * F, 0.10))
        glow = np.zeros(np.broadcast_shapes(x.shape, y.shape), np.float32)
        for sx, sy, rx, ry, amt in spots:
            glow += amt * _bump(x - sx, y - sy, 1.8 * rx, 1.8 * ry)
        cv.darken(sl, -glow)
        highlights.append((sl, glow * 1.2 * (1 - float(skin.mean()) / 255), 235.0, True))
    # Mouth: lips (upper a touch darker), the line between them, a shadow under the lower lip.
    my = cy + p.mouth_y * F
    mw = p.mouth_w * F / 2
    lip_col = skin * 0.72 + np.array((150, 55, 60) if not dark_skin else (90, 40, 40), np.float32) * 0.28
    r = cv.region(cx - 1.3 * mw, my - 0.06 * F, cx + 1.3 * mw, my + (0.08 + 0.09 * mouth_open) * F, cx, my)
    if r is not None:
        sl, x, y = r
        um = np.clip(x / mw, -1, 1)
        curve = -p.smile * 0.012 * F * um * um
        lh = p.lip_h * F
        gap = mouth_open * 0.09 * F * (1 - um * um) ** 0.7  # the lower lip drops when the mouth opens
        upper = np.maximum(np.maximum(-(y - curve) - lh * 0.8 * (1 - um * um) ** 0.5, y - curve),
                           np.abs(x) - mw)
        yl = y - curve - gap
        lower = np.maximum(np.maximum(yl - lh * (1 - um * um) ** 0.5, -yl), np.abs(x) - mw * 0.92)
        if mouth_open > 0:  # the dark inside of the mouth between the lips
            inside = np.maximum(np.maximum(-(y - curve), yl), np.abs(x) - mw * 0.95)
            cv.paint(sl, _ramp(inside, aa), (40, 18, 20))
        cv.paint(sl, _ramp(upper, aa), lip_col * 0.9)
        cv.paint(sl, _ramp(lower, aa), lip_col)
        line = np.abs(y - curve) - 0.004 * F
        cv.paint(sl, _ramp(np.maximum(line, np.abs(x) - mw * 1.02), aa) * 0.9, lip_col * 0.5)
        chin_sh = _bump(x, yl - lh * 1.35, 1.2 * mw, 0.022 * F)
        cv.darken(sl, 0.15 * chin_sh)
    return highlights


def _hair_front(cv, p, hair, cx, cy, a, b, F, ld, lc, aa):
    if p.hair_style == "buzz":
        extra = 0.0
    else:
        extra = 1.0
    r = cv.region(cx - 1.4 * a, cy - 0.95 * F, cx + 1.4 * a, cy + 0.2 * F, cx, cy)
    if r is None:
        return
    sl, x, y = r
    d, _ = _hair_shape(p, x, y, a, b, F)
    if p.hair_style in ("curly", "long", "medium", "bob"):
        d = np.maximum(d, _ellipse_d(x, y + 0.08 * F, a * 1.12, 0.5 * F))  # only the crown
    hl = cy - b + p.hairline * F - cy + p.hair_side * F * (x / a) ** 2 + p.hair_tilt * 0.05 * F * (x / a)
    if p.hair_style == "buzz":
        hl = hl - 0.04 * F
    d = np.maximum(d, y - hl)
    alpha = _ramp(d, 1.5 * aa)
    nx = np.clip(x / (1.2 * a), -1, 1)
    ny = np.clip((y + 0.3 * F) / (0.5 * F), -1, 1)
    nz = np.sqrt(np.clip(1 - nx * nx - 0.5 * ny * ny, 0.05, 1))
    shade = _lambert(nx, ny, nz, ld, lc * 0.9)
    col = _hair_albedo(p, hair, x, y, F, ld)
    if not extra:
        col = col * 0.6 + cv.albedo[sl] * 0.4
    cv.paint(sl, alpha, col, shade, skin=0.0)
    # The hair casts a thin shadow on the forehead just below the hairline.
    cv.darken(sl, 0.15 * np.exp(-(((y - hl) / (0.02 * F)) ** 2)) * (y > hl) * (np.abs(x) < a))


def _glasses(cv, p, cx, cy, F, aa):
    ey = cy + p.eye_y * F
    gw, gh = p.eye_w * F * 0.78, p.eye_w * F * 0.55
    frame = np.array((30, 28, 30), np.float32)
    th = 0.008 * F
    for side in (-1, 1):
        ex = cx + side * p.eye_dx * F
        r = cv.region(ex - gw - 4, ey - gh - 4, ex + gw + 4, ey + gh + 4, ex, ey + 0.01 * F)
        if r is None:
            continue
        sl, x, y = r
        n = 4.0
        k = (np.abs(x) / gw) ** n + (np.abs(y) / gh) ** n
        ring = np.abs(k ** (1 / n) - 1) * min(gw, gh) - th
        cv.paint(sl, _ramp(ring, aa), frame, skin=0.0)
    r = cv.region(cx - 0.2 * F, ey - 0.05 * F, cx + 0.2 * F, ey + 0.02 * F, cx, ey)
    if r is not None:
        sl, x, y = r
        half = p.eye_dx * F - gw
        bridge = np.maximum(np.abs(y + 0.01 * F - 0.02 * F * (x / half) ** 2) - th * 0.8, np.abs(x) - half - 2)
        cv.paint(sl, _ramp(bridge, aa), frame)

