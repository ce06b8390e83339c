"""Perceptual hashes for near-duplicate detection: pHash survives re-encoding and resizing,
dHash catches exact copies, and a centre-crop pHash survives a loose-to-tight re-crop."""

from __future__ import annotations

from typing import Any

import imagehash
from PIL import Image

from .decode import Decoded


def _centre(img: Image.Image, frac: float = 0.6) -> Image.Image:
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    left, top = (w - cw) // 2, (h - ch) // 2
    return img.crop((left, top, left + cw, top + ch))


def extract(d: Decoded) -> dict[str, Any]:
    small = d.small
    return {
        "phash": str(imagehash.phash(small)),
        "dhash": str(imagehash.dhash(small)),
        "phash_centre": str(imagehash.phash(_centre(small))),
    }
