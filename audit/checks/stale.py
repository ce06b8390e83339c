"""Stale photos: age against the useful life of the photo's source (policy `staleness`), and
photos older than the person's time at the company (STL004)."""

from __future__ import annotations

from datetime import date
from typing import Any

from . import CheckContext, Param, check

_DAYS_PER_MONTH = 365.25 / 12
SOURCE_LABEL = {"photographer": "photographer's", "ai": "AI", "self": "self-taken", "unknown": "undeclared-source"}


def months_between(start: date, end: date) -> float:
    return (end - start).days / _DAYS_PER_MONTH


@check("stale", codes=["STL001", "STL002", "STL003", "STL004"],
       params={"STL004": {"grace_days": Param("days a photo may predate the hire date", min=0, whole=True)}})
def stale_photos(ctx: CheckContext) -> None:
    photos = ctx.photo_by_file()
    limits = ctx.policy["staleness"]
    for rec in ctx.staff.itertuples(index=False):
        photo = photos.get(rec.file) if rec.file is not None else None
        if photo is None:
            continue
        if photo.get("error"):
            continue
        who = f"{rec.name or rec.employee_id} ({rec.employee_id})"
        if rec.photo_date:
            taken, where = date.fromisoformat(rec.photo_date), "staff CSV"
        elif photo.get("capture_date"):
            taken, where = date.fromisoformat(photo["capture_date"]), "EXIF/XMP capture date"
        else:
            ctx.emit("STL003", f"{who}: no capture date in the staff CSV or the file's EXIF/XMP",
                     employee_id=rec.employee_id, file=rec.file)
            continue
        # A photo with AI provenance ages like an AI photo whatever the CSV declares.
        source = "ai" if photo.get("ai_basis") == "provenance" and (photo.get("ai_score") or 0) >= 0.5 else rec.photo_source
        _predates_hire(ctx, rec, who, taken, where)
        limit = limits.get(source, limits["unknown"])
        age = months_between(taken, ctx.as_of)
        evidence = {"photo_date": taken.isoformat(), "date_from": where, "age_months": round(age, 1),
                    "source": source, "warn_months": limit["warn"], "refresh_months": limit["refresh"]}
        if age >= limit["refresh"]:
            ctx.emit("STL001", f"{who}: photo is {age:.0f} months old; {SOURCE_LABEL.get(source, source)} photos "
                     f"should be replaced after {limit['refresh']} months", employee_id=rec.employee_id, file=rec.file, evidence=evidence)
        elif age >= limit["warn"]:
            ctx.emit("STL002", f"{who}: photo is {age:.0f} months old; plan a new one before {limit['refresh']} "
                     f"months ({SOURCE_LABEL.get(source, source)} photo)", employee_id=rec.employee_id, file=rec.file, evidence=evidence)


def _predates_hire(ctx: CheckContext, rec: Any, who: str, taken: date, where: str) -> None:
    """STL004: a photo taken before the person was hired (beyond a grace period) did not come
    from the company's shoots: a previous employer's photo, or a wrong date."""
    hired = getattr(rec, "hire_date", None)
    if not hired:
        return
    hire = date.fromisoformat(hired)
    early = (hire - taken).days
    if early <= ctx.params("STL004")["grace_days"]:
        return
    ctx.emit("STL004", f"{who}: the photo was taken on {taken.isoformat()} ({where}), {months_between(taken, hire):.0f} "
             f"months before the hire date {hire.isoformat()}", employee_id=rec.employee_id, file=rec.file,
             evidence={"photo_date": taken.isoformat(), "date_from": where, "hire_date": hire.isoformat(),
                       "days_before_hire": early})
