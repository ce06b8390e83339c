"""Face and framing, measured like OFIQ (ISO/IEC 29794-5) from 68 facial landmarks.

Faces and landmarks come from `landmarks.find_faces` (dlib's HOG detector and 68-point shape
predictor, shipped in PyPI wheels). The face box is made from the landmarks, so it is the same
part of every face: jaw line left to right, top of the brows to the chin.

Columns (fractions are of the full frame's width / height; None when no face was found):
- `face_count`: faces whose landmarks fit (see `landmarks.find_faces`); `face_found`: at least one.
- `face_x`, `face_y`, `face_w`, `face_h`: the main (largest) face's box.
- `head_size`: face-box height / frame height (brows to chin).
- `head_height`: estimated crown to chin / frame height (the whole head, hair not counted).
- `crown_y`, `chin_y`: estimated crown and chin from the top of the frame; `crown_y` < 0 means
  the top of the head is cut off, `chin_y` > 1 the chin. When the chin landmark rests on the
  bottom edge (the landmark model stops a cut jaw there), the chin is placed from the face's
  own proportions (`landmarks.chin_point`).
- `eye_chin`: eye midpoint to chin / frame height (OFIQ's head size; ideal about 0.45).
- `eye_line`: eye midpoint from the top; `face_center_x`: face-box centre, 0.5 = centred.
- `eye_left_x/y`, `eye_right_x/y`: centres of the eyes on the picture's left and right.
- `margin_top/bottom/left/right`: free space between the face box and each border.
- `crop_left`, `crop_right`: eye midpoint to each side border, in inter-eye distances (OFIQ).
- `inter_eye_px`: distance between the eye centres in the *original* file's pixels (ICAO asks >= 90).
- `yaw_deg`, `pitch_deg`, `roll_deg`: head pose from the landmarks and a generic 3-D face
  (solvePnP). Yaw positive = face turned towards the picture's right; pitch positive = chin up;
  roll positive = head tilted clockwise in the picture.
- `eye_openness`: eye aspect ratio of the less open eye (~0.3 open, under ~0.15 closed).
- `mouth_openness`: inner-lip gap over mouth width (0 closed).
- `smile`: mouth corners raised above the lips' centre, in inter-eye distances (0 neutral).
- `mouth_width`: mouth corner to corner, in inter-eye distances (wider when smiling).
  The three mouth measures are None when the mouth landmarks do not describe a mouth
  (`landmarks.mouth_fits`: inner lips crossed or outside the outer ones).
- `face_score`: the detector's score of the main face (higher = clearer face; for a face found
  only by a weak detection, the better of its score and the second look's).
- `eyes_found`: the eye positions come from landmarks (True whenever a face was found).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import landmarks
from .decode import Decoded


@dataclass
class FaceGeometry:
    """The main face in working-image fractions (x by width, y by height), for look.py and hashes."""

    count: int
    box: tuple[float, float, float, float] | None  # x, y, w, h as fractions
    eyes: tuple[tuple[float, float], tuple[float, float]] | None  # (left, right) eye centres, fractions
    eyes_found: bool
    width: int  # size of the image the fractions refer to (working copy)
    height: int
    face: landmarks.Face | None = None


def detect(d: Decoded) -> FaceGeometry:
    """The faces of `d`, computed once per Decoded (look.py and hashes.py reuse it)."""
    cached = getattr(d, "_face_geometry", None)
    if cached is not None:
        return cached
    W, H = d.image.size
    faces = landmarks.find_faces(d)
    if not faces:
        geo = FaceGeometry(0, None, None, False, W, H)
    else:
        main = faces[0]
        x, y, w, h = main.box
        el, er = main.eyes
        geo = FaceGeometry(len(faces), (x / W, y / H, w / W, h / H),
                           ((el[0] / W, el[1] / H), (er[0] / W, er[1] / H)), True, W, H, main)
    try:
        d._face_geometry = geo  # type: ignore[attr-defined]
    except AttributeError:  # a Decoded with __slots__ would refuse; then we just recompute
        pass
    return geo


def _r(v: float, n: int = 4) -> float:
    return round(float(v), n)


EMPTY: dict[str, Any] = {
    "face_count": 0, "face_found": False, "face_x": None, "face_y": None, "face_w": None, "face_h": None,
    "head_size": None, "head_height": None, "crown_y": None, "chin_y": None, "eye_chin": None,
    "eye_line": None, "face_center_x": None,
    "eye_left_x": None, "eye_left_y": None, "eye_right_x": None, "eye_right_y": None,
    "margin_top": None, "margin_bottom": None, "margin_left": None, "margin_right": None,
    "crop_left": None, "crop_right": None, "inter_eye_px": None,
    "yaw_deg": None, "pitch_deg": None, "roll_deg": None,
    "eye_openness": None, "mouth_openness": None, "smile": None, "mouth_width": None,
    "face_score": None, "eyes_found": False,
}


def extract(d: Decoded) -> dict[str, Any]:
    geo = detect(d)
    if geo.face is None or geo.box is None:
        return dict(EMPTY)
    f = geo.face
    pts = f.points
    W, H = geo.width, geo.height
    x, y, w, h = geo.box
    (lx, ly), (rx, ry) = geo.eyes  # type: ignore[misc]
    el, er = f.eyes
    eye_dist_px = float(np.linalg.norm(er - el))
    mid_x, mid_y = (lx + rx) / 2, (ly + ry) / 2
    crown, chin = landmarks.crown_and_chin(pts, H)
    orig_scale = d.original_size[0] / W if W else 1.0
    eye_w = max(eye_dist_px / W, 1e-6)  # inter-eye distance as a fraction of width
    yaw, pitch, roll = landmarks.head_pose(pts, W, H)
    openness = min(landmarks.eye_aspect_ratio(pts[landmarks.EYE_L]), landmarks.eye_aspect_ratio(pts[landmarks.EYE_R]))
    mouth = ({"mouth_openness": _r(landmarks.mouth_openness(pts), 3), "smile": _r(landmarks.smile(pts), 3),
              "mouth_width": _r(landmarks.mouth_width(pts), 3)} if landmarks.mouth_fits(pts)
             else {"mouth_openness": None, "smile": None, "mouth_width": None})
    return {
        "face_count": geo.count,
        "face_found": True,
        "face_x": _r(x), "face_y": _r(y), "face_w": _r(w), "face_h": _r(h),
        "head_size": _r(h),
        "head_height": _r(float(np.linalg.norm(chin - crown)) / H),
        "crown_y": _r(crown[1] / H), "chin_y": _r(chin[1] / H),
        "eye_chin": _r(chin[1] / H - mid_y),
        "eye_line": _r(mid_y),
        "face_center_x": _r(x + w / 2),
        "eye_left_x": _r(lx), "eye_left_y": _r(ly), "eye_right_x": _r(rx), "eye_right_y": _r(ry),
        "margin_top": _r(y), "margin_bottom": _r(1 - y - h),
        "margin_left": _r(x), "margin_right": _r(1 - x - w),
        "crop_left": _r(mid_x / eye_w, 2), "crop_right": _r((1 - mid_x) / eye_w, 2),
        "inter_eye_px": _r(eye_dist_px * orig_scale, 1),
        "yaw_deg": _r(yaw, 2), "pitch_deg": _r(pitch, 2), "roll_deg": _r(roll, 2),
        "eye_openness": _r(openness, 3),
        **mouth,
        "face_score": _r(f.score, 2),
        "eyes_found": True,
    }
