"""Near-duplicates: the same picture used for two people is an error; several files of one
person is information. pHash of the whole frame and of the centre (survives a re-crop)."""

from __future__ import annotations

import numpy as np

from . import CheckContext, check


def _bits(hexes: list[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hexes], dtype=np.uint64)


def _popcount(x: np.ndarray) -> np.ndarray:
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)


def hamming_matrix_row(hashes: np.ndarray, i: int) -> np.ndarray:
    """Hamming distances from hash i to every hash (vectorised; fine for tens of thousands)."""
    return _popcount(np.bitwise_xor(hashes, hashes[i]))


@check("duplicates", codes=["DUP001", "DUP002", "DUP003"])
def duplicates(ctx: CheckContext) -> None:
    params = ctx.policy["duplicates"]
    names = dict(zip(ctx.staff["employee_id"], ctx.staff["name"]))

    def who(eid: str) -> str:
        return f"{names.get(eid) or eid} ({eid})"

    # One file named by two staff rows is the plainest duplicate.
    for file, group in ctx.staff.dropna(subset=["file"]).groupby("file"):
        ids = list(group["employee_id"])
        for other in ids[1:]:
            ctx.emit("DUP001", f"{file} is the photo of both {who(ids[0])} and {who(other)}",
                     employee_id=other, file=file, related_files=[file],
                     evidence={"distance": 0, "same_file": True, "other_employee_id": ids[0]})

    ok = ctx.photos[ctx.photos["employee_id"].notna() & ctx.photos.get("phash", None).notna()] \
        if "phash" in ctx.photos else ctx.photos.iloc[0:0]
    ok = ok[ok["error"].isna()] if "error" in ok else ok
    owners = list(ok["employee_id"])
    files = list(ok["file"])
    if len(files) >= 2:
        whole, centre = _bits(list(ok["phash"])), _bits(list(ok["phash_centre"]))
        for i in range(len(files) - 1):
            d = np.minimum(hamming_matrix_row(whole, i), hamming_matrix_row(centre, i))
            for j in np.nonzero(d[i + 1:] <= params["review"])[0] + i + 1:
                if owners[i] == owners[j]:
                    continue
                dist = int(d[j])
                code = "DUP001" if dist <= params["same_image"] else "DUP002"
                verdict = "the same image" if code == "DUP001" else "very similar"
                ctx.emit(code, f"{who(owners[j])} and {who(owners[i])} have {verdict} photos "
                         f"({files[j]} and {files[i]}, pHash distance {dist})",
                         employee_id=owners[j], file=files[j], related_files=[files[i]],
                         evidence={"distance": dist, "other_employee_id": owners[i],
                                   "same_image_max": params["same_image"], "review_max": params["review"]})

    per_person = ctx.photos[ctx.photos["employee_id"].notna()].groupby("employee_id")["file"].apply(list)
    for eid, flist in per_person.items():
        if len(flist) > 1:
            ctx.emit("DUP003", f"{who(eid)} has {len(flist)} photo files: {', '.join(flist)}",
                     employee_id=eid, file=flist[0], related_files=flist[1:], evidence={"files": flist})
