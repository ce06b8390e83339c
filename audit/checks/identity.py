"""Who is in the photo (only with `--identity`): one face under two people, or another person
than last time. Reads the `face_descriptor` column (`audit.features.identity`); no image I/O.

A descriptor distance is evidence, never a verdict (twins, heavy retouching and years between
two photos move it; docs/consistency.md says what it cannot tell), so both rules ask for a
review, and the evidence gives the distance and the threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..features.identity import decode_descriptor
from . import CheckContext, Param, check


@check("identity", codes=["DUP005", "DUP006"], params={
    "DUP005": {"max_distance": Param("descriptor distance under which two photos show one person", above=0, max=2)},
    "DUP006": {"min_distance": Param("descriptor distance over which two photos show two people", above=0, max=2)},
})
def check_identity(ctx: CheckContext) -> None:
    photos = ctx.photos
    if photos is None or "face_descriptor" not in photos:
        return
    people = _faces(photos)
    _same_face(ctx, people)
    if ctx.previous_faces:
        _other_person(ctx, people)


def _faces(photos: Any) -> list[tuple[str, str, str | None, np.ndarray]]:
    """(employee_id, file, sha256, descriptor) of every owned photo with a face."""
    out = []
    sha = photos["sha256"] if "sha256" in photos else [None] * len(photos)
    for eid, f, s, d in zip(photos["employee_id"], photos["file"], sha, photos["face_descriptor"]):
        v = decode_descriptor(d)
        if v is not None and isinstance(eid, str) and eid:
            out.append((eid, str(f), s if isinstance(s, str) else None, v))
    return out


def _same_face(ctx: CheckContext, people: list[tuple[str, str, str | None, np.ndarray]]) -> None:
    """DUP005: one face under two employees, in two different files (an identical file is DUP001's)."""
    if len(people) < 2:
        return
    limit = float(ctx.params("DUP005")["max_distance"])
    V = np.stack([p[3] for p in people])
    sq = (V * V).sum(1)
    D = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * V @ V.T, 0.0))
    # pairs the duplicate check already reported as one image (re-encoded, resized) are left to it
    reported = [{f.file, *f.related_files} for f in ctx.findings if f.code in ("DUP001", "DUP002")]
    ii, jj = np.nonzero(np.triu(D < limit, 1))
    for i, j in zip(ii.tolist(), jj.tolist()):
        (ea, fa, sa, _), (eb, fb, sb, _) = people[i], people[j]
        if ea == eb or fa == fb or (sa is not None and sa == sb) or any({fa, fb} <= r for r in reported):
            continue
        d = float(D[i, j])
        ctx.emit("DUP005",
                 f"The face in {fa} ({ea}) and in {fb} ({eb}) looks like the same person (face descriptor "
                 f"distance {d:.2f}; under {limit:.2f} is usually one person).",
                 employee_id=eb, file=fb, related_files=[fa],
                 evidence={"distance": round(d, 3), "threshold": limit, "other_employee_id": ea, "other_file": fa})


def _other_person(ctx: CheckContext, people: list[tuple[str, str, str | None, np.ndarray]]) -> None:
    """DUP006: an employee's new photo shows another face than the photo of the previous audit."""
    limit = float(ctx.params("DUP006")["min_distance"])
    for eid, f, sha, v in people:
        prev = ctx.previous_faces.get(eid)
        if not prev or (sha is not None and prev.get("sha256") == sha):
            continue
        old = decode_descriptor(prev.get("face_descriptor"))
        if old is None:
            continue
        d = float(np.linalg.norm(v - old))
        if d <= limit:
            continue
        when = f" of {prev['as_of']}" if prev.get("as_of") else ""
        ctx.emit("DUP006",
                 f"The new photo {f} does not look like the person in the photo of the previous audit{when} "
                 f"({prev.get('file')}): face descriptor distance {d:.2f}, over {limit:.2f}.",
                 employee_id=eid, file=f, related_files=[str(prev.get("file"))] if prev.get("file") else [],
                 evidence={"distance": round(d, 3), "threshold": limit, "previous_file": prev.get("file"),
                           "previous_as_of": prev.get("as_of")})
