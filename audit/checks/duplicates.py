"""Near-duplicates: the same picture used for two people is an error; several files of one
person is information. Whole-frame and face-region pHashes (256 bit), compared all-pairs with
vectorised popcounts (fine for tens of thousands of photos)."""

from __future__ import annotations

import numpy as np

from . import CheckContext, check

_NO_HASH = -1


def hash_matrix(hexes: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(n x words) uint64 matrix of hashes, and a mask of rows that have one."""
    present = np.array([bool(h) for h in hexes])
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


@check("duplicates", codes=["DUP001", "DUP002", "DUP003"])
def duplicates(ctx: CheckContext) -> None:
    p = ctx.policy["duplicates"]
    names = dict(zip(ctx.staff["employee_id"], ctx.staff["name"]))

    def who(eid: str) -> str:
        return f"{names.get(eid) or eid} ({eid})"

    # One file named by two staff rows is the plainest duplicate.
    for file, group in ctx.staff.dropna(subset=["file"]).groupby("file"):
        ids = list(group["employee_id"])
        for other in ids[1:]:
            ctx.emit("DUP001", f"{file} is the photo of both {who(ids[0])} and {who(other)}",
                     employee_id=other, file=file, related_files=[file],
                     evidence={"same_file": True, "other_employee_id": ids[0]})

    photos = ctx.photos
    if "phash" in photos:
        photos = photos[photos["employee_id"].notna() & photos["error"].isna() & photos["phash"].notna()]
        owners, files = list(photos["employee_id"]), list(photos["file"])
        whole, whole_ok = hash_matrix(list(photos["phash"]))
        faces, face_ok = hash_matrix(list(photos.get("face_phash", [None] * len(files))))
        for i in range(len(files) - 1):
            dw, df = distances_from(whole, whole_ok, i), distances_from(faces, face_ok, i)
            same = ((dw >= 0) & (dw <= p["same_image"])) | ((df >= 0) & (df <= p["face_same_image"]))
            near = ((dw >= 0) & (dw <= p["review"])) | ((df >= 0) & (df <= p["face_review"]))
            for j in np.nonzero(near[i + 1:])[0] + i + 1:
                if owners[i] == owners[j]:
                    continue
                code = "DUP001" if same[j] else "DUP002"
                verdict = "the same image" if same[j] else "very similar"
                measures = ", ".join(f"{label} pHash distance {int(d)}" for label, d in
                                     (("frame", dw[j]), ("face", df[j])) if d >= 0)
                ctx.emit(code, f"{who(owners[j])} and {who(owners[i])} have {verdict} photos "
                         f"({files[j]} and {files[i]}; {measures})",
                         employee_id=owners[j], file=files[j], related_files=[files[i]],
                         evidence={"frame_distance": int(dw[j]) if dw[j] >= 0 else None,
                                   "face_distance": int(df[j]) if df[j] >= 0 else None,
                                   "other_employee_id": owners[i]})

    per_person = ctx.photos[ctx.photos["employee_id"].notna()].groupby("employee_id")["file"].apply(list)
    for eid, flist in per_person.items():
        if len(flist) > 1:
            ctx.emit("DUP003", f"{who(eid)} has {len(flist)} photo files: {', '.join(flist)}",
                     employee_id=eid, file=flist[0], related_files=flist[1:], evidence={"files": flist})
