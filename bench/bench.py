"""Benchmark: throughput, memory and warm re-run time of a full audit on a synthetic portfolio.

    .venv/bin/python bench/bench.py --n 2000 [--jobs 2] [--pdf] [--stages]

Generates (once, then reuses) N staff with camera-sized JPEGs (4000x3000) and some 1024 px PNG
and WebP files, then measures in one run:
  - bare decode: every photo decoded at reduced scale with Pillow (draft + load), same worker count;
  - full audit, cold (empty feature cache), json+csv outputs, and with the PDF when --pdf;
  - full audit, warm (same cache, nothing changed);
  - peak RSS of the largest single process of each audit (main or worker).
Each audit runs as its own process (`headshot-audit run`), timed from outside.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _render(args: tuple[int, str, str]) -> str:
    from audit.synth.portrait import random_spec, render_portrait

    seed, path, kind = args
    p = Path(path)
    if p.exists():
        return path
    spec = random_spec(seed, width=600, height=800, noise=2.0)
    img = render_portrait(spec)
    tmp = p.with_suffix(p.suffix + ".part")
    if kind == "camera":
        # Camera-sized: upscale to 3000x4000 portrait; sensor-like noise survives in the JPEG.
        big = img.resize((3000, 4000), Image.Resampling.BICUBIC)
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "Canon", "EOS R6"
        exif.get_ifd(0x8769)[0x9003] = f"202{seed % 6}:0{1 + seed % 9}:1{seed % 9} 10:00:00"
        big.save(tmp, "JPEG", quality=90, exif=exif.tobytes())
    elif kind == "png":
        img.resize((1024, 1024)).save(tmp, "PNG")
    else:
        img.resize((1024, 1024)).save(tmp, "WEBP", quality=85)
    os.replace(tmp, p)
    return path


def make_portfolio(root: Path, n: int, jobs: int) -> Path:
    photos = root / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    rows, tasks = [], []
    for i in range(n):
        kind = "png" if i % 20 == 7 else "webp" if i % 20 == 13 else "camera"
        ext = {"camera": "jpg", "png": "png", "webp": "webp"}[kind]
        file = f"photos/E{i:05d}.{ext}"
        tasks.append((i, str(root / file), kind))
        rows.append({"employee_id": f"E{i:05d}", "name": f"Person {i}", "title": rng.choice(["Analyst", "Partner", "CEO", "Engineer"]),
                     "department": rng.choice(["Advisory", "Engineering", "Legal", "Marketing"]), "photo": file,
                     "photo_date": f"20{rng.randint(20, 26)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                     "photo_source": rng.choice(["photographer"] * 8 + ["ai", "self"]),
                     "client_facing": rng.choice(["yes", "no"]), "seniority": rng.choice(["junior", "mid", "senior", "executive"]),
                     "platforms": rng.choice(["website;linkedin", "internal", "conference;website", "linkedin"])})
    with ProcessPoolExecutor(jobs) as ex:
        for _ in ex.map(_render, tasks, chunksize=8):
            pass
    with open(root / "staff.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return root


def _bare_decode(path: str) -> tuple[int, int]:
    from audit.features.decode import DRAFT_SIZE  # the same reduced scale the audit decodes at

    with Image.open(path) as im:
        im.draft("RGB", (DRAFT_SIZE, DRAFT_SIZE))
        im.load()
        return im.size


def bare_decode(root: Path, jobs: int) -> float:
    files = sorted(str(p) for p in (root / "photos").iterdir())
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_bare_decode, files, chunksize=16))
    return time.perf_counter() - t0


def stage_costs(root: Path, sample: int = 60) -> dict[str, float]:
    """CPU milliseconds per photo of each stage, on the first `sample` camera JPEGs, one process
    and one OpenCV thread (as in a worker): where the audit's time goes, next to the bare decode."""
    import cv2

    from audit.cache import file_sha256
    from audit.features import EXTRACTORS
    from audit.features.decode import decode

    cv2.setNumThreads(1)
    files = sorted((root / "photos").glob("*.jpg"))[:sample]
    cost: dict[str, float] = {}

    def clock(name: str, fn, *args):
        t0 = time.process_time()
        out = fn(*args)
        cost[name] = cost.get(name, 0.0) + time.process_time() - t0
        return out

    for f in files:
        clock("bare decode (baseline)", _bare_decode, str(f))
        clock("sha256", file_sha256, f)
        d = clock("decode", decode, f, f.name)
        for name, extractor in EXTRACTORS:
            clock(name, extractor, d)
    return {k: round(1000 * v / max(len(files), 1), 1) for k, v in cost.items()}


def timed_audit(root: Path, out: Path, cache: Path, jobs: int, formats: str) -> dict:
    """Wall time and peak RSS (largest single process) of one `headshot-audit run`."""
    cmd = [str(VENV_BIN / "headshot-audit"), "run", str(root), "--out", str(out), "--format", formats,
           "--as-of", "2026-11-29", "--jobs", str(jobs), "--cache", str(cache)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"audit failed ({code}): {err[-2000:]}")
    # ru_maxrss of the main process; worker processes report through RUSAGE_CHILDREN of ours
    # only when reaped by us, so ask the OS for the largest child of this benchmark so far.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"wall_s": wall, "main_rss_mib": usage.ru_maxrss / 1024, "max_child_rss_mib": children / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="staff / photos (default 200)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "headshot-audit-bench")
    ap.add_argument("--pdf", action="store_true", help="also time a cold run that renders the PDF")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--stages", action="store_true", help="also print CPU ms per photo of each stage")
    args = ap.parse_args()

    root = args.workdir / f"portfolio-{args.n}"
    t0 = time.perf_counter()
    make_portfolio(root, args.n, args.jobs)
    gen = time.perf_counter() - t0
    n = args.n

    bare = bare_decode(root, args.jobs)
    runs = args.workdir / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    cold = timed_audit(root, runs / "cold", runs / "cache", args.jobs, "json,csv")
    warm = timed_audit(root, runs / "warm", runs / "cache", args.jobs, "json,csv")
    figures = {
        "n": n, "jobs": args.jobs, "generate_s": round(gen, 1),
        "bare_decode_photos_per_s": round(n / bare, 2),
        "audit_cold_photos_per_s": round(n / cold["wall_s"], 2),
        "audit_cold_s": round(cold["wall_s"], 2), "audit_warm_s": round(warm["wall_s"], 2),
        "peak_rss_mib": round(max(cold["main_rss_mib"], cold["max_child_rss_mib"]), 1),
        "ratio_audit_vs_bare_decode": round(bare / cold["wall_s"], 3),
        "ratio_warm_vs_cold": round(warm["wall_s"] / cold["wall_s"], 4),
    }
    if args.pdf:
        shutil.rmtree(runs / "cache", ignore_errors=True)
        pdf = timed_audit(root, runs / "pdf", runs / "cache-pdf", args.jobs, "json,csv,pdf,html")
        figures["audit_cold_with_pdf_photos_per_s"] = round(n / pdf["wall_s"], 2)
        figures["pdf_bytes"] = (runs / "pdf" / "report.pdf").stat().st_size
    if args.stages:
        stages = stage_costs(root)
        figures["stage_cpu_ms_per_photo"] = stages
        figures["stage_cpu_ms_sum_excluding_baseline"] = round(sum(stages.values()) - stages["bare decode (baseline)"], 1)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for k, v in figures.items():
        print(f"{k:>34}: {v}")


if __name__ == "__main__":
    main()
