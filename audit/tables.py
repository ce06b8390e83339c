"""Small helpers for the two tables (staff, photos) that every stage passes along."""

from __future__ import annotations

import pandas as pd


def nulls_to_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None, not NaN, so that `if value:` and JSON output mean what they say."""
    return frame.astype(object).where(frame.notna(), None)
