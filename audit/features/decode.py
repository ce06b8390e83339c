"""Safe, reduced-scale decoding: the only place a photo's pixels are read.

Every measure works on one `Decoded` per photo, so each file is decoded once. JPEGs are decoded
with DCT scaling (`Image.draft`) straight to roughly the working size, which is several times
faster than a full decode for camera-sized files.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile

from ..formats import HEIF_PLUGIN, describe, format_name

# Long side, in pixels, of the working copy every measure sees (at most).
WORK_SIZE = 1024
DRAFT_SIZE = WORK_SIZE // 2
MEDIUM_SIZE = 384
SMALL_SIZE = 256
# Anything with more pixels than this is refused as a possible decompression bomb (a real
# camera photo is 12-50 MP; 2x this limit raises inside Pillow anyway).
MAX_PIXELS = 120_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS



# What to do about a file that is not readable as a photo.
EXPORT = "export the photo as a JPEG and use that file"


class DecodeError(Exception):
    """The file is not an image we can read safely; the message says why in plain words."""


@dataclass
class Decoded:
    """One photo, opened once: metadata as found, and an RGB working copy of the pixels."""

    path: Path
    file: str
    format: str
    mode: str
    original_size: tuple[int, int]  # (width, height) after EXIF orientation
    image: Image.Image  # RGB, orientation applied, long side <= WORK_SIZE
    info: dict[str, Any] = field(default_factory=dict)
    exif: Image.Exif | None = None
    xmp: dict[str, Any] = field(default_factory=dict)
    n_frames: int = 1
    # Run options a measure may need (e.g. "ai_model": path of a user-supplied ONNX detector).
    options: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def pixels(self) -> np.ndarray:
        """The working copy as an (H, W, 3) uint8 array (a view, made once)."""
        return np.asarray(self.image)

    @cached_property
    def grey(self) -> np.ndarray:
        """The working copy in grey (H, W) uint8, made once: face detection and the JPEG block
        measure both read it."""
        import cv2

        return cv2.cvtColor(self.pixels, cv2.COLOR_RGB2GRAY)

    @cached_property
    def medium(self) -> np.ndarray:
        """A copy with long side <= MEDIUM_SIZE, uint8 RGB: face detection, colour and backdrop."""
        return shrink(self.pixels, MEDIUM_SIZE)

    @cached_property
    def medium_grey(self) -> np.ndarray:
        import cv2

        return cv2.cvtColor(self.medium, cv2.COLOR_RGB2GRAY)

    @cached_property
    def small(self) -> Image.Image:
        """A 256 px copy, shared by the measures that need no detail (hashes, whole-frame tone)."""
        return Image.fromarray(shrink(self.medium, SMALL_SIZE))


def shrink(a: np.ndarray, long_side: int) -> np.ndarray:
    """`a` reduced (pixel-area averaging, the cheapest alias-free way down) so that its long side
    is at most `long_side`; returned as is when it already fits."""
    import cv2  # here, not at module level: the report reads this module's limits without OpenCV
    h, w = a.shape[:2]
    if max(h, w) <= long_side:
        return a
    k = max(h, w) // long_side
    if k >= 2 and min(h, w) >= 2 * k:  # an exact integer step first: OpenCV's fast path, 2x cheaper
        a = cv2.resize(a[: h - h % k, : w - w % k], (w // k, h // k), interpolation=cv2.INTER_AREA)
        h, w = a.shape[:2]
        if max(h, w) <= long_side:
            return a
    s = long_side / max(h, w)
    return cv2.resize(a, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


# EXIF orientation -> the transpose that shows the photo upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _to_rgb(im: Image.Image, own: bool = False) -> Image.Image:
    """RGB pixels, with transparency flattened onto white (how a web page would show it).
    `own`: `im` reads from our own bytes and outlives its file, so an RGB image is used as is."""
    if im.mode == "RGB":
        return im if own else im.copy()
    if "A" in im.getbands() or (im.mode == "P" and "transparency" in im.info) or im.mode == "LA":
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    if im.mode.startswith("I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping
        return im.point(lambda v: v / 256).convert("L").convert("RGB")
    return im.convert("RGB")


def _oriented_size(size: tuple[int, int], exif: Image.Exif | None) -> tuple[int, int]:
    orientation = exif.get(0x0112) if exif else None
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def decode(path: Path, file: str, data: bytes | None = None) -> Decoded:
    """Open `path` safely; raise DecodeError with a readable reason if it is not a usable image.
    `data`: the file's bytes when the caller has read them already (to hash them), so the file
    is read once; the decoded pixels then need no copy to outlive the file."""
    # WeasyPrint sets this process-wide when imported; a truncated photo must stay an error here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    fmt: str | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data) if data is not None else path) as im:
                fmt = im.format or "unknown"
                mode = im.mode
                size = im.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise DecodeError(f"declared size {size[0]}x{size[1]} is too large to open safely")
                info = dict(im.info)
                if fmt == "JPEG" and getattr(im, "quantization", None):
                    # the tables the forensic file cues read, kept so the file is not opened again
                    info["quantization"] = dict(im.quantization)
                try:
                    exif = im.getexif()
                except Exception:  # corrupt EXIF must not lose the picture
                    exif = None
                try:
                    xmp = im.getxmp() if hasattr(im, "getxmp") else {}
                except Exception:  # a hostile or broken XMP packet is just not read
                    xmp = {}
                try:  # counting frames walks a GIF or TIFF to its end: a broken tail loses no picture
                    n_frames = getattr(im, "n_frames", 1)
                except Exception:
                    n_frames = 1
                if fmt in ("JPEG", "MPO"):
                    # DCT scaling to the largest 1/2, 1/4 or 1/8 scale whose short side is still
                    # >= DRAFT_SIZE: a 12 MP photo decodes at 1/4 scale, 5x faster than in full.
                    im.draft("RGB", (DRAFT_SIZE, DRAFT_SIZE))
                im.load()
                work = _to_rgb(im, own=data is not None and not getattr(im, "is_animated", False))
                orientation = exif.get(0x0112) if exif else None
                if orientation in _TRANSPOSE:
                    work = work.transpose(_TRANSPOSE[orientation])
                work.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DecodeError("declared size is too large to open safely (possible decompression bomb)") from None
    except Image.UnidentifiedImageError:
        if not HEIF_PLUGIN and path.suffix.lower() in (".heic", ".heif"):
            raise DecodeError("HEIC/HEIF needs the pillow-heif plugin (pip install pillow-heif)") from None
        kind = describe(path)
        if kind:
            raise DecodeError(f"{kind} that cannot be read here: {EXPORT}") from None
        raise DecodeError(f"not an image file Pillow can identify: {EXPORT}") from None
    except Exception as exc:  # a damaged file can trip any reader (struct.error, IndexError, ...)
        what = format_name(fmt) if fmt else describe(path) or "file"
        detail = str(exc) if isinstance(exc, (OSError, SyntaxError, ValueError, EOFError)) else f"{type(exc).__name__}: {exc}"
        raise DecodeError(f"cannot decode this {what} ({detail}): {EXPORT}") from None
    return Decoded(
        path=path, file=file, format=fmt or "unknown", mode=mode,
        original_size=_oriented_size(size, exif), image=work,
        info=info, exif=exif, xmp=xmp, n_frames=n_frames,
    )
