"""Suspected AI: provenance (near-certain) and forensics (probabilistic) kept apart, and the
declared source checked against what the file says.

Messages are for a client: what was seen and what it is worth, in words; the measures, the
score and the model's reasons are in the evidence. A photo the pixel forensics cannot read
(`ai_basis` "not_assessable") gets no finding here.
"""

from __future__ import annotations

from ..ai_evidence import detector_figures
from . import CheckContext, check
from .role import where_used


@check("ai", codes=["AI001", "AI002", "AI003", "AI004"])
def ai_evidence(ctx: CheckContext) -> None:
    suspect = ctx.policy["ai"]["suspect_score"]
    declared = dict(zip(ctx.staff["employee_id"], ctx.staff["photo_source"]))
    names = dict(zip(ctx.staff["employee_id"], ctx.staff["name"]))
    people = {p.employee_id: p for p in ctx.staff.itertuples(index=False)}
    for rec in ctx.photo_by_file().values():
        if rec.get("error"):
            continue
        eid, file = rec.get("employee_id"), rec["file"]
        who = f"{names.get(eid) or eid} ({eid})" if eid else file
        source = declared.get(eid) if rec.get("is_primary") else None
        basis, score = rec.get("ai_basis"), rec.get("ai_score")
        evidence = {"ai_score": score, "ai_basis": basis, "reasons": rec.get("ai_reasons"),
                    "generator": rec.get("prov_generator"), "declared_source": source}
        if basis == "provenance" and score is not None and score >= suspect:
            gen = rec.get("prov_generator")
            ctx.emit("AI001", f"{who}: the file itself says it was made by a generative AI"
                     f"{f' ({gen})' if gen else ''}.", employee_id=eid, file=file, evidence=evidence)
            if source in ("photographer", "self"):
                said = "a photographer" if source == "photographer" else "the person themselves"
                ctx.emit("AI002", f"{who}: HR records the photo as taken by {said}, but the file says it was "
                         "made by a generative AI.", employee_id=eid, file=file, evidence=evidence)
        elif basis == "forensic" and score is not None and score >= suspect:
            blur = _soft_face(ctx, file)
            person = people.get(eid) if rec.get("is_primary") else None
            reasons, large = where_used(person, ctx.policy) if person is not None else ([], [])
            stakes = (f"The photo is used in a high-stakes role or place ({', '.join(reasons + large)}), so it is "
                      "worth settling. " if reasons or large else "")
            ctx.emit("AI003", f"{who}: the pixel analysis suggests this photo may be AI-generated. "
                     f"{_worth(suspect, rec)}{blur}{stakes}This asks for a review, not a verdict.",
                     employee_id=eid, file=file,
                     evidence=evidence | {"softer_than_set": bool(blur), "stakes": reasons, "large_display": large},
                     severity="low" if blur else None)
        if source == "ai" and basis != "provenance":
            ctx.emit("AI004", f"{who}: HR declares this an AI headshot; the file itself does not say so "
                     "(editing and web tools often remove that record).", employee_id=eid, file=file,
                     evidence=evidence)


def _worth(threshold: float, rec: dict) -> str:
    """What the built-in check's suspicion is worth, from its own measured figures: a reader
    should weigh it knowing how often it is wrong. Empty when the figures do not apply
    (another threshold, a user's ONNX model in the mix)."""
    fig = detector_figures()
    if not fig.applies(threshold) or fig.caught is None or fig.false_alarms is None or rec.get("onnx_score") is not None:
        return ""
    unseen = (", and it is no better than chance on generators it was not trained on"
              if fig.unseen_auroc is not None and fig.unseen_auroc < 0.6 else "")
    kinds = ", ".join(f"{fig.unseen_by_kind[kind]:.0%} of {word} images" for kind, word in
                      (("app", "AI-headshot-app"), ("diffusion", "diffusion-model"), ("gan", "GAN"))
                      if kind in fig.unseen_by_kind)
    return (f"In its own tests it flagged {fig.caught:.0%} of AI images from generators it was trained on "
            f"and {fig.false_alarms:.1%} of real photos{unseen}"
            + (f"; on generators it had not seen, {kinds}" if kinds else "") + ". ")


def _soft_face(ctx: CheckContext, file: str) -> str:
    """A face much softer than the set's (the sharpness outlier of CON007) confounds the score,
    even when it is sharp enough to be judged at all: the model learned over-smoothed texture
    as a sign of generation, and a defocused or enlarged camera photo has it too. Such a
    finding says so, and drops to low."""
    style = ctx.house().photos.get(file)
    if style is None or not any(d.column == "sharpness" and d.diff < 0 for d in style.outliers()):
        return ""
    rate = detector_figures().smoothing_raises
    measured = f" (it did for {rate:.0%} of the real photos it was tested on)" if rate is not None else ""
    return ("But the face is much softer than the rest of the set, and softening alone raises this "
            f"suspicion{measured}: a sharper original settles it. ")
