"""Near-duplicates: the same picture used for two people is an error; several files of one
person is information.

Whole-frame and face-region pHashes (256 bit) are compared all-pairs with vectorised popcounts
(fine for tens of thousands of photos). Matches are not reported pair by pair: one picture used
for 30 people is 435 pairs but one problem. Photos are grouped into connected components over the
matches (and over files named by several staff rows), and each group is one finding that lists
every person and file in it. A group of several people sharing a flat, faceless image is a
placeholder, named as such with its own rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import CheckContext, Param, check

_NO_HASH = -1
# People named in a finding's message; evidence and related_files always hold all of them.
_MAX_NAMED = 12


def hash_matrix(hexes: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(n x words) uint64 matrix of hashes, and a mask of rows that have one."""
    present = np.array([bool(h) for h in hexes], dtype=bool)
    width = max((len(h) for h in hexes if h), default=16)
    words = (width + 15) // 16
    m = np.zeros((len(hexes), words), dtype=np.uint64)
    for i, h in enumerate(hexes):
        if h:
            h = h.rjust(words * 16, "0")
            m[i] = [int(h[j:j + 16], 16) for j in range(0, words * 16, 16)]
    return m, present


def distances_from(m: np.ndarray, present: np.ndarray, i: int) -> np.ndarray:
    """Hamming distance from row i to every row; _NO_HASH where either has no hash."""
    d = np.bitwise_count(np.bitwise_xor(m, m[i])).sum(axis=1, dtype=np.int64)
    d[~present] = _NO_HASH
    if not present[i]:
        d[:] = _NO_HASH
    return d


class Components:
    """Connected components of n nodes as a label array. Joining a node to a set of others
    relabels with one vectorised pass, so a group of k identical photos costs k passes, not
    the k^2 / 2 pair edges a per-edge union would walk in Python."""

    def __init__(self, n: int) -> None:
        self.label = np.arange(n)

    def join(self, nodes: np.ndarray) -> None:
        if len(nodes) < 2:
            return
        labels = np.unique(self.label[nodes])
        if len(labels) > 1:
            self.label[np.isin(self.label, labels)] = labels[0]

    def groups(self, min_size: int = 2) -> list[np.ndarray]:
        """Sorted node indices of each component of at least `min_size` nodes, in order of
        their first node."""
        order = np.argsort(self.label, kind="stable")
        cuts = np.flatnonzero(np.diff(self.label[order])) + 1
        return sorted((g for g in np.split(order, cuts) if len(g) >= min_size), key=lambda g: int(g[0]))


_FAR = np.iinfo(np.int64).max  # "matched nothing" in the closest-distance arrays


def _matches(photos: Any, p: dict[str, Any]) -> tuple[Components, Components, np.ndarray, np.ndarray]:
    """Components over same-image matches and over near matches (which include the same-image
    ones), and each photo's frame and face distance to its closest match."""
    n = len(photos)
    same_c, near_c = Components(n), Components(n)
    best_frame, best_face = np.full(n, _FAR), np.full(n, _FAR)
    if "phash" not in photos or n < 2:
        return same_c, near_c, best_frame, best_face
    whole, whole_ok = hash_matrix([h if isinstance(h, str) else None for h in photos["phash"]])
    face_col = photos["face_phash"] if "face_phash" in photos else [None] * n
    faces, face_ok = hash_matrix([h if isinstance(h, str) else None for h in face_col])
    for i in range(n - 1):
        if not whole_ok[i] and not face_ok[i]:
            continue
        dw, df = distances_from(whole, whole_ok, i)[i + 1:], distances_from(faces, face_ok, i)[i + 1:]
        same = ((dw >= 0) & (dw <= p["same_image"])) | ((df >= 0) & (df <= p["face_same_image"]))
        near = same | ((dw >= 0) & (dw <= p["review"])) | ((df >= 0) & (df <= p["face_review"]))
        hits = np.flatnonzero(near)
        if not len(hits):
            continue
        js = hits + i + 1
        same_c.join(np.append(js[same[hits]], i))
        near_c.join(np.append(js, i))
        for best, d in ((best_frame, dw[hits]), (best_face, df[hits])):
            d = np.where(d >= 0, d, _FAR)
            best[js] = np.minimum(best[js], d)
            best[i] = min(best[i], int(d.min()))
    return same_c, near_c, best_frame, best_face


def _distances(values: np.ndarray, label: str) -> str | None:
    real = values[values < _FAR]
    if not len(real):
        return None
    lo, hi = int(real.min()), int(real.max())
    return f"{label} pHash distance {lo}" if lo == hi else f"{label} pHash distances {lo}-{hi}"


def _listing(items: list[str]) -> str:
    """'a, b and c'; past _MAX_NAMED items: 'a, b, ... and 18 more'."""
    if len(items) > _MAX_NAMED:
        return ", ".join(items[:_MAX_NAMED]) + f" and {len(items) - _MAX_NAMED} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _placeholder_reasons(rows: list[dict[str, Any]], people: int, most_on_one_file: int,
                         p: dict[str, Any]) -> list[str]:
    """Why a shared image looks like a placeholder, in plain words; [] when it does not.
    Only groups of at least `min_people` people are asked: two people sharing a real portrait
    is a mix-up, not a placeholder."""
    if people < p["min_people"]:
        return []
    why = []
    measured = [r for r in rows if not isinstance(r.get("error"), str) and isinstance(r.get("phash"), str)]
    if measured and not any(r.get("face_found") for r in measured):
        why.append("no face found in it")
    spreads = [r["luma_std"] for r in measured if isinstance(r.get("luma_std"), (int, float))]
    if spreads and max(spreads) <= p["flat"]:
        why.append(f"flat: brightness spread {max(spreads):.2f}")
    if most_on_one_file >= p["min_people"]:
        why.append(f"one file named for {most_on_one_file} people")
    return why


@check("duplicates", codes=["DUP001", "DUP002", "DUP003", "DUP004"],
       params={"DUP004": {"min_people": Param("people sharing one image before it can be a placeholder", min=2, whole=True),
                          "flat": Param("largest brightness spread (luma standard deviation, 0-1) of a flat image",
                                        min=0, max=1)}})
def duplicates(ctx: CheckContext) -> None:
    p = ctx.policy["duplicates"]
    names = dict(zip(ctx.staff["employee_id"], ctx.staff["name"]))

    def who(eid: str) -> str:
        return f"{names.get(eid) or eid} ({eid})"

    # The people each file stands for: every staff row naming it (in row order), then the
    # owner found by its name ("E1005_old.jpg").
    owners: dict[str, list[str]] = {}
    for eid, file in zip(ctx.staff["employee_id"], ctx.staff["file"]):
        if isinstance(file, str):
            owners.setdefault(file, []).append(eid)
    photos = ctx.photos[ctx.photos["employee_id"].notna()].reset_index(drop=True)
    for file, eid in zip(photos["file"], photos["employee_id"]):
        if eid not in owners.setdefault(file, []):
            owners[file].append(eid)
    files = list(photos["file"])
    same_c, near_c, best_frame, best_face = _matches(photos, p)
    by_file = ctx.photo_by_file()  # the rows as dicts, made once for all checks
    records = [by_file[f] for f in files]

    def people_of(nodes: np.ndarray) -> list[str]:
        return list(dict.fromkeys(eid for i in nodes for eid in owners[files[i]]))

    def measures(nodes: np.ndarray) -> str:
        return "; ".join(m for m in (_distances(best_frame[nodes], "frame"), _distances(best_face[nodes], "face")) if m)

    def evidence(people: list[str], nodes: np.ndarray) -> dict[str, Any]:
        member_files: dict[str, list[str]] = {eid: [] for eid in people}
        for i in nodes:
            for eid in owners[files[i]]:
                member_files[eid].append(files[i])
        frame, face = best_frame[nodes], best_face[nodes]
        return {
            "people": len(people),
            # Whose action the finding drives: the first person is taken to own the picture
            # (the first staff row naming the file, or the first file), the others need their own.
            "employee_ids": people[1:],
            # `for_each`, set by the caller: the reason shown beside each person's action.
            "members": [{"employee_id": e, "name": names.get(e), "files": member_files[e]} for e in people],
            "same_file": len(nodes) == 1,
            "frame_distance": int(frame[frame < _FAR].max()) if (frame < _FAR).any() else None,
            "face_distance": int(face[face < _FAR].max()) if (face < _FAR).any() else None,
        }

    # One finding per same-image group (a lone file named by several rows is a group too).
    for nodes in same_c.groups(min_size=1):
        people = people_of(nodes)
        if len(people) < 2:
            continue
        group_files = [files[i] for i in nodes]
        ev = evidence(people, nodes)
        ev["for_each"] = f"Same image as {who(people[0])}" + (f" and {len(people) - 2} others" if len(people) > 2 else "")
        listed = _listing([who(e) for e in people])
        most = max(len(owners[f]) for f in group_files)
        placeholder = _placeholder_reasons([records[i] for i in nodes], len(people), most, ctx.params("DUP004"))
        if placeholder:
            ev.update(placeholder=placeholder, employee_ids=people,  # nobody owns a placeholder
                      for_each=f"Shares one image with {len(people) - 1} other people: it looks like a placeholder")
            ctx.emit("DUP004", f"{len(people)} people share one image: it looks like a placeholder "
                     f"({'; '.join(placeholder)}); book them into the next photo day. "
                     f"{_listing(group_files)}: {listed}",
                     file=group_files[0], related_files=group_files, evidence=ev)
        elif len(group_files) == 1:
            both = "both" if len(people) == 2 else f"all {len(people)} of"
            ctx.emit("DUP001", f"{group_files[0]} is the photo of {both} {listed}",
                     file=group_files[0], related_files=group_files, evidence=ev)
        else:
            ctx.emit("DUP001", f"{listed} have the same image ({_listing(group_files)}; {measures(nodes)})",
                     file=group_files[0], related_files=group_files, evidence=ev)

    # Near matches between different pictures: one look per group, unless every person in it
    # is already in one same-image group (then the near copy adds nobody).
    for nodes in near_c.groups():
        parts = np.unique(same_c.label[nodes])
        if len(parts) < 2:
            continue
        people = people_of(nodes)
        if max(len(people_of(nodes[same_c.label[nodes] == part])) for part in parts) == len(people):
            continue
        group_files = [files[i] for i in nodes]
        ev = evidence(people, nodes)
        ev["for_each"] = f"Photo very similar to {who(people[0])}'s" + (
            f" and {len(people) - 2} others'" if len(people) > 2 else "")
        ctx.emit("DUP002", f"{_listing([who(e) for e in people])} have very similar photos "
                 f"({_listing(group_files)}; {measures(nodes)})",
                 file=group_files[0], related_files=group_files, evidence=ev)

    per_person = ctx.photos[ctx.photos["employee_id"].notna()].groupby("employee_id")["file"].apply(list)
    for eid, flist in per_person.items():
        if len(flist) > 1:
            ctx.emit("DUP003", f"{who(eid)} has {len(flist)} photo files: {', '.join(flist)}",
                     employee_id=eid, file=flist[0], related_files=flist[1:], evidence={"files": flist})
