"""Role and context: an AI headshot where the article says it costs trust, and a question where
the file cannot tell.

High-stakes (ROL001): executives and senior leaders, public-facing titles, and client-facing
staff in high-stakes sectors. Large displays (ROL002): website, conference programmes, press.
Only a confirmed AI photo (provenance or HR's declaration) makes a role finding: a forensic
suspicion alone is AI003, a request for review that names the role, never a role accusation.
A photo in a high-stakes role or place whose source nobody knows (no provenance, nothing
declared, no forensic suspicion) gets AI005: ask where it came from (an e-mail, no cost).

Title words are matched as whole words and read in context: each word may have phrases in which
it means something else ("HR Business Partner") and sectors outside which it does not count
("Partner" is a public face of a law or advisory firm, not of a software company's channel
team). Every reason names what matched, so a reader can check it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from . import CheckContext, check


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    """The lower-case words of `text` (letters and digits; everything else separates). Cached:
    every person's title and department is matched against every title word and sector, the
    same few strings thousands of times (0.2 s of a 300-person run before)."""
    return tuple("".join(c.lower() if c.isalnum() else " " for c in text or "").split())


def _original_words(text: str) -> list[str]:
    return "".join(c if c.isalnum() else " " for c in text or "").split()


def _has_phrase(words: tuple[str, ...], phrase: str) -> bool:
    p = _words(phrase)
    return bool(p) and any(words[i:i + len(p)] == p for i in range(len(words) - len(p) + 1))


def _sector_in(person: Any, policy: Any, sectors: list[str]) -> str | None:
    """Where one of `sectors` is named for this person: the department (as written), the title,
    or the organisation's industry. None when none is."""
    wanted = [s for s in sectors if _words(s)]
    for label, text in (("department", person.department), ("title", person.title),
                        ("industry", policy["organisation"]["industry"])):
        words = _words(text or "")
        for s in wanted:
            if _has_phrase(words, s):
                return (text or "").strip() if label == "department" else (
                    f"{s} (the organisation's industry)" if label == "industry" else s)
    return None


def title_stakes(person: Any, policy: Any) -> list[str]:
    """The public-facing title words of this person, each with where it matched, e.g.
    "title word 'Partner' in Legal" (empty when none counts in this context)."""
    title = person.title or ""
    words, shown = _words(title), _original_words(title)
    reasons = []
    for word, rule in policy["stakes"]["title_words"].items():
        if not rule.get("enabled", True) or not _words(word):
            continue
        w = _words(word)
        at = next((i for i in range(len(words) - len(w) + 1) if words[i:i + len(w)] == w), None)
        if at is None or any(_has_phrase(words, u) for u in rule.get("unless", [])):
            continue
        as_written = " ".join(shown[at:at + len(w)])
        if rule.get("only_in"):
            where = _sector_in(person, policy, rule["only_in"])
            if where is None:
                continue
            reasons.append(f"title word '{as_written}' in {where}")
        else:
            reasons.append(f"public-facing title word '{as_written}'")
    return reasons


def stakes(person: Any, policy: Any) -> list[str]:
    """Why this person's role is high-stakes, in plain words (empty when it is not)."""
    s, org = policy["stakes"], policy["organisation"]
    reasons = []
    if person.seniority in s["executive_seniority"]:
        reasons.append(f"{person.seniority} role")
    reasons.extend(title_stakes(person, policy))
    if person.client_facing:
        where = _sector_in(person, policy, org["high_stakes_sectors"])
        if where:
            reasons.append(f"client-facing in {where}")
    return reasons


def platforms_of(person: Any) -> list[str]:
    return [p for p in (person.platforms or "").split(";") if p]


def ai_adequate(person: Any, policy: Any) -> bool:
    """True when the policy says an AI headshot is adequate for this use: the person's level is
    one of `ai_adequate_seniority` and the photo is used only in `ai_adequate_platforms` (a
    photo with no recorded places is not assumed to be internal)."""
    s = policy["stakes"]
    places = platforms_of(person)
    return (person.seniority in s["ai_adequate_seniority"] and bool(places)
            and all(p in s["ai_adequate_platforms"] for p in places))


def where_used(person: Any, policy: Any) -> tuple[list[str], list[str]]:
    """(role reasons, large-display places) of this person's photo; both empty when the use is
    one the policy calls adequate for AI."""
    if ai_adequate(person, policy):
        return [], []
    large = [p for p in platforms_of(person) if p in policy["stakes"]["large_display_platforms"]]
    return stakes(person, policy), large


@check("role", codes=["ROL001", "ROL002", "AI005"])
def role_mismatch(ctx: CheckContext) -> None:
    suspect = ctx.policy["ai"]["suspect_score"]
    photos = ctx.photo_by_file()
    for person in ctx.staff.itertuples(index=False):
        photo = photos.get(person.file) if person.file is not None else None
        if photo is None or photo.get("error"):
            continue
        reasons, large = where_used(person, ctx.policy)
        if not reasons and not large:
            continue
        basis, score = photo.get("ai_basis"), photo.get("ai_score")
        who = f"{person.name or person.employee_id} ({person.employee_id})"
        platforms = platforms_of(person)
        evidence = {"ai_basis": basis, "ai_score": score, "stakes": reasons, "platforms": platforms,
                    "seniority": person.seniority, "client_facing": person.client_facing}
        flagged = score is not None and score >= suspect
        if basis == "forensic" and flagged:
            continue  # a suspicion only: AI003 asks for a review and names the role; no role finding
        if basis not in ("provenance", "declared") or not flagged:
            if basis != "provenance" and (person.photo_source or "unknown") == "unknown":
                _ask_source(ctx, person, who, reasons, large, evidence)
            continue
        what = "an AI headshot (" + ("its file says so" if basis == "provenance" else "declared by HR") + ")"
        if reasons:
            ctx.emit("ROL001", f"{who} uses {what} in a high-stakes role: {', '.join(reasons)}.",
                     employee_id=person.employee_id, file=person.file, evidence=evidence)
        else:
            ctx.emit("ROL002", f"{who} uses {what} on the {_join(large)}.",
                     employee_id=person.employee_id, file=person.file, evidence=evidence)


def _ask_source(ctx: CheckContext, person: Any, who: str, reasons: list[str], large: list[str],
                evidence: dict[str, Any]) -> None:
    """AI005: nobody has said where a high-stakes photo came from, and the file cannot tell."""
    why = ", ".join(reasons) if reasons else f"shown on the {_join(large)}"
    ctx.emit("AI005", f"{who}: nobody has recorded where this photo came from, and the file cannot tell "
             f"(no provenance metadata, no sign of AI in the pixels); it is used in a high-stakes role or "
             f"place ({why}), so ask.", employee_id=person.employee_id, file=person.file,
             evidence=evidence | {"declared_source": None})


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
