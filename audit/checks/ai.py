"""Suspected AI: provenance (near-certain) and forensics (probabilistic) kept apart, and the
declared source checked against what the file says."""

from __future__ import annotations

from . import CheckContext, check


@check("ai", codes=["AI001", "AI002", "AI003", "AI004"])
def ai_evidence(ctx: CheckContext) -> None:
    suspect = ctx.policy["ai"]["suspect_score"]
    declared = dict(zip(ctx.staff["employee_id"], ctx.staff["photo_source"]))
    names = dict(zip(ctx.staff["employee_id"], ctx.staff["name"]))
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
            ctx.emit("AI001", f"{who}: {file} carries AI provenance — {rec.get('ai_reasons')}",
                     employee_id=eid, file=file, evidence=evidence)
            if source in ("photographer", "self"):
                ctx.emit("AI002", f"{who}: the staff CSV says the photo is from a {source}, but the file's "
                         f"provenance says it was made by a generative AI", employee_id=eid, file=file,
                         evidence=evidence)
        elif basis == "forensic" and score is not None and score >= suspect:
            blur = _blur_caveat(ctx, file)
            ctx.emit("AI003", f"{who}: forensic score {score:.2f} suggests AI generation "
                     f"({rec.get('ai_reasons')}){_measured_rates(suspect, rec)}; {blur or ''}this is a "
                     "request for review, not a verdict", employee_id=eid, file=file,
                     evidence=evidence | {"blurred": bool(blur)}, severity="low" if blur else None)
        if source == "ai" and basis != "provenance":
            ctx.emit("AI004", f"{who}: declared AI photo; the file itself carries no AI provenance",
                     employee_id=eid, file=file, evidence=evidence)


def _measured_rates(threshold: float, rec: dict) -> str:
    """What the built-in detector's score is worth, in its own measured figures: a reader
    should weigh 0.99 from this detector knowing how often it is wrong, not as a certainty.
    Empty when the figures do not apply (another threshold, a user's ONNX model in the mix)."""
    measured_at = _evaluation("threshold")
    tpr = _evaluation("headline", "known_generators_tpr_at_threshold_laundered")
    fpr = _evaluation("headline", "known_generators_fpr_at_threshold_laundered")
    if measured_at != threshold or tpr is None or fpr is None or rec.get("onnx_score") is not None:
        return ""
    # held-out figures per kind of AI source (each source left out of training): what a
    # reviewer can expect from a generator the model has not seen
    kinds = [(word, _evaluation("headline", "unseen_by_kind_laundered", kind, "flagged_at_threshold"))
             for kind, word in (("app", "AI-headshot-app"), ("diffusion", "diffusion-model"), ("gan", "GAN"))]
    unseen = ", ".join(f"{rate:.0%} of {word} images" for word, rate in kinds if rate is not None)
    return (f"; at this threshold the detector flagged {tpr:.0%} of AI images from generators it was trained "
            f"on and {fpr:.1%} of real photos"
            + (f"; on generators it had not seen, {unseen}" if unseen else ""))


def _blur_caveat(ctx: CheckContext, file: str) -> str:
    """A face much blurrier than the set's (the sharpness outlier of CON007) confounds the score:
    the model learned over-smoothed texture as a sign of generation, and a defocused or
    upscaled camera photo has it too. Such a finding says so, and drops to low."""
    style = ctx.house().photos.get(file)
    if style is None or not any(d.column == "sharpness" and d.diff < 0 for d in style.outliers()):
        return ""
    rate = _evaluation("chosen", "protocol_a", "smoothing_raises_score")
    measured = f" (it did for {rate:.0%} of the real photos it was measured on)" if rate is not None else ""
    return ("but the face is much blurrier than the rest of the set (see CON007), and blurring alone "
            f"raises this score{measured}, so a sharper original settles both; ")


def _evaluation(*keys: str) -> float | None:
    """A number from the shipped forensic model's evaluation record (the figures the training
    script measured), or None when the model, the key or a number is missing: a finding then
    goes without the figure rather than failing."""
    from ..forensic_model import ModelError, load

    try:
        value = load()["evaluation"]
        for k in keys:
            value = value[k]
        return float(value)
    except (ModelError, KeyError, TypeError, ValueError):
        return None
