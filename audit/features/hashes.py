"""Perceptual hashes for near-duplicate detection.

pHash survives re-encoding and resizing; a crop defeats a whole-frame hash, so the face region
(from the face detector, squared and padded) is hashed too. 256-bit hashes (hash_size=16):
in a studio set, 64-bit pHashes of two different people can be as close as a re-encoded copy
(a shared backdrop and pose dominate 64 low frequencies), 256 bits keep them apart.
"""

from __future__ import annotations

from typing import Any

import imagehash

from . import face
from .decode import Decoded

HASH_SIZE = 16  # 16 x 16 = 256 bits
FACE_PAD = 0.6  # half-side of the hashed square, in units of the face box's larger side


def face_crop(d: Decoded):
    geo = face.detect(d)
    if geo.box is None:
        return None
    x, y, w, h = geo.box
    W, H = d.image.size
    cx, cy = (x + w / 2) * W, (y + h / 2) * H
    s = max(w * W, h * H) * FACE_PAD
    return d.image.crop((int(cx - s), int(cy - s), int(cx + s), int(cy + s)))


def extract(d: Decoded) -> dict[str, Any]:
    crop = face_crop(d)
    return {
        "phash": str(imagehash.phash(d.small, hash_size=HASH_SIZE)),
        "dhash": str(imagehash.dhash(d.small)),
        "face_phash": str(imagehash.phash(crop, hash_size=HASH_SIZE)) if crop is not None else None,
    }
