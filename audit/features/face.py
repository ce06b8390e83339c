"""Face and framing: where the face sits in the frame, measured like OFIQ's geometric components.

Detection uses the Haar cascades that ship inside the `opencv-python-headless<5` wheel (no model
download), run on a copy whose short side is `DETECT_SHORT` px (a headshot face is still large
there, and the search time grows with the pixel count); the eyes are then searched for inside the
face box in the shared `MEDIUM_SIZE` copy, which has the detail they need.

Columns (all fractions are of the full frame; None when no face was found):
- `face_count`: faces found (the small ones, under a third of the largest face's height, are
  ignored: they are usually false detections in hair or clothing).
- `face_found`: at least one face.
- `face_x`, `face_y`, `face_w`, `face_h`: the main (largest) face box, as fractions of width/height.
- `head_size`: face-box height / image height (OFIQ's head size uses eye-to-chin; the Haar box
  runs from the eyebrows to the chin, so it tracks the same thing).
- `eye_chin`: eye midpoint to estimated chin / image height (OFIQ's ideal is about 0.45).
- `eye_line`: height of the eye midpoint, as a fraction from the top of the frame.
- `face_center_x`: horizontal centre of the face, 0.5 = centred.
- `margin_top`, `margin_bottom`, `margin_left`, `margin_right`: free space between the face box
  and each border.
- `crop_left`, `crop_right`: eye midpoint to each side border in units of inter-eye distance
  (OFIQ's left/right crop).
- `inter_eye_px`: distance between the eye centres in the *original* file's pixels (ICAO asks >= 90).
- `roll_deg`: head roll, degrees, positive = clockwise in the picture. Two estimates: the line
  through the eye centres (`eye_roll_deg`, OFIQ's definition; Haar eye boxes make it coarse, a
  few degrees) and the face's axis of mirror symmetry (`sym_roll_deg`: the angle at which the
  face crop best matches its mirror image; steady on frontal faces, lost on a three-quarter
  view). When both exist and agree within `ROLL_AGREE_DEG`, their mean; when they disagree, the
  eyes; without eyes, the symmetry axis unless its best angle is at the search limit; else None.
- `eye_roll_deg`, `sym_roll_deg`: the two estimates (None when not available).
- `eyes_found`: both eyes were found; otherwise eye positions are estimated from the face box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .decode import Decoded

DETECT_SHORT = 200
DETECT_LONG_MAX = 1024
# Smallest face searched for, as a share of the short side: a headshot face is far larger, and
# every halving of the smallest size roughly doubles the search time.
MIN_FACE_SHARE = 0.12
# alt2 gave the steadiest boxes and found every face of our synthetic test sets without
# histogram equalisation; the default cascade is tried when alt2 finds nothing.
FACE_CASCADE = "haarcascade_frontalface_alt2.xml"
FALLBACK_CASCADE = "haarcascade_frontalface_default.xml"
# Eye-line and symmetry roll estimates closer than this are averaged; otherwise the eyes win.
ROLL_AGREE_DEG = 8.0
# When no upright face is found, the frame is also searched turned by this many degrees each way.
TURN_DEG = 20.0
# Faces smaller than this share of the largest face do not count (false detections, posters).
MIN_FACE_RATIO = 0.33
# Where the eyes sit in a Haar frontal-face box, used when the eye cascade finds no pair.
_EYE_Y_IN_BOX = 0.40
_EYE_X_IN_BOX = (0.31, 0.69)
# Chin below the Haar box bottom, in box heights (the box ends around the lower lip / chin).
_CHIN_BELOW_BOX = 0.05

_cascades: dict[str, Any] = {}


def _cascade(name: str) -> Any:
    if name not in _cascades:
        c = cv2.CascadeClassifier(cv2.data.haarcascades + name)
        if c.empty():
            raise RuntimeError(f"OpenCV Haar cascade {name} not found (opencv-python-headless<5 needed)")
        _cascades[name] = c
    return _cascades[name]


@dataclass
class FaceGeometry:
    """Detection result in working-image fractions (x by width, y by height)."""

    count: int
    box: tuple[float, float, float, float] | None  # x, y, w, h as fractions
    eyes: tuple[tuple[float, float], tuple[float, float]] | None  # (left, right) eye centres, fractions
    eyes_found: bool
    width: int  # size of the image the fractions refer to (working copy)
    height: int


def _detect_eyes(grey: np.ndarray, box: tuple[int, int, int, int]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Best eye pair inside the upper part of the face box, in detection pixels."""
    x, y, w, h = box
    top, bottom = y + int(0.15 * h), y + int(0.60 * h)
    roi = grey[top:bottom, x:x + w]
    if roi.size == 0:
        return None
    min_eye = max(6, int(w * 0.12))
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        roi, scaleFactor=1.08, minNeighbors=4, minSize=(min_eye, min_eye), maxSize=(int(w * 0.45), int(w * 0.45)))
    if len(found) < 2:
        return None
    centres = [(ex + ew / 2 + x, ey + eh / 2 + top, ew) for ex, ey, ew, eh in found]
    mid = x + w / 2
    left = [c for c in centres if c[0] < mid]
    right = [c for c in centres if c[0] >= mid]
    best, best_cost = None, math.inf
    for a in left:
        for b in right:
            dx, dy = b[0] - a[0], b[1] - a[1]
            if dx < 0.2 * w or dx > 0.75 * w or abs(dy) > 0.5 * dx:
                continue
            # prefer symmetric pairs of similar size at the expected height and spacing
            cost = (abs(dy) / dx + abs((a[0] + b[0]) / 2 - mid) / w + abs(dx / w - 0.38)
                    + abs(a[2] - b[2]) / w + abs((a[1] + b[1]) / 2 - (y + _EYE_Y_IN_BOX * h)) / h)
            if cost < best_cost:
                best, best_cost = ((a[0], a[1]), (b[0], b[1])), cost
    return best


def _detect_turned(grey: np.ndarray, min_face: int) -> list[tuple[int, int, int, int]]:
    """Faces found in the frame rotated by +-TURN_DEG, mapped back as upright boxes around the
    face centre (the cascades only find faces within about 15 degrees of upright)."""
    h, w = grey.shape
    for angle in (TURN_DEG, -TURN_DEG):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turned = cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        found = _cascade(FACE_CASCADE).detectMultiScale(turned, scaleFactor=1.1, minNeighbors=4,
                                                         minSize=(min_face, min_face))
        if len(found):
            back = cv2.invertAffineTransform(m)
            out = []
            for fx, fy, fw, fh in found:
                cx, cy = back @ np.array([fx + fw / 2, fy + fh / 2, 1.0])
                out.append((int(cx - fw / 2), int(cy - fh / 2), int(fw), int(fh)))
            return out
    return []


def detect(d: Decoded) -> FaceGeometry:
    """Faces and eyes of `d`, computed once per Decoded (look.py reuses it)."""
    cached = getattr(d, "_face_geometry", None)
    if cached is not None:
        return cached
    W, H = d.image.size
    # faces are searched for at a fixed short side (a headshot face is large there, and the
    # search time grows with the pixel count); eyes are then looked for in the medium copy
    eye_grey = d.medium_grey
    mh, mw = eye_grey.shape
    s = min(DETECT_SHORT / min(mh, mw), DETECT_LONG_MAX / max(mh, mw))  # a strip is not enlarged without end
    grey = eye_grey if abs(s - 1) < 0.02 else cv2.resize(
        eye_grey, (max(1, round(mw * s)), max(1, round(mh * s))),
        interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    sh, sw = grey.shape
    if s > 1:  # a small photo: the enlarged copy gives the eye cascade its 20 px window
        eye_grey, mh, mw = grey, sh, sw
    min_face = max(24, int(min(sw, sh) * MIN_FACE_SHARE))
    faces = _cascade(FACE_CASCADE).detectMultiScale(grey, scaleFactor=1.1, minNeighbors=4, minSize=(min_face, min_face))
    if len(faces) == 0:  # the other frontal cascade finds some faces the first misses
        faces = _cascade(FALLBACK_CASCADE).detectMultiScale(
            grey, scaleFactor=1.1, minNeighbors=5, minSize=(min_face, min_face))
    faces = [tuple(int(v) for v in f) for f in faces]
    if not faces:  # a strongly tilted head (or camera): try the frame turned both ways
        faces = _detect_turned(grey, min_face)
    if faces:
        largest = max(f[3] for f in faces)
        faces = [f for f in faces if f[3] >= MIN_FACE_RATIO * largest]
        # one face is sometimes found twice (a second box on the mouth and chin): a box whose
        # centre lies inside a larger box is the same face
        kept: list[tuple[int, int, int, int]] = []
        for f in sorted(faces, key=lambda f: -f[2] * f[3]):
            cx, cy = f[0] + f[2] / 2, f[1] + f[3] / 2
            if not any(k[0] <= cx <= k[0] + k[2] and k[1] <= cy <= k[1] + k[3] for k in kept):
                kept.append(f)
        faces = kept
    if not faces:
        geo = FaceGeometry(0, None, None, False, W, H)
    else:
        x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
        k = mw / sw  # detection -> medium pixels
        main = (round(x * k), round(y * k), round(w * k), round(h * k))
        pair = _detect_eyes(eye_grey, main)
        eyes_found = pair is not None
        if pair is None:
            ey = main[1] + _EYE_Y_IN_BOX * main[3]
            pair = ((main[0] + _EYE_X_IN_BOX[0] * main[2], ey), (main[0] + _EYE_X_IN_BOX[1] * main[2], ey))
        (lx, ly), (rx, ry) = pair
        geo = FaceGeometry(
            count=len(faces),
            box=(x / sw, y / sh, w / sw, h / sh),
            eyes=((lx / mw, ly / mh), (rx / mw, ry / mh)),
            eyes_found=eyes_found, width=W, height=H,
        )
    try:
        d._face_geometry = geo  # type: ignore[attr-defined]
    except AttributeError:  # a Decoded with __slots__ would refuse; then we just recompute
        pass
    return geo


_SYM_N = 64
_yy, _xx = np.mgrid[0:_SYM_N, 0:_SYM_N]
_SYM_MASK = (((_xx - _SYM_N / 2 + 0.5) / (0.42 * _SYM_N)) ** 2 + ((_yy - _SYM_N / 2 + 0.5) / (0.5 * _SYM_N)) ** 2) < 1
_SYM_ANGLES = np.arange(-30.0, 30.1, 2.0)


def symmetry_roll(grey: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Roll (degrees, clockwise positive) at which the face best matches its mirror image."""
    H, W = grey.shape
    x, y, w, h = box
    cx, cy = (x + w / 2) * W, (y + h / 2) * H
    side = 1.1 * max(w * W, h * H)
    grey = grey.astype(np.float32)
    s = _SYM_N / side
    to_crop = np.array([[s, 0, _SYM_N / 2 - s * cx], [0, s, _SYM_N / 2 - s * cy], [0, 0, 1]], np.float64)
    costs = []
    for a in _SYM_ANGLES:
        rot = np.vstack([cv2.getRotationMatrix2D((_SYM_N / 2, _SYM_N / 2), float(a), 1.0), [0, 0, 1]])
        crop = cv2.warpAffine(grey, (rot @ to_crop)[:2], (_SYM_N, _SYM_N), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        v = crop[_SYM_MASK]
        crop = (crop - v.mean()) / (v.std() + 1e-6)
        costs.append(float(np.abs(crop - crop[:, ::-1])[_SYM_MASK].mean()))
    c = np.array(costs)
    i = int(np.argmin(c))
    off = 0.0
    if 0 < i < len(c) - 1:
        den = c[i - 1] - 2 * c[i] + c[i + 1]
        if den > 0:
            off = 0.5 * (c[i - 1] - c[i + 1]) / den
    step = float(_SYM_ANGLES[1] - _SYM_ANGLES[0])
    # rotating the crop counter-clockwise by a makes it symmetric: the head is turned clockwise by a
    return float(_SYM_ANGLES[i] + off * step)


def _r(v: float, n: int = 4) -> float:
    return round(float(v), n)


EMPTY: dict[str, Any] = {
    "face_count": 0, "face_found": False, "face_x": None, "face_y": None, "face_w": None, "face_h": None,
    "head_size": None, "eye_chin": None, "eye_line": None, "face_center_x": None,
    "margin_top": None, "margin_bottom": None, "margin_left": None, "margin_right": None,
    "crop_left": None, "crop_right": None, "inter_eye_px": None, "roll_deg": None, "eye_roll_deg": None, "sym_roll_deg": None, "eyes_found": False,
}


def extract(d: Decoded) -> dict[str, Any]:
    geo = detect(d)
    if geo.box is None or geo.eyes is None:
        return dict(EMPTY)
    x, y, w, h = geo.box
    (lx, ly), (rx, ry) = geo.eyes
    W, H = geo.width, geo.height
    # eye geometry in working pixels (fractions are anisotropic when the frame is not square)
    dx_px, dy_px = (rx - lx) * W, (ry - ly) * H
    eye_dist_px = math.hypot(dx_px, dy_px)
    mid_x, mid_y = (lx + rx) / 2, (ly + ry) / 2
    chin = y + h * (1 + _CHIN_BELOW_BOX)
    orig_scale = d.original_size[0] / W if W else 1.0
    eye_w = max(eye_dist_px / W, 1e-6)  # inter-eye distance as a fraction of width
    eye_roll = math.degrees(math.atan2(dy_px, dx_px)) if geo.eyes_found else None
    sym = symmetry_roll(d.medium_grey, geo.box)
    if sym is not None and abs(sym) >= float(_SYM_ANGLES[-1]) - 1e-6:
        sym = None  # best at the search limit: not a frontal face, no axis found
    if eye_roll is not None and sym is not None:
        roll = (eye_roll + sym) / 2 if abs(eye_roll - sym) <= ROLL_AGREE_DEG else eye_roll
    else:
        roll = eye_roll if eye_roll is not None else sym
    return {
        "face_count": geo.count,
        "face_found": True,
        "face_x": _r(x), "face_y": _r(y), "face_w": _r(w), "face_h": _r(h),
        "head_size": _r(h),
        "eye_chin": _r(chin - mid_y),
        "eye_line": _r(mid_y),
        "face_center_x": _r(x + w / 2),
        "margin_top": _r(y), "margin_bottom": _r(1 - y - h),
        "margin_left": _r(x), "margin_right": _r(1 - x - w),
        "crop_left": _r(mid_x / eye_w, 2), "crop_right": _r((1 - mid_x) / eye_w, 2),
        "inter_eye_px": _r(eye_dist_px * orig_scale, 1),
        "roll_deg": None if roll is None else _r(roll, 2),
        "eye_roll_deg": None if eye_roll is None else _r(eye_roll, 2),
        "sym_roll_deg": None if sym is None else _r(sym, 2),
        "eyes_found": geo.eyes_found,
    }
