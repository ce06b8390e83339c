"""One `ai_score` per photo, and the basis it rests on, from the evidence the features found.

Evidence is ranked by how much it can be trusted: provenance metadata (near-certain) over the
staff CSV's declared source over pixel forensics (probabilistic). The basis travels with the
score so that checks can refuse to make a high-severity finding on forensic evidence alone.

A forensic score is only worth something on a photo the measures can read. The model learned
over-smoothed texture as a sign of generation, and a blurred, upscaled or heavily compressed
camera photo has it too; so when the face is too soft, the photo or face too small, the photo
enlarged from a smaller picture, or the file too compressed, the score is withheld: `ai_score` None, `ai_basis` "not_assessable", and the
reason in `ai_reasons`. No finding is built on such a photo; it is asked about instead (AI005)
where the role makes its source matter. The limits are the policy's `[ai]` keys.

`detector_figures()` is the one place the shipped model's measured accuracy is read, for every
text that quotes it (findings, the report's summary and method page), so a retrain that
rewrites `evaluation` in the model file updates them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .policy import Policy

BASES = ("provenance", "declared", "forensic", "not_assessable", "none")


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


def face_height_px(row: dict[str, Any]) -> float | None:
    """Height of the detected face in pixels of the original file (None without a face)."""
    fh, short, long_ = _num(row.get("face_h")), _num(row.get("short_side_px")), _num(row.get("long_side_px"))
    ratio = _num(row.get("aspect_ratio"))
    if fh is None or short is None or long_ is None or ratio is None:
        return None
    height = short if ratio >= 1 else long_
    return fh * height


def not_assessable(row: dict[str, Any], ai: dict[str, Any]) -> list[str]:
    """Why the pixel forensics cannot judge this photo, in plain words (empty: it can).
    The measured values go with each reason so that a reader can check it."""
    why = []
    short = _num(row.get("short_side_px"))
    if short is not None and short < ai["min_short_side_px"]:
        why.append(f"the photo is too small to judge ({short:.0f} px on its short side; "
                   f"at least {ai['min_short_side_px']} needed)")
    face_px = face_height_px(row)
    if face_px is not None and face_px < ai["min_face_px"] and not why:
        why.append(f"the face is too small to judge ({face_px:.0f} px high; at least {ai['min_face_px']} needed)")
    sharp = _num(row.get("sharpness"))
    if sharp is not None and sharp < ai["min_face_sharpness"]:
        why.append(f"the face is too soft to judge (blurred, out of focus or enlarged; sharpness {sharp:.2f}, "
                   f"at least {ai['min_face_sharpness']} needed)")
    cliff = _num(row.get("fx_spectral_cliff"))
    if cliff is not None and cliff > ai["max_spectral_cliff"]:
        why.append(f"the photo looks enlarged from a smaller picture (its fine detail stops at a sharp "
                   f"cut-off, as an enlargement leaves: a fall of {cliff:.2f} decades of power; at most "
                   f"{ai['max_spectral_cliff']} allowed)")
    quality = _num(row.get("fx_jpeg_quality"))
    if quality is not None and quality < ai["min_jpeg_quality"]:
        why.append(f"the file is too heavily compressed to judge (JPEG quality about {quality:.0f}; "
                   f"at least {ai['min_jpeg_quality']} needed)")
    return why


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
        why = not_assessable(row, ai)
        if why:
            return {"ai_score": None, "ai_basis": "not_assessable",
                    "ai_reasons": "; ".join(why) + "; the forensic score is withheld"}
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


SOURCE_STATUSES = ("confirmed", "suspected", "known_not_ai", "unknown")


def source_status(basis: Any, score: Any, declared: Any, suspect: float) -> str:
    """Where a photo stands for the AI numbers: "confirmed" AI (provenance or HR's declaration),
    "suspected" (the pixel check alone), "known_not_ai" (HR declared a photographer or the
    person, or a camera's provenance), or "unknown" (nobody has said and the file cannot tell:
    such a photo may be AI the pixel check missed, so it is never counted as "not AI")."""
    s = _num(score)
    if basis in ("provenance", "declared") and s is not None and s >= suspect:
        return "confirmed"
    if basis == "provenance":
        return "known_not_ai"
    if basis == "forensic" and s is not None and s >= suspect:
        return "suspected"
    if declared in ("photographer", "self"):
        return "known_not_ai"
    return "unknown"


@dataclass(frozen=True)
class DetectorFigures:
    """The shipped forensic model's own measured figures (None where the model file has none).
    Shares are of the development set, with format cues removed (the harder, honest case)."""

    threshold: float | None = None  # the score the figures were measured at
    caught: float | None = None  # AI images from generators seen in training that it flags
    false_alarms: float | None = None  # real photos it flags
    unseen_auroc: float | None = None  # ranking on generators it never saw (0.5 = chance)
    unseen_caught: float | None = None  # AI images from generators it never saw that it flags
    smoothing_raises: float | None = None  # real photos whose score a smoothing filter raised
    retouched_flagged: float | None = None  # retouched studio portraits it flags
    auroc: float | None = None  # ranking on generators seen in training
    n_ai: int | None = None
    n_real: int | None = None
    text: str | None = None  # the model file's own one-paragraph summary
    # share flagged at the threshold per kind of AI source ("app", "diffusion", "gan"), each
    # source left out of training: what a reviewer can expect from a generator it has not seen
    unseen_by_kind: dict[str, float] = field(default_factory=dict)

    def applies(self, threshold: float) -> bool:
        """True when the figures were measured at the threshold the audit uses."""
        return self.threshold is not None and abs(self.threshold - threshold) < 1e-9

    def missed(self) -> float | None:
        """Share of AI images (from generators it knows) the forensic check does not flag."""
        return None if self.caught is None else 1 - self.caught

    def caveat(self, threshold: float) -> str:
        """What a forensic count cannot show, in one plain sentence (empty without figures)."""
        if self.caught is None or not self.applies(threshold):
            return ""
        one_in = round(1 / self.caught) if self.caught > 0 else None
        words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
        share = (f"about one AI image in {words.get(one_in, one_in)}" if one_in and one_in > 1
                 else f"{self.caught:.0%} of AI images")
        unseen = ("" if self.unseen_caught is None else " and almost none from others" if self.unseen_caught < 0.05
                  else f" and {self.unseen_caught:.0%} from others")
        return (f"The pixel check catches {share} from the generators it was trained on{unseen}, "
                "so the rest may hold AI photos it missed.")


def _get(record: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(record, dict) or k not in record:
            return None
        record = record[k]
    return record


def _float(v: Any) -> float | None:
    try:
        return None if v is None or isinstance(v, bool) else float(v)
    except (TypeError, ValueError):
        return None


def detector_figures() -> DetectorFigures:
    """The figures of the shipped model file (`audit/models/forensic.json` `evaluation`), or
    empty figures when the model or a number is missing: texts then go without the figure
    rather than failing."""
    from .forensic_model import ModelError, load

    try:
        model = load()
    except ModelError:
        return DetectorFigures()
    ev, trained = model.get("evaluation") or {}, model.get("trained_on") or {}
    head = _get(ev, "headline") or {}
    n_ai, n_real = _float(_get(trained, "n_ai")), _float(_get(trained, "n_real"))
    return DetectorFigures(
        threshold=_float(_get(ev, "threshold")),
        caught=_float(head.get("known_generators_tpr_at_threshold_laundered")),
        false_alarms=_float(head.get("known_generators_fpr_at_threshold_laundered")),
        unseen_auroc=_float(head.get("unseen_generators_auroc_mean_laundered")),
        unseen_caught=_float(_get(ev, "chosen", "protocol_b_summary", "laundered", "tpr_at_threshold_mean")),
        smoothing_raises=_float(_get(ev, "chosen", "protocol_a", "smoothing_raises_score")),
        retouched_flagged=_float(head.get("retouched_real_flagged_laundered")),
        auroc=_float(head.get("known_generators_auroc_laundered")),
        n_ai=None if n_ai is None else int(n_ai), n_real=None if n_real is None else int(n_real),
        text=head.get("text") if isinstance(head.get("text"), str) else None,
        unseen_by_kind={kind: rate for kind, entry in (head.get("unseen_by_kind_laundered") or {}).items()
                        if (rate := _float(_get(entry, "flagged_at_threshold"))) is not None},
    )
