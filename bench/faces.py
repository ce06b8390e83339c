"""Face measures on real photos: are they there, do they mirror, and what do the face rules find?

    .venv/bin/python bench/faces.py mirror [--data ../shared/devdata]
    .venv/bin/python bench/faces.py sets   [--data ../shared/devdata]
    .venv/bin/python bench/faces.py identity [--data ../shared/devdata]
    .venv/bin/python bench/faces.py speed --photos DIR [--n 40]

`mirror`: every real photo of the development set (its `manifest.csv`, label `real`) and its
mirrored copy: how often a face and each measure are found, and how well yaw and roll change
sign (and pitch stays) between the two. A correct pose measure gives yaw' = -yaw, roll' = -roll.

`sets`: the development set's real photos come from a few sources that are each a portfolio
(a studio's headshots, a team page, two conference speaker pages). Each is audited as one
portfolio, untouched (false outliers), and with injected outliers made from its own photos
(recall per kind). See docs/consistency.md, section 4, for the figures.

`identity`: the face descriptor (`--identity`) on the same sets: its CPU cost per photo, how close
two different people of one set come, and how far an edited copy of a photo moves.

`speed`: CPU per photo of finding the faces (`landmarks.find_faces`: detection and landmarks)
and of the whole face stage (`face.extract`: plus pose and the other measures), on the first
`--n` JPEGs of a folder (e.g. the speed benchmark's camera corpus, bench/bench.py), one process,
one OpenCV thread, models loaded before timing, each photo decoded before its clock starts.

The development photos are read, never written; copies with injections go to a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "devdata"
POSE_MEASURES = ("yaw_deg", "pitch_deg", "roll_deg", "eye_openness", "mouth_openness", "smile")


def real_photos(data: Path) -> list[dict[str, str]]:
    with open(data / "manifest.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["label"] == "real"]


def _measure_mirrored(data: Path, file: str) -> tuple[dict[str, Any], dict[str, Any], float]:
    from PIL import ImageOps

    from audit.features import face
    from audit.features.decode import Decoded, decode

    d = decode(data / file, file)
    t = time.process_time()
    a = face.extract(d)
    cpu = time.process_time() - t
    m = Decoded(path=None, file=file, format=d.format, mode="RGB", original_size=d.original_size,
                image=ImageOps.mirror(d.image))
    return a, face.extract(m), cpu


def mirror(data: Path) -> dict[str, Any]:
    rows = real_photos(data)
    pairs, cpu = [], []
    for r in rows:
        a, b, t = _measure_mirrored(data, r["file"])
        pairs.append((r["file"], a, b))
        cpu.append(t)
    n = len(pairs)
    faces = [(f, a, b) for f, a, b in pairs if a["face_found"]]
    both = [(f, a, b) for f, a, b in faces if b["face_found"]]
    found = [x for _, a, b in pairs for x in (a, b) if x["face_found"]]  # originals and mirrored copies
    present = {k: sum(1 for x in found if x.get(k) is not None) for k in POSE_MEASURES}
    n_faces = len(found)
    yaw = np.array([a["yaw_deg"] + b["yaw_deg"] for _, a, b in both])
    roll = np.array([a["roll_deg"] + b["roll_deg"] for _, a, b in both])
    pitch = np.array([a["pitch_deg"] - b["pitch_deg"] for _, a, b in both])
    out = {
        "photos": n, "face_found": len(faces), "face_found_mirrored": sum(1 for _, _, b in pairs if b["face_found"]),
        "measures_present": {k: f"{v}/{n_faces}" for k, v in present.items()},
        "pairs": len(both),
        "yaw_flip_within_6": int((np.abs(yaw) <= 6).sum()), "yaw_flip_median_abs": float(np.median(np.abs(yaw))),
        "yaw_flip_p95_abs": float(np.percentile(np.abs(yaw), 95)),
        "roll_flip_within_6": int((np.abs(roll) <= 6).sum()), "roll_flip_median_abs": float(np.median(np.abs(roll))),
        "pitch_same_within_6": int((np.abs(pitch) <= 6).sum()),
        "misses": [(f, a["yaw_deg"], b["yaw_deg"], a["roll_deg"], b["roll_deg"]) for f, a, b in both
                   if abs(a["yaw_deg"] + b["yaw_deg"]) > 6 or abs(a["roll_deg"] + b["roll_deg"]) > 6],
        "no_face": [f for f, a, _ in pairs if not a["face_found"]],
        "face_cpu_ms_median": 1000 * float(np.median(cpu)), "face_cpu_ms_p90": 1000 * float(np.percentile(cpu, 90)),
        "distribution": {k: [round(float(v), 3) for v in np.percentile([a[k] for _, a, _ in faces], [5, 25, 50, 75, 95])]
                         for k in POSE_MEASURES + ("head_height", "crown_y")},
    }
    return out


# Sources of the development set that are each one portfolio (one shoot or one web page).
PORTFOLIOS = ("rvmediacorp/Headshot-Portland-Official", "ropensci/roweb3", "djangocon/2018.djangocon.us",
              "djangocon/2021.djangocon.us")
# Injected outliers made from a real photo, and the rules that report each (a face filling the
# frame is found as a head much larger than the house's or as a head cut off, both tight crops).
INJECTED = {"blur": ("CON007",), "crown_cut": ("CON014",), "face_fill": ("CON003", "CON014"), "chin_cut": ("CON014",)}


def inject(img: Any, kind: str, row: dict[str, Any]) -> Any:
    """`img` (a real portrait) with one outlier of `kind`, placed from its measured face. Crops
    keep the frame's aspect ratio (centred on the face) and its size, as a re-crop would."""
    from PIL import ImageFilter

    W, H = img.size
    eye, chin, crown = row["eye_line"] * H, row["chin_y"] * H, row["crown_y"] * H
    cx = row["face_center_x"] * W
    if kind == "blur":  # out of focus: 1% of the frame height, as the synthetic injection
        return img.filter(ImageFilter.GaussianBlur(radius=max(2.0, H / 100)))
    if kind == "crown_cut":  # the frame starts halfway between the crown and the eyes
        top, bottom = max(0.0, crown + 0.5 * (eye - crown)), H
    elif kind == "chin_cut":  # the frame ends between the mouth and the chin, 12% of eye-to-chin above it
        top, bottom = 0.0, min(H, chin - 0.12 * (chin - eye))
    elif kind == "face_fill":  # the frame is 1.6 face heights tall: the face fills it
        fy, fh = row["face_y"] * H, row["face_h"] * H
        top = max(0.0, fy - 0.35 * fh)
        bottom = min(float(H), top + 1.6 * fh)
    else:
        raise ValueError(kind)
    h = bottom - top
    w = h * W / H
    left = min(max(0.0, cx - w / 2), max(0.0, W - w))
    return img.crop((int(left), int(top), int(left + w), int(bottom))).resize((W, H))


AI_CODES = ("AI001", "AI002", "AI003", "AI004", "AI005")


def _audit(rows: list[dict[str, Any]]) -> list[Any]:
    """Consistency and AI findings of one portfolio of feature rows: one person per photo, whose
    staff row says nothing (no title, no declared source), so the AI checks see what they see
    of a photo of unknown origin."""
    from datetime import date

    import pandas as pd

    from audit.ai_evidence import score_row
    from audit.checks import CheckContext
    from audit.checks.ai import ai_evidence
    from audit.checks.consistency import check_consistency
    from audit.checks.role import role_mismatch
    from audit.policy import load_policy
    from audit.staff import STAFF_COLUMNS

    policy = load_policy()
    photos = pd.DataFrame([r | score_row(r, None, policy) for r in rows])
    photos["employee_id"] = [f"E{i}" for i in range(len(photos))]
    photos["is_primary"] = True
    staff = pd.DataFrame({c: [None] * len(photos) for c in STAFF_COLUMNS})
    staff["employee_id"] = photos["employee_id"]
    staff["name"] = [f"Person {i}" for i in range(len(photos))]
    staff["file"] = photos["file"]
    ctx = CheckContext(staff=staff, photos=photos, policy=policy, as_of=date(2026, 12, 1))
    for run in (check_consistency, ai_evidence, role_mismatch):
        run(ctx)
    return ctx.findings


def sets(data: Path) -> dict[str, Any]:
    import tempfile

    from audit.features import extract_one
    from audit.features.decode import decode

    by_source: dict[str, list[str]] = {}
    for r in real_photos(data):
        by_source.setdefault(r["source_repo"], []).append(r["file"])
    out: dict[str, Any] = {}
    tally = ("found", "ai", "second_face")
    totals = {t: {k: [0, 0] for k in INJECTED} for t in tally}
    for source in PORTFOLIOS:
        files = by_source.get(source, [])
        rows = [extract_one(str(data), f) for f in files]
        alone = _audit(rows)
        flagged: dict[str, list[str]] = {}
        for f in alone:
            if f.file:
                flagged.setdefault(f.code, []).append(f.file)
        res: dict[str, Any] = {"photos": len(files), "faces": sum(1 for r in rows if r.get("face_found")),
                               "untouched_flagged": {c: len(v) for c, v in sorted(flagged.items())},
                               "untouched_flagged_files": {c: sorted(v) for c, v in sorted(flagged.items())
                                                           if c in ("CON001", "CON002", "CON011", "CON012", "CON013",
                                                                    "CON014") + AI_CODES}}
        counts = {t: {k: [0, 0] for k in INJECTED} for t in tally}
        missed: list[str] = []
        with tempfile.TemporaryDirectory() as tmp:
            for i, (f, row) in enumerate(zip(files, rows)):
                if i % 3 or not row.get("face_found") or row.get("face_count", 0) > 1:
                    continue  # every third photo with one face gets each injection in turn
                img = decode(data / f, f).image
                for kind, wanted in INJECTED.items():
                    name = f"{Path(f).stem}_{kind}.png"
                    inject(img, kind, row).save(Path(tmp) / name)
                    new = extract_one(tmp, name)
                    fs = _audit([r for r in rows if r["file"] != f] + [new])
                    codes = sorted({x.code for x in fs if x.file == name})
                    for t, hit in (("found", bool(set(codes) & set(wanted))), ("ai", bool(set(codes) & set(AI_CODES))),
                                   ("second_face", "CON002" in codes)):
                        counts[t][kind][0] += hit
                        counts[t][kind][1] += 1
                    if not set(codes) & set(wanted) or set(codes) & set(AI_CODES + ("CON002",)):
                        missed.append(f"{f} {kind}: {codes or 'nothing'}")
        for t in tally:
            for k, (a, n) in counts[t].items():
                totals[t][k][0] += a
                totals[t][k][1] += n
        res["injected_found"] = {k: f"{a}/{n}" for k, (a, n) in counts["found"].items()}
        res["injected_with_an_ai_finding"] = {k: f"{a}/{n}" for k, (a, n) in counts["ai"].items()}
        res["injected_with_a_second_face"] = {k: f"{a}/{n}" for k, (a, n) in counts["second_face"].items()}
        res["missed or wrongly flagged"] = missed
        out[source] = res
    out["all sets"] = {
        "injected_found": {k: f"{a}/{n} ({' or '.join(INJECTED[k])})" for k, (a, n) in totals["found"].items()},
        "injected_with_an_ai_finding (AI001-AI005)": {k: f"{a}/{n}" for k, (a, n) in totals["ai"].items()},
        "injected_with_a_second_face (CON002)": {k: f"{a}/{n}" for k, (a, n) in totals["second_face"].items()},
    }
    return out


def identity(data: Path) -> dict[str, Any]:
    """Face descriptors of the portfolio sets: CPU per photo, distances between different people
    of one set (every photo of a team page or a studio's gallery is another person), and
    between a photo and edited copies of it (the same face: re-crop, blur, half size)."""
    from PIL import ImageFilter

    from audit.features import face
    from audit.features import identity as ident
    from audit.features.decode import Decoded, decode

    def descriptor(img: Any, file: str, size: tuple[int, int]) -> tuple[np.ndarray | None, float]:
        d = Decoded(path=None, file=file, format="PNG", mode="RGB", original_size=size, image=img)
        d.options = {"identity": True}
        face.detect(d)
        t = time.process_time()
        v = ident.decode_descriptor(ident.extract(d).get("face_descriptor"))
        return v, time.process_time() - t

    by_source: dict[str, list[str]] = {}
    for r in real_photos(data):
        by_source.setdefault(r["source_repo"], []).append(r["file"])
    cpu: list[float] = []
    impostor: list[float] = []
    genuine: dict[str, list[float]] = {"crop": [], "blur": [], "half": []}
    closest: list[tuple[float, str, str]] = []
    for source in PORTFOLIOS:
        vs = []
        for f in by_source.get(source, []):
            img = decode(data / f, f).image
            v, t = descriptor(img, f, img.size)
            cpu.append(t)
            if v is None:
                continue
            vs.append((f, v))
            W, H = img.size
            edits = {"crop": img.crop((int(0.08 * W), int(0.05 * H), int(0.92 * W), H)),
                     "blur": img.filter(ImageFilter.GaussianBlur(max(2.0, H / 200))),
                     "half": img.resize((W // 2, H // 2))}
            for k, e in edits.items():
                u, _ = descriptor(e, f, e.size)
                if u is not None:
                    genuine[k].append(ident.distance(u, v))
        for i in range(len(vs)):
            for j in range(i + 1, len(vs)):
                dist = ident.distance(vs[i][1], vs[j][1])
                impostor.append(dist)
                closest.append((dist, vs[i][0], vs[j][0]))
    closest.sort()
    imp = np.array(impostor)
    return {
        "descriptor_cpu_ms_median": 1000 * float(np.median(cpu)), "descriptor_cpu_ms_p90": 1000 * float(np.percentile(cpu, 90)),
        "different_people_pairs": len(imp),
        "different_people_distance_p1_p5_p50": [round(float(x), 3) for x in np.percentile(imp, [1, 5, 50])],
        "different_people_under": {str(t): int((imp < t).sum()) for t in (0.4, 0.5, 0.6)},
        "closest_different_pairs": [(round(d, 3), a, b) for d, a, b in closest[:6]],
        "same_photo_edited_distance_max": {k: round(max(v), 3) if v else None for k, v in genuine.items()},
        "same_photo_edited_distance_median": {k: round(float(np.median(v)), 3) if v else None for k, v in genuine.items()},
    }


def speed(folder: Path, n: int) -> dict[str, Any]:
    import cv2

    from audit.features import face, landmarks
    from audit.features.decode import decode

    cv2.setNumThreads(1)
    files = sorted(folder.glob("*.jpg"))[:n]
    if not files:
        sys.exit(f"faces.py: no .jpg files in {folder}")
    landmarks.find_faces(decode(files[0], files[0].name))  # load the models
    find, stage, counts = [], [], []
    for f in files:
        d = decode(f, f.name)
        t = time.process_time()
        faces = landmarks.find_faces(d)
        t1 = time.process_time()
        face.extract(d)  # reuses the faces found: the rest of the stage
        t2 = time.process_time()
        find.append(t1 - t)
        stage.append(t2 - t)
        counts.append(len(faces))
    return {"photos": len(files), "with a face": sum(1 for c in counts if c),
            "find_faces_cpu_ms_median": 1000 * float(np.median(find)),
            "find_faces_cpu_ms_p90": 1000 * float(np.percentile(find, 90)),
            "face_stage_cpu_ms_median": 1000 * float(np.median(stage)),
            "face_stage_cpu_ms_p90": 1000 * float(np.percentile(stage, 90))}


def _print(d: dict[str, Any], indent: str = "") -> None:
    for k, v in d.items():
        if isinstance(v, dict):
            print(f"{indent}{k}:")
            _print(v, indent + "  ")
        elif isinstance(v, float):
            print(f"{indent}{k}: {v:.2f}")
        else:
            print(f"{indent}{k}: {v}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["mirror", "sets", "identity", "speed"])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the development set (manifest.csv + files)")
    ap.add_argument("--photos", type=Path, help="speed: a folder of JPEGs")
    ap.add_argument("--n", type=int, default=40, help="speed: how many of its photos")
    args = ap.parse_args(argv)
    if args.what == "speed":
        if args.photos is None:
            sys.exit("faces.py speed: give --photos DIR (a folder of JPEGs)")
        _print(speed(args.photos, args.n))
        return
    if not (args.data / "manifest.csv").is_file():
        sys.exit(f"faces.py: no manifest.csv in {args.data}")
    t0 = time.perf_counter()
    if args.what == "mirror":
        _print(mirror(args.data))
    elif args.what == "sets":
        _print(sets(args.data))
    else:
        _print(identity(args.data))
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
