"""How a report is to be drawn, apart from the drawing itself: a run that writes only json and
csv imports this, not the renderer and its templating (Jinja2), which it never uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError

# What `--out -` can write to stdout.
STREAM_FORMATS = ("json", "csv")

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


@dataclass
class ReportOptions:
    """How to render: branding overrides (None = the policy's `[report]` value), privacy,
    and the user's template folder."""

    template_dir: Path | None = None
    client: str | None = None
    consultant: str | None = None
    logo: Path | None = None
    accent: str | None = None
    anonymize: bool = False
    thumbnails: bool = True


def check_accent(value: str, where: str = "accent colour") -> str:
    """A CSS hex colour (#rgb or #rrggbb); anything else could inject CSS, so it is refused."""
    if not _HEX_COLOUR.fullmatch(value or ""):
        raise ReportError(f"{where}: {value!r} is not a colour like #1f4e79")
    return value
