"""Faces and their 68 landmarks (dlib), and what the landmarks measure: pose, eyes, mouth, smile.

Why dlib: its HOG frontal-face detector is built into the `dlib-bin` wheel and its landmark and
face-descriptor models ship in the `face-recognition-models` wheel, so everything works offline,
on CPU, without a download. On the development photos a face is found in all 260 real photos,
against the Haar cascades' boxes that could not tell a face from a press wall's logos
(docs/consistency.md, section 1).

Detection is one pass of the HOG detector over a grey copy whose short side is `DETECT_SHORT` px:
dlib scans a pyramid downward from the copy it is given, so every face from ~60 px there (about a
fifth of the short side: a head-and-shoulders portrait, even an uncropped camera frame) up to
the whole frame is found at once. A photo where no face scores above 0 is searched again at twice
the size (small faces), its weak candidates are looked at again centred on their landmarks
(`second_look`) or taken when their landmarks fit, and last the frame is turned by +-`TURN_DEG`.
Landmarks are fitted on the full working copy (the shape predictor's cost, ~2.5 ms for 68
points, does not depend on the image's size, and the eyes need the detail), from a box that the
5-point model centres on the face (`_fit`).

A detection counts as a face only when its landmarks fit: the shape predictor always returns 68
points, even on a logo; the points fit a face when the eyes, brows and mouth line they mark are
darker than the skin between them (`feature_contrast`), as they are in any lit face.

Coordinates are working-copy pixels (x right, y down). Pose angles are degrees:
- `yaw`: positive = the face turned towards the picture's right (the person's left);
- `pitch`: positive = chin up;
- `roll`: positive = head tilted clockwise in the picture.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .decode import Decoded, shrink

# Short side of the detection copy: the detector's window is 80 px and it still finds faces of
# ~60 px, so a face a fifth of the short side tall is found in the first pass. (At 270 px, 3 of
# the speed benchmark's 40 camera frames, faces 22% of the short side, needed the second pass; at
# 280 none. Each 10% more costs ~20% more CPU.)
DETECT_SHORT = 280
DETECT_LONG_MAX = 1024
# A face tilted further than the HOG detector's ~+-25 degrees is looked for in the frame turned.
TURN_DEG = 30.0
# Detector score down to which a candidate is considered when none scores above 0 (the detector
# must call it a face on a second look, or its landmarks must fit). A portrait blurred by 1% of
# its height scores -0.5 to -0.85 (development photos d0490, d0166), a sharp one 0 to 2.5.
WEAK_SCORE = -1.0
# Most weak candidates tried (best first) before the photo is called faceless.
MAX_WEAK = 4
# Size, in pixels, at which `second_look` shows the detector a weak candidate again.
RECHECK_PX = 96
# Faces smaller than this share of the largest face's height do not count (posters, crowds).
MIN_FACE_RATIO = 0.33
# When landmarks fit a face (see find_faces; figures from the development photos in
# docs/consistency.md): the points move less than this many inter-eye distances when their box
# moves by 15% (real faces: median 0.07, 95% under 0.29; boxes on backdrops: 95% over 0.30) ...
MAX_STABILITY = 0.30
# ... and the eyes, brows and lip line are darker than the skin by this many grey-level standard
# deviations of the face (real faces: 99% over 0.5).
MIN_FEATURE_CONTRAST = 0.5
# The face box from the 5-point model (`_canonical_box5`): the centre's offset below the 5 points'
# centroid, across the eye line, and the half-side, in RMS radii of the 5 points (medians over
# 254 development photos' faces of the box `_canonical_box` gives their 68 points; interquartile
# ranges 0.07 and 0.13; along the eye line the offset is 0.01, so none).
BOX5_DOWN, BOX5_HALF = 0.54, 2.17

# The 68-point scheme (iBUG 300-W): jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67.
JAW, BROWS, NOSE = slice(0, 17), slice(17, 27), slice(27, 36)
EYE_L, EYE_R = slice(36, 42), slice(42, 48)  # the eye on the picture's left / right
MOUTH_OUT, MOUTH_IN = slice(48, 60), slice(60, 68)

# A generic 3-D face (millimetres; x right, y down, z away from the camera; origin at the nose
# tip) for the points a pose needs: nose tip, chin, outer eye corners, mouth corners, plus the
# nose bridge and inner eye corners for stability. Average adult proportions, symmetric, so a
# mirrored photo gives the mirrored pose.
_MODEL_IDX = [30, 8, 36, 45, 39, 42, 48, 54, 27]
_MODEL_3D = np.array([
    (0.0, 0.0, 0.0),          # 30 nose tip
    (0.0, 63.6, 12.5),        # 8 chin (menton)
    (-43.3, -32.7, 26.0),     # 36 outer corner of the picture-left eye
    (43.3, -32.7, 26.0),      # 45 outer corner of the picture-right eye
    (-14.0, -31.0, 22.0),     # 39 inner corner, picture-left eye
    (14.0, -31.0, 22.0),      # 42 inner corner, picture-right eye
    (-28.9, 28.9, 24.1),      # 48 mouth corner, picture left
    (28.9, 28.9, 24.1),       # 54 mouth corner, picture right
    (0.0, -33.0, 18.0),       # 27 top of the nose bridge
], np.float64)


class ModelsMissing(RuntimeError):
    """dlib or its model files are not installed (the `dlib-bin` and `face-recognition-models` wheels)."""


def model_path(name: str) -> Path:
    """Path of a model file shipped in the `face-recognition-models` wheel.

    The package's own helpers import `pkg_resources` (gone from recent setuptools), so the file is
    located from the package's folder without importing it."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing("face-recognition-models is not installed (pip install face-recognition-models)")
    p = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not p.is_file():
        raise ModelsMissing(f"model file {name} missing from face-recognition-models")
    return p


_models: dict[str, Any] = {}

# dlib's own frontal face detector, as `dlib.get_frontal_face_detector()` returns it, saved in dlib's
# format (`scripts/save_face_detector.py`; a test checks it is still the one dlib builds).
DETECTOR_FILE = Path(__file__).resolve().parent.parent / "models" / "frontal_face_detector.svm"


def _frontal_face_detector(dlib: Any) -> Any:
    """dlib's frontal face detector, read from the saved copy. `get_frontal_face_detector()`
    rebuilds it from text compiled into dlib, which takes ~0.9 s, the saved copy ~3 ms; every
    cold audit waits for it before its first photo. Without the file, dlib builds it."""
    try:
        return dlib.fhog_object_detector(str(DETECTOR_FILE))
    except (RuntimeError, OSError):
        return dlib.get_frontal_face_detector()


def load_models(identity: bool = False) -> None:
    """Load the models every photo needs (and the face descriptor's with `identity`) now. Called
    before the workers fork, so they inherit them: loaded in each worker instead, two workers
    took ~1.9 s each to their first photo, against ~1.1 s for one load on its own."""
    for name in ("detector", "shape68", "shape5") + (("descriptor",) if identity else ()):
        _model(name)


def _model(name: str) -> Any:
    """dlib objects, loaded once per process (the 68-point model takes ~0.5 s to read)."""
    if name not in _models:
        try:
            import dlib
        except ImportError as exc:
            raise ModelsMissing("dlib is not installed (pip install dlib-bin)") from exc
        if name == "detector":
            _models[name] = _frontal_face_detector(dlib)
        elif name == "shape68":
            _models[name] = dlib.shape_predictor(str(model_path("shape_predictor_68_face_landmarks.dat")))
        elif name == "shape5":
            _models[name] = dlib.shape_predictor(str(model_path("shape_predictor_5_face_landmarks.dat")))
        elif name == "descriptor":
            _models[name] = dlib.face_recognition_model_v1(str(model_path("dlib_face_recognition_resnet_model_v1.dat")))
        else:
            raise KeyError(name)
    return _models[name]


@dataclass
class Face:
    """One face: its 68 landmarks in working-copy pixels and how it was found."""

    points: np.ndarray  # (68, 2) float
    score: float  # HOG detection score (higher = more face-like)
    turned: float = 0.0  # degrees the frame was turned to find it (0 = upright)
    stability: float | None = None  # landmark_stability, when it was checked
    contrast: float | None = None  # feature_contrast of the landmarks, when it was checked

    @property
    def box(self) -> tuple[float, float, float, float]:
        """x, y, w, h in pixels: jaw line left to right, top of the brows to the chin."""
        p = self.points
        x0, x1 = p[JAW, 0].min(), p[JAW, 0].max()
        y0, y1 = p[BROWS, 1].min(), p[JAW, 1].max()
        return float(x0), float(y0), float(x1 - x0), float(y1 - y0)

    @property
    def eyes(self) -> tuple[np.ndarray, np.ndarray]:
        return self.points[EYE_L].mean(axis=0), self.points[EYE_R].mean(axis=0)


def _detect_grey(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The detection copy of `grey` and its scale (detection px per working px). Reduced by
    pixel-area averaging with an exact integer step first (`decode.shrink`: alias-free, and a
    third of the cost of one arbitrary-ratio step)."""
    h, w = grey.shape
    s = min(DETECT_SHORT / min(h, w), DETECT_LONG_MAX / max(h, w))
    if abs(s - 1) < 0.02:
        return grey, 1.0
    if s < 1:
        small = shrink(grey, max(1, round(max(h, w) * s)))
    else:
        small = cv2.resize(grey, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_LINEAR)
    return small, small.shape[0] / h


# Landmark i of a face is landmark MIRROR[i] of its mirror image (iBUG 68-point scheme).
MIRROR = np.array(list(range(16, -1, -1)) + list(range(26, 16, -1)) + [27, 28, 29, 30, 35, 34, 33, 32, 31]
                  + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40]
                  + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65])
# The 5-point model's points: picture-right eye outer and inner corner, picture-left eye outer and
# inner corner, bottom of the nose; and the same mirror map for them.
MIRROR5 = np.array([2, 3, 0, 1, 4])


def _shape(grey: np.ndarray, rect: Any, mirror: bool = False, model: str = "shape68") -> np.ndarray:
    """Landmarks of `model` fitted from `rect`, on a crop around it (a crop keeps the mirrored
    copy small; the fit's own cost, ~2.5 ms for 68 points in this build, does not depend on the
    image's size). `mirror`: fitted on the mirror image of the crop and mirrored back, in the
    same landmark order."""
    import dlib

    h, w = grey.shape
    m = int(0.6 * max(rect.width(), rect.height())) + 2
    x0, y0 = max(0, rect.left() - m), max(0, rect.top() - m)
    x1, y1 = min(w, rect.right() + m + 1), min(h, rect.bottom() + m + 1)
    crop = grey[y0:y1, x0:x1]
    left, right = rect.left() - x0, rect.right() - x0
    if mirror:
        crop = crop[:, ::-1]
        left, right = (x1 - x0) - 1 - right, (x1 - x0) - 1 - left
    sh = _model(model)(np.ascontiguousarray(crop), dlib.rectangle(left, rect.top() - y0, right, rect.bottom() - y0))
    pts = np.array([(p.x, p.y + y0) for p in sh.parts()], np.float64)
    if mirror:
        pts = pts[MIRROR if model == "shape68" else MIRROR5]
        pts[:, 0] = (x1 - x0) - 1 - pts[:, 0]
    pts[:, 0] += x0
    return pts


def _canonical_box(pts: np.ndarray) -> Any:
    """The detector-style square box of a set of landmarks (centre and size relative to the
    points' centroid and RMS radius, as measured on the development photos' detections)."""
    import dlib

    c = pts.mean(0)
    r = float(np.sqrt(((pts - c) ** 2).sum(1).mean()))
    cx, cy, half = c[0], c[1] - 0.16 * r, 1.43 * r
    return dlib.rectangle(int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half)))


def _canonical_box5(pts5: np.ndarray) -> Any:
    """The square box `_canonical_box` would give this face, from its 5 points (eye corners and
    nose), placed in the face's own frame so that it turns with a tilted head. The constants map
    the 5 points' centroid and RMS radius to the 68-point box (medians over the development
    photos' faces; docs/consistency.md, section 4)."""
    import dlib

    c = pts5.mean(0)
    r = float(np.sqrt(((pts5 - c) ** 2).sum(1).mean()))
    eye = pts5[[0, 1]].mean(0) - pts5[[2, 3]].mean(0)  # picture-left eye to picture-right eye
    ux = eye / (np.linalg.norm(eye) or 1.0)
    uy = np.array([-ux[1], ux[0]])  # the face's "down"
    cx, cy = c + r * BOX5_DOWN * uy
    half = BOX5_HALF * r
    return dlib.rectangle(int(round(cx - half)), int(round(cy - half)), int(round(cx + half)), int(round(cy + half)))


def _fit(grey: np.ndarray, rect: Any) -> np.ndarray:
    """68 landmarks (`_fit_once`) from a box centred on the face itself, not from the detector's.

    The fit depends on the box it starts from, and a detector box lands a few pixels (a HOG cell
    at the detection size) differently on a mirrored copy. The box comes from dlib's 5-point
    model (eye corners and nose; a quarter of the cost of a 68-point fit), fitted twice: from the
    detector's box, then from the box of those points, which no longer depends on where the
    detector's box fell. (Averaging each 5-point fit with its mirror-image fit, as `_fit_once`
    does, halves the mirror test's median yaw error again for two more fits; docs/consistency.md,
    section 4.)"""
    box = rect
    for _ in range(2):
        box = _canonical_box5(_shape(grey, box, model="shape5"))
    return _fit_once(grey, box)


def _fit_once(grey: np.ndarray, rect: Any) -> np.ndarray:
    """68 landmarks, averaged with the fit on the mirror image (mirrored back).

    The shape predictor is not exactly symmetric: on a turned face it places the far side's
    points differently from how it places them on the same face mirrored, and the yaw of a
    photo and of its mirrored copy then differ by up to 30 degrees instead of only in sign.
    Averaging the two fits removes that left/right bias (and some noise) for one more fit."""
    return (_shape(grey, rect) + _shape(grey, rect, mirror=True)) / 2


def feature_contrast(grey: np.ndarray, pts: np.ndarray) -> float:
    """How much darker the eyes, brows and lip line are than the skin around them, in units of
    the face's grey-level standard deviation. A face's features are darker than its skin in any
    lighting and for any skin tone; 68 points placed on a logo or a wall pattern are not."""
    h, w = grey.shape
    iod = float(np.linalg.norm(pts[EYE_R].mean(0) - pts[EYE_L].mean(0)))
    if iod < 4:
        return 0.0
    r = max(1, int(round(0.06 * iod)))

    def sample(xy: np.ndarray) -> np.ndarray:
        xi = np.clip(np.round(xy[:, 0]).astype(int), 0, w - 1)
        yi = np.clip(np.round(xy[:, 1]).astype(int), 0, h - 1)
        out = []
        for dx in (-r, 0, r):
            for dy in (-r, 0, r):
                out.append(grey[np.clip(yi + dy, 0, h - 1), np.clip(xi + dx, 0, w - 1)])
        return np.concatenate(out).astype(np.float64)

    eye_l, eye_r = pts[EYE_L].mean(0), pts[EYE_R].mean(0)
    dark = np.vstack([pts[EYE_L], pts[EYE_R], eye_l[None], eye_r[None], pts[19:20], pts[24:25],
                      pts[[60, 64]], (pts[62:63] + pts[66:67]) / 2, pts[[31, 35]]])
    # skin: cheeks (between the eye and the mouth corner), the nose bridge, the forehead
    # just above the brows' middle, the chin above the menton
    up = (eye_l + eye_r) / 2 - pts[8]
    up = up / (np.linalg.norm(up) + 1e-9)
    skin = np.vstack([
        (pts[EYE_L].mean(0) + pts[48]) / 2, (pts[EYE_R].mean(0) + pts[54]) / 2,
        (pts[40] + pts[31] + pts[48]) / 3, (pts[47] + pts[35] + pts[54]) / 3,
        pts[28:29], pts[29:30], (pts[21] + pts[22]) / 2 + up * 0.25 * iod,
        (pts[57] + pts[8]) / 2,
    ])
    d, s = sample(dark), sample(skin)
    x0, y0 = np.clip(pts.min(0).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(pts.max(0).astype(int) + 1, 1, [w, h])
    region = grey[y0:y1, x0:x1]
    sd = float(region.std()) if region.size > 4 else 0.0
    return float((np.median(s) - np.median(d)) / max(sd, 4.0))


def find_faces(d: Decoded) -> list[Face]:
    """Every face in `d` whose landmarks fit, largest first (cached on the Decoded).

    The largest upright detection is the face. Any other detection (a second face, a weak
    detection, or a face found only in the turned frame) counts only when its landmarks fit it:
    they stay put when
    the box they were fitted from moves (`landmark_stability`) and they mark features darker
    than the skin (`feature_contrast`)."""
    cached = getattr(d, "_faces", None)
    if cached is not None:
        return cached
    import dlib

    full = d.grey
    small, s = _detect_grey(full)
    det = _model("detector")
    found: list[tuple[Face, Any, np.ndarray]] = []  # face, its box, the grey it was fitted on

    def fit(rects: Any, scores: Any, grey: np.ndarray, k: float, turned: float) -> None:
        for r, sc in zip(rects, scores):
            rect = dlib.rectangle(int(r.left() / k), int(r.top() / k), int(r.right() / k), int(r.bottom() / k))
            pts = _fit(grey, rect)
            found.append((Face(pts, float(sc), turned), rect, grey))

    def strong(run: tuple[Any, Any, Any]) -> tuple[list[Any], list[float]]:
        kept = [(r, sc) for r, sc in zip(run[0], run[1]) if sc >= 0]
        return [r for r, _ in kept], [sc for _, sc in kept]

    # One pass finds the faces of a head-and-shoulders photo (dlib scans a pyramid downward from
    # the copy it is given, so every face from ~60 px up); it also returns the weaker candidates
    # (down to WEAK_SCORE), used only when no candidate scores above 0.
    runs = [det.run(small, 0, WEAK_SCORE)]
    fit(*strong(runs[0]), full, s, 0.0)
    if not found:  # a small face (under ~60 px at the detection size): look at twice the size
        runs.append(det.run(small, 1, WEAK_SCORE))
        fit(*strong(runs[1]), full, s, 0.0)
    if not found:
        # a soft (out of focus, shaken) face, or one the pyramid's steps cut badly, scores low:
        # take a weaker candidate of either pass when the detector, looking again centred on its
        # landmarks, calls it a face, or when its landmarks fit a face; so that a blurred
        # portrait is measured as blurred, not as faceless
        for rect, sc in _weak_candidates(runs):
            fit([rect], [sc], full, s, 0.0)
            f = found[-1][0]
            f.score = max(f.score, second_look(full, f.points))
            if f.score >= 0 or _fits(*found[-1]):
                break
            found.pop()
    back = None
    if not found:  # a strongly tilted head (or camera): search the frame turned both ways
        h, w = full.shape
        for angle in (TURN_DEG, -TURN_DEG):
            m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
            turned = cv2.warpAffine(full, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            tsmall, ts = _detect_grey(turned)
            rects, scores, _ = det.run(tsmall, 0, 0.0)
            if len(rects):
                fit(rects, scores, turned, ts, angle)
                back = cv2.invertAffineTransform(m)
                break
    found.sort(key=lambda t: -t[0].box[3])
    faces: list[Face] = []
    for i, (f, rect, grey) in enumerate(found):
        if i > 0 and f.box[3] < MIN_FACE_RATIO * found[0][0].box[3]:
            continue
        if (i > 0 or f.turned) and not _fits(f, rect, grey):
            continue
        if back is not None:  # turned frame -> upright frame
            f.points = f.points @ back[:, :2].T + back[:, 2]
        faces.append(f)
    try:
        d._faces = faces  # type: ignore[attr-defined]
    except AttributeError:
        pass
    return faces


def _weak_candidates(runs: list[tuple[Any, Any, Any]]) -> list[tuple[Any, float]]:
    """The detection runs' candidates under 0, best first, at most `MAX_WEAK` (each costs a
    landmark fit and the fit test, and a faceless photo has many). The same face found by both
    runs is tried in both boxes: the landmarks may fit from one and not from the other."""
    cands = sorted(((r, float(sc)) for rects, scores, _ in runs for r, sc in zip(rects, scores) if sc < 0),
                   key=lambda t: -t[1])
    return cands[:MAX_WEAK]


def second_look(grey: np.ndarray, pts: np.ndarray) -> float:
    """The detector's score for the face `pts` mark, on a crop centred on it and scaled so the
    face is the size the detector sees best (`RECHECK_PX`, just above its 80 px window). A
    detection's score depends on where the pyramid's 20% size steps and 8 px HOG cells fall on
    the face: the same face can score -0.15 at one size and +0.4 at another."""
    box = _canonical_box(pts)
    side = max(box.width(), 1)
    k = RECHECK_PX / side
    h, w = grey.shape
    m = int(0.5 * side)
    x0, y0 = max(0, box.left() - m), max(0, box.top() - m)
    x1, y1 = min(w, box.right() + m + 1), min(h, box.bottom() + m + 1)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return -math.inf
    crop = cv2.resize(grey[y0:y1, x0:x1], (max(1, round((x1 - x0) * k)), max(1, round((y1 - y0) * k))),
                      interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    rects, scores, _ = _model("detector").run(crop, 0, WEAK_SCORE)
    cx, cy = ((box.left() + box.right()) / 2 - x0) * k, ((box.top() + box.bottom()) / 2 - y0) * k
    on_face = [sc for r, sc in zip(rects, scores)
               if r.left() <= cx <= r.right() and r.top() <= cy <= r.bottom()]
    return float(max(on_face)) if on_face else -math.inf


def _fits(f: Face, rect: Any, grey: np.ndarray) -> bool:
    """The landmarks fit a face: stable when their box moves, features darker than the skin."""
    if f.contrast is None:
        f.contrast = feature_contrast(grey, f.points)
    if f.contrast < MIN_FEATURE_CONTRAST:
        return False
    if f.stability is None:
        f.stability = landmark_stability(grey, rect, f.points)
    return f.stability <= MAX_STABILITY


# ------------------------------------------------------------------------------------------------
# measures from the landmarks


# Face widths (the generic face's x scaled) among which head_pose picks the one that fits best.
_WIDTHS = np.linspace(0.7, 1.3, 13)


def head_pose(pts: np.ndarray, width: int, height: int) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from the landmarks and the generic 3-D face (solvePnP).

    Faces differ in width: with one fixed generic face, a narrow face looks like a wide one
    turned away (foreshortening), and the solver answers with a yaw of 20 degrees or more, one
    way or the other, for a frontal face. So the generic face is fitted at several widths and the
    best fit kept: the width then absorbs the person's proportions, and the yaw comes from what a
    width cannot explain, the nose tip moving against the eyes and mouth. The camera is a
    portrait lens: focal length twice the frame's long side, centred, no distortion."""
    f = 2.0 * max(width, height)
    cam = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1]], np.float64)
    img = pts[_MODEL_IDX].astype(np.float64)
    # start from a frontal face at the distance its size implies, so the solver never flips
    # the face round to look away from the camera
    iod = float(np.linalg.norm(img[3] - img[2]))
    z0 = f * 86.6 / max(iod, 1e-6)
    c = img[0]
    t0 = np.array([(c[0] - width / 2) * z0 / f, (c[1] - height / 2) * z0 / f, z0], np.float64).reshape(3, 1)
    # from the middle width outwards, each solve starting from its neighbour's solution (the
    # same minima as from the frontal start, in fewer iterations: 20% less CPU, measured)
    mid = len(_WIDTHS) // 2
    solved: dict[int, tuple[float, Any, Any]] = {}
    for i in list(range(mid, -1, -1)) + list(range(mid + 1, len(_WIDTHS))):
        near = solved.get(i + 1 if i < mid else i - 1)
        r0, t_0 = (near[1], near[2]) if near else (np.zeros((3, 1)), t0)
        model = _MODEL_3D * np.array([_WIDTHS[i], 1.0, 1.0])
        ok, rvec, tvec = cv2.solvePnP(model, img, cam, None, rvec=r0.copy(), tvec=t_0.copy(),
                                      useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
        if not ok:
            continue
        proj, _ = cv2.projectPoints(model, rvec, tvec, cam, None)
        solved[i] = (float(np.square(proj[:, 0] - img).sum()), rvec, tvec)
    best: tuple[float, Any] | None = None
    for i in sorted(solved):
        if best is None or solved[i][0] < best[0]:
            best = (solved[i][0], solved[i][1])
    if best is None:
        raise ValueError("head pose did not converge")
    R, _ = cv2.Rodrigues(best[1])
    # R = Rz(roll) @ Ry(b) @ Rx(a): camera and model axes are x right, y down, z away
    b = math.degrees(math.asin(float(np.clip(-R[2, 0], -1.0, 1.0))))
    a = math.degrees(math.atan2(R[2, 1], R[2, 2]))
    roll = math.degrees(math.atan2(R[1, 0], R[0, 0]))
    # Ry(b > 0) turns the nose (model -z) towards -x, the picture's left; Rx(a > 0) turns it down
    return -b, -a, roll


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """Soukupova & Cech's eye aspect ratio: lid-to-lid height over the corner-to-corner width
    (~0.3 open, under ~0.15 closed)."""
    v = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    h = np.linalg.norm(eye[0] - eye[3])
    return float(v / (2.0 * h)) if h > 0 else 0.0


def _to_face_frame(pts: np.ndarray) -> np.ndarray:
    """Landmarks rotated so the eye line is horizontal, in units of the inter-eye distance."""
    el, er = pts[EYE_L].mean(0), pts[EYE_R].mean(0)
    d = er - el
    iod = float(np.hypot(*d)) or 1.0
    c, s = d / iod
    R = np.array([[c, s], [-s, c]])
    return (pts - (el + er) / 2) @ R.T / iod


def mouth_openness(pts: np.ndarray) -> float:
    """Gap between the inner lips over the mouth width (0 closed; ~0.3 talking; > 0.5 wide open)."""
    inner = pts[MOUTH_IN]
    gap = (np.linalg.norm(inner[1] - inner[7]) + np.linalg.norm(inner[2] - inner[6])
           + np.linalg.norm(inner[3] - inner[5])) / 3
    width = np.linalg.norm(pts[54] - pts[48])
    return float(gap / width) if width > 0 else 0.0


def mouth_fits(pts: np.ndarray) -> bool:
    """The mouth landmarks describe a mouth: the outer lips enclose the inner ones, and the
    inner lips do not cross. On a mouth it cannot see well (thin, low-contrast lips) the model
    sometimes crosses them, and an open mouth would be read from a closed one; on the 126 real
    development photos checked this never happened."""
    q = _to_face_frame(pts)
    outer = q[57, 1] - q[51, 1]
    inner = float(np.mean(q[[67, 66, 65], 1] - q[[61, 62, 63], 1]))
    return bool(outer > 0.05 and -0.05 < inner <= outer)


def smile(pts: np.ndarray) -> float:
    """Mouth corners raised above the lips' centre, in inter-eye distances (0 neutral, ~0.1
    and more a clear smile, negative turned down). Measured in the face's own frame, so a head
    tilt does not pass for a smile."""
    q = _to_face_frame(pts)
    corners = (q[48, 1] + q[54, 1]) / 2
    centre = (q[62, 1] + q[66, 1] + q[51, 1] + q[57, 1]) / 4
    return float(centre - corners)


def mouth_width(pts: np.ndarray) -> float:
    """Corner-to-corner mouth width in inter-eye distances (~0.8 relaxed, more when smiling)."""
    q = _to_face_frame(pts)
    return float(np.linalg.norm(q[54] - q[48]))


# The chin's distance below the eye line, in inter-eye distances along the face's own axis, from
# the eye-to-nose and nose-to-mouth lengths: chin = A * nose + B * (mouth - nose) + C. Least
# squares over the 256 development photos' faces whose chin lies inside the frame (residual
# standard deviation 2.3% of the head's height; docs/consistency.md, section 4).
CHIN_FROM_NOSE, CHIN_FROM_MOUTH, CHIN_CONST = 1.023, 2.01, 0.36
# The chin landmark this close to the bottom edge (share of the eye-chin distance) or beyond
# counts as resting on it.
CHIN_ON_EDGE = 0.02


def predicted_chin(pts: np.ndarray) -> np.ndarray:
    """Where the chin should be from the face's own proportions (eye line, nose, mouth), for a
    chin the frame cuts off: the landmark model then rests the chin on the frame's edge."""
    q = _to_face_frame(pts)
    nose, mouth = q[33, 1], (q[51, 1] + q[57, 1]) / 2
    dist = CHIN_FROM_NOSE * nose + CHIN_FROM_MOUTH * (mouth - nose) + CHIN_CONST
    el, er = pts[EYE_L].mean(0), pts[EYE_R].mean(0)
    d = er - el
    iod = float(np.hypot(*d)) or 1.0
    down = np.array([-d[1], d[0]]) / iod
    along = d / iod
    return (el + er) / 2 + (along * q[57, 0] + down * dist) * iod


def chin_point(pts: np.ndarray, height: int | None = None) -> tuple[np.ndarray, bool]:
    """The chin, and whether it is estimated. The menton landmark, unless it rests on the bottom
    edge of a frame `height` px tall: on a cut chin the landmark model stops the jaw at the edge
    (on the development photos' injected chin cuts it placed it 1-3% of the head beyond the edge
    where the chin was 6% beyond), so the chin is then placed from the face's proportions
    (`predicted_chin`) when that is lower."""
    chin = pts[8]
    if height is None:
        return chin, False
    mid = (pts[EYE_L].mean(0) + pts[EYE_R].mean(0)) / 2
    if chin[1] < height - 1 - CHIN_ON_EDGE * abs(chin[1] - mid[1]):
        return chin, False
    guess = predicted_chin(pts)
    return (guess, True) if guess[1] > chin[1] else (chin, False)


def crown_and_chin(pts: np.ndarray, height: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Chin (`chin_point`: the menton landmark, or where a chin cut off by a frame `height` px
    tall should be) and an estimated crown: the top of the skull lies about as far above the eye
    line as the chin lies below it (adult head proportions), along the face's own vertical axis.
    Hair above the crown is not counted."""
    el, er = pts[EYE_L].mean(0), pts[EYE_R].mean(0)
    mid = (el + er) / 2
    chin, _ = chin_point(pts, height)
    d = er - el
    up = np.array([d[1], -d[0]]) / (np.hypot(*d) or 1.0)  # perpendicular to the eye line, upwards
    down = float(np.dot(chin - mid, -up))
    return mid + up * down, chin


def landmark_stability(grey: np.ndarray, rect: Any, pts: np.ndarray) -> float:
    """How far the landmarks move when the box they were fitted from moves (mean point
    displacement over the inter-eye distance, for boxes shifted by 15% of their size). Landmarks
    that found a face stay on its eyes, nose and mouth; on a logo or a wall they follow the box."""
    import dlib

    w, h = rect.width(), rect.height()
    iod = float(np.linalg.norm(pts[EYE_R].mean(0) - pts[EYE_L].mean(0))) or 1.0
    moved = []
    for dx, dy in ((0.15, 0.0), (-0.15, 0.0), (0.0, 0.15), (0.0, -0.15)):
        r = dlib.rectangle(int(rect.left() + dx * w), int(rect.top() + dy * h),
                           int(rect.right() + dx * w), int(rect.bottom() + dy * h))
        moved.append(np.linalg.norm(_shape(grey, r) - pts, axis=1).mean())
    return float(np.mean(moved) / iod)
