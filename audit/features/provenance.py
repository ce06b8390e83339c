"""Provenance markers: near-certain evidence of how a file was made (filled in by the provenance work)."""

from __future__ import annotations

from typing import Any

from .decode import Decoded


def extract(d: Decoded) -> dict[str, Any]:
    return {}
