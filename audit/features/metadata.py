"""What the file says about itself: format, size, capture date, camera, software, text chunks."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .decode import Decoded

_EXIF_IFD = 0x8769
_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE, _TAG_DATETIME, _TAG_ORIENTATION = 0x010F, 0x0110, 0x0131, 0x0132, 0x0112
_TAG_DATETIME_ORIGINAL, _TAG_DATETIME_DIGITIZED = 0x9003, 0x9004
_DATE_RE = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})")


def parse_date(text: Any) -> str | None:
    """The YYYY-MM-DD at the start of an EXIF ('2023:04:05 10:00:00') or XMP ('2023-04-05T10:00') date."""
    if not isinstance(text, (str, bytes)):
        return None
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    m = _DATE_RE.match(text.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _clean(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text[:limit] or None


def _xmp_find(node: Any, wanted: set[str]) -> dict[str, Any]:
    """Walk Pillow's getxmp() dict and collect values for local names in `wanted`."""
    found: dict[str, Any] = {}
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for k, v in cur.items():
                if k in wanted and k not in found and isinstance(v, (str, int, float)):
                    found[k] = v
                if isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(cur, list):
            stack.extend(cur)
    return found


def extract(d: Decoded) -> dict[str, Any]:
    exif = d.exif or {}
    try:
        sub = d.exif.get_ifd(_EXIF_IFD) if d.exif else {}
    except Exception:
        sub = {}
    xmp = _xmp_find(d.xmp, {"DateTimeOriginal", "CreateDate", "DateCreated"})
    exif_date = parse_date(sub.get(_TAG_DATETIME_ORIGINAL)) or parse_date(sub.get(_TAG_DATETIME_DIGITIZED))
    xmp_date = next((parse_date(xmp[k]) for k in ("DateTimeOriginal", "DateCreated", "CreateDate")
                     if k in xmp and parse_date(xmp[k])), None)
    make, model = _clean(exif.get(_TAG_MAKE)), _clean(exif.get(_TAG_MODEL))
    text_keys = sorted(k for k, v in d.info.items() if isinstance(v, str) and k not in ("XML:com.adobe.xmp",))
    return {
        "format": d.format,
        "mode": d.mode,
        "width": d.original_size[0],
        "height": d.original_size[1],
        "megapixels": round(d.original_size[0] * d.original_size[1] / 1e6, 2),
        "n_frames": d.n_frames,
        "orientation": exif.get(_TAG_ORIENTATION) if isinstance(exif.get(_TAG_ORIENTATION), int) else None,
        "exif_date": exif_date,
        "xmp_date": xmp_date,
        # A file's mtime is not a capture date, so only embedded dates count.
        "capture_date": exif_date or xmp_date,
        "camera_make": make,
        "camera_model": model,
        "has_camera_exif": bool(make or model),
        "software": _clean(exif.get(_TAG_SOFTWARE)),
        "text_chunks": ";".join(text_keys)[:300] or None,
    }
