"""One `ai_score` per photo, and the basis it rests on, from the evidence the features found.

Evidence is ranked by how much it can be trusted: provenance metadata (near-certain) over the
staff CSV's declared source over pixel forensics (probabilistic). The basis travels with the
score so that checks can refuse to make a high-severity finding on forensic evidence alone.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .policy import Policy

BASES = ("provenance", "declared", "forensic", "none")


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _flag(row: dict[str, Any], key: str) -> bool:
    v = row.get(key)
    return bool(v) and not (isinstance(v, float) and math.isnan(v))


def score_row(row: dict[str, Any], declared: str | None, policy: Policy) -> dict[str, Any]:
    """(ai_score, ai_basis, ai_reasons) for one photo row and its owner's declared source."""
    ai = policy["ai"]
    forensic = _num(row.get("forensic_score"))
    if row.get("error"):
        return {"ai_score": None, "ai_basis": "none", "ai_reasons": "the file could not be read"}
    if _flag(row, "prov_ai"):
        gen = row.get("prov_generator")
        markers = row.get("prov_markers") or "AI provenance metadata"
        reason = f"provenance metadata{f' ({gen})' if gen else ''}: {markers}"
        return {"ai_score": ai["provenance_score"], "ai_basis": "provenance", "ai_reasons": reason}
    if _flag(row, "prov_camera") and _flag(row, "c2pa_valid"):
        return {"ai_score": round(1 - ai["provenance_score"], 4), "ai_basis": "provenance",
                "ai_reasons": "a valid C2PA manifest records a camera capture"}
    if declared == "ai":
        return {"ai_score": ai["declared_score"], "ai_basis": "declared",
                "ai_reasons": "the staff CSV declares the photo AI-generated"}
    if forensic is not None:
        reasons = row.get("forensic_reasons") or "pixel and file forensics"
        return {"ai_score": round(forensic, 4), "ai_basis": "forensic", "ai_reasons": reasons}
    return {"ai_score": None, "ai_basis": "none", "ai_reasons": "no AI evidence was measured"}


def score_photos(photos: pd.DataFrame, staff: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    declared = dict(zip(staff["employee_id"], staff["photo_source"]))
    scored = [
        score_row(row, declared.get(row.get("employee_id")) if row.get("is_primary") else None, policy)
        for row in photos.to_dict("records")
    ]
    out = photos.copy()
    for col in ("ai_score", "ai_basis", "ai_reasons"):
        out[col] = [s[col] for s in scored]
    return out
