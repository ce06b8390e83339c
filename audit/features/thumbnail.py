"""The report's thumbnail of a photo, made from the working copy while the photo is decoded for
its measures anyway: drawing the report then decodes no photo a second time."""

from __future__ import annotations

import io

from PIL import Image

from .decode import Decoded

THUMB_SIZE = 128  # long side, px: the contact sheet prints faces 20-30 mm tall
THUMB_QUALITY = 72


def jpeg(d: Decoded, size: int = THUMB_SIZE) -> bytes:
    """A small JPEG of the upright photo (long side `size`), from the shared 384 px copy."""
    img = Image.fromarray(d.medium)
    img.thumbnail((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return buf.getvalue()
