"""Perceptual hashes for near-duplicate detection.

pHash survives re-encoding and resizing; a crop defeats a whole-frame hash, so the face region
(from the face detector, squared and padded) is hashed too. 256-bit hashes (hash_size=16):
in a studio set, 64-bit pHashes of two different people can be as close as a re-encoded copy
(a shared backdrop and pose dominate 64 low frequencies), 256 bits keep them apart.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import imagehash
import numpy as np
from PIL import Image

from . import face
from .decode import Decoded

HASH_SIZE = 16  # 16 x 16 = 256 bits
FACE_PAD = 0.6  # half-side of the hashed square, in units of the face box's larger side


@lru_cache(maxsize=2)
def _dct_rows(n: int, rows: int) -> np.ndarray:
    """The first `rows` rows of the unnormalised DCT-II matrix of size `n` (scipy.fftpack's `dct`)."""
    k = np.arange(rows)[:, None]
    x = np.arange(n)[None, :]
    return 2 * np.cos(np.pi * k * (2 * x + 1) / (2 * n))


def phash(image: Image.Image, hash_size: int = HASH_SIZE) -> imagehash.ImageHash:
    """imagehash's pHash, bit for bit (grey, Lanczos to 4x the hash size, 2-D DCT, the low
    frequencies against their median), with the DCT as two small matrix products: imagehash's
    own calls SciPy, whose import cost each worker ~0.3 s before its first photo. Rounded to
    1e-6 so that a flat image's zero coefficients are zeros, as in SciPy's."""
    n = hash_size * 4
    px = np.asarray(image.convert("L").resize((n, n), Image.Resampling.LANCZOS), dtype=np.float64)
    c = _dct_rows(n, hash_size)
    low = np.round(c @ px @ c.T, 6)
    return imagehash.ImageHash(low > np.median(low))


def face_crop(d: Decoded):
    geo = face.detect(d)
    if geo.box is None:
        return None
    x, y, w, h = geo.box
    W, H = d.image.size
    cx, cy = (x + w / 2) * W, (y + h / 2) * H
    s = max(w * W, h * H) * FACE_PAD
    return d.image.crop((int(cx - s), int(cy - s), int(cx + s), int(cy + s)))


def hex_string(h: imagehash.ImageHash) -> str:
    """`str(h)`, the hash's bits as hex digits, first bit most significant: packed by numpy
    instead of imagehash's one Python string per bit (a sixth of a millisecond per 256 bits)."""
    bits = np.asarray(h.hash, dtype=bool).ravel()
    return np.packbits(bits).tobytes().hex() if bits.size % 8 == 0 else str(h)


def extract(d: Decoded) -> dict[str, Any]:
    crop = face_crop(d)
    small = d.small.convert("L")  # both hashes work in grey; converted once
    return {
        "phash": hex_string(phash(small)),
        "dhash": hex_string(imagehash.dhash(small)),
        "face_phash": hex_string(phash(crop)) if crop is not None else None,
    }
