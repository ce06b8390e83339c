"""Role and context mismatch: an AI headshot where the article says it costs trust.

High-stakes (ROL001): executives and senior leaders, public-facing titles, and client-facing
staff in high-stakes sectors. Large displays (ROL002): website, conference programmes, press.
Forensic suspicion alone never makes a high-severity finding: it becomes a medium "review".
"""

from __future__ import annotations

from typing import Any

from . import CheckContext, check


def _words(text: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split()}


def stakes(person: Any, policy: Any) -> list[str]:
    """Why this person's role is high-stakes, in plain words (empty when it is not)."""
    s, org = policy["stakes"], policy["organisation"]
    reasons = []
    if person.seniority in s["executive_seniority"]:
        reasons.append(f"{person.seniority} role")
    title_words = _words(person.title or "")
    public = sorted(title_words & {w.lower() for w in s["public_title_words"]})
    if public:
        reasons.append(f"public-facing title ({person.title})")
    if person.client_facing:
        sectors = {w.lower() for w in org["high_stakes_sectors"]}
        text_words = _words(f"{person.department} {person.title} {org['industry']}")
        hit = sorted(text_words & sectors)
        if hit:
            reasons.append(f"client-facing in {hit[0]}")
    return reasons


@check("role", codes=["ROL001", "ROL002"])
def role_mismatch(ctx: CheckContext) -> None:
    s = ctx.policy["stakes"]
    suspect = ctx.policy["ai"]["suspect_score"]
    photos = ctx.photo_by_file()
    for person in ctx.staff.itertuples(index=False):
        photo = photos.get(person.file) if person.file is not None else None
        if photo is None:
            continue
        basis, score = photo.get("ai_basis"), photo.get("ai_score")
        if basis not in ("provenance", "declared", "forensic") or score is None or score < suspect:
            continue
        weak = basis == "forensic"
        what = ("a photo that forensic analysis suspects is AI-generated (unconfirmed)" if weak
                else f"an AI headshot ({basis})")
        who = f"{person.name or person.employee_id} ({person.employee_id})"
        platforms = [p for p in (person.platforms or "").split(";") if p]
        large = [p for p in platforms if p in s["large_display_platforms"]]
        reasons = stakes(person, ctx.policy)
        evidence = {"ai_basis": basis, "ai_score": score, "stakes": reasons, "platforms": platforms,
                    "seniority": person.seniority, "client_facing": person.client_facing}
        review = "Review where the photo came from before acting; the evidence is probabilistic."
        if reasons:
            ctx.emit("ROL001", f"{who} uses {what} in a high-stakes role: {', '.join(reasons)}",
                     employee_id=person.employee_id, file=person.file, evidence=evidence,
                     severity="medium" if weak else None, recommendation=review if weak else None,
                     action="review" if weak else None)
        elif large:
            ctx.emit("ROL002", f"{who} uses {what} on {', '.join(large)}",
                     employee_id=person.employee_id, file=person.file, evidence=evidence,
                     severity="low" if weak else None, recommendation=review if weak else None,
                     action="review" if weak else None)
