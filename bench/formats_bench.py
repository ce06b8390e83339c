"""Benchmark of an odd-files portfolio: N files of mixed formats, one staff row naming each.

    .venv/bin/python bench/formats_bench.py --n 1000 [--jobs 2] [--keep DIR]

What a real company folder (or Pillow's own test images) looks like, not a clean photo shoot:
JPEG, PNG, WebP, GIF, TIFF, BMP, HEIC, AVIF, JPEG 2000, TGA, ICO, PPM, MPO; files with no or the
wrong extension; the same picture saved in five formats (20 pictures); 30 copies of one grey
silhouette placeholder; Photoshop files beside their JPEGs, XMP sidecars, a Thumbs.db; and files
that cannot be read (truncated JPEGs, a PDF named .jpg). Then one `headshot-audit run`
(json+csv, no cache) is timed from outside, with the peak RSS of its largest process, and the
duplicate findings are counted.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

VENV_BIN = Path(sys.executable).parent
FORMATS = [("jpg", "JPEG"), ("png", "PNG"), ("webp", "WEBP"), ("gif", "GIF"), ("tif", "TIFF"), ("bmp", "BMP"),
           ("heic", "HEIF"), ("avif", "AVIF"), ("jp2", "JPEG2000"), ("tga", "TGA"), ("ico", "ICO"),
           ("ppm", "PPM"), ("mpo", "MPO")]


def picture(seed: int, size: tuple[int, int] = (320, 400)) -> Image.Image:
    """A distinct picture per seed: soft blobs (drawn at 1/4 scale) and noise at full size, so
    pHashes differ and the texture is camera-like."""
    rng = np.random.default_rng(seed)
    w, h = size[0] // 4, size[1] // 4
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), dtype=np.float32) + rng.uniform(60, 200, 3)
    for _ in range(7):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(8, 40)
        mask = np.exp(-(((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r)))[..., None]
        img = img * (1 - mask) + rng.uniform(0, 255, 3) * mask
    big = np.asarray(Image.fromarray(img.astype(np.uint8)).resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    return Image.fromarray(np.clip(big + rng.integers(-4, 5, big.shape), 0, 255).astype(np.uint8))


def silhouette() -> Image.Image:
    """The grey head-and-shoulders placeholder an HR system shows for 'no photo'."""
    img = Image.new("RGB", (400, 500), (222, 222, 222))
    d = ImageDraw.Draw(img)
    d.ellipse((130, 90, 270, 250), fill=(160, 160, 160))
    d.ellipse((60, 270, 340, 620), fill=(160, 160, 160))
    return img


def encode(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "MPO":
        img.save(buf, "MPO", save_all=True, append_images=[img])
    elif fmt == "GIF":
        img.quantize(256, method=Image.Quantize.FASTOCTREE).save(buf, "GIF")
    elif fmt == "HEIF":
        img.save(buf, "HEIF", quality=85, enc_params={"preset": "ultrafast"})
    elif fmt == "ICO":
        img.resize((256, 256)).save(buf, "ICO", sizes=[(256, 256)])
    elif fmt in ("JPEG", "WEBP", "AVIF", "HEIF"):
        img.save(buf, fmt, quality=85)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def make_portfolio(root: Path, n: int) -> dict[str, int]:
    """Write the portfolio; returns how many files of each kind."""
    if "HEIF" in {f for _e, f in FORMATS}:
        from pillow_heif import register_heif_opener

        register_heif_opener()
    photos = root / "photos"
    photos.mkdir(parents=True)
    files: list[str] = []
    kinds: dict[str, int] = {}

    def put(rel: str, data: bytes, kind: str, staff: bool = True) -> None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        kinds[kind] = kinds.get(kind, 0) + 1
        if staff:
            files.append(rel)

    flat = encode(silhouette(), "PNG")
    for i in range(30):  # one placeholder, saved by HR for 30 people
        put(f"photos/placeholder_{i:02d}.png", flat, "placeholder copy")
    for k in range(20):  # the same picture in five formats
        img = picture(10_000 + k)
        for ext, fmt in FORMATS[k % 8: k % 8 + 5]:
            put(f"photos/same{k:02d}.{ext}", encode(img, fmt), "same picture, 5 formats")
    broken = encode(picture(5), "JPEG")
    for i in range(10):
        put(f"photos/truncated{i}.jpg", broken[: len(broken) // 3], "unreadable")
        put(f"photos/contract{i}.jpg", b"%PDF-1.7\n" + bytes(200), "unreadable")
    for i in range(10):  # companions: noticed, not audited as people
        put(f"design/p{i}.jpg", encode(picture(20_000 + i), "JPEG"), "photo beside a .psd")
        put(f"design/p{i}.psd", b"8BPS\x00\x01" + bytes(64), "companion", staff=False)
        put(f"design/p{i}.xmp", b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>", "companion", staff=False)
    put("photos/Thumbs.db", b"\xd0\xcf\x11\xe0" + bytes(500), "companion", staff=False)
    i = 0
    while len(files) < n:
        ext, fmt = FORMATS[i % len(FORMATS)]
        data = encode(picture(i), fmt)
        if i % 17 == 0:
            put(f"photos/noext_{i:04d}", data, "no extension")
        elif i % 19 == 0:
            put(f"photos/wrongext_{i:04d}.jpg", data, f"{fmt} named .jpg")
        else:
            put(f"photos/p{i:04d}.{ext}", data, fmt)
        i += 1
    rows = ["employee_id,name,photo,photo_date,photo_source"]
    rows += [f"E{j:04d},Person {j},{rel},2025-06-01,photographer" for j, rel in enumerate(files)]
    (root / "staff.csv").write_text("\n".join(rows) + "\n")
    return kinds


def timed_run(root: Path, out: Path, jobs: int) -> dict[str, float]:
    cmd = [str(VENV_BIN / "headshot-audit"), "run", str(root), "--out", str(out), "--format", "json,csv",
           "--as-of", "2026-11-29", "--jobs", str(jobs), "--no-cache"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if code not in (0, 1):
        raise SystemExit(f"audit failed ({code}): {err[-2000:]}")
    return {"wall_s": round(wall, 1), "main_rss_mib": round(usage.ru_maxrss / 1024),
            "max_child_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="write the portfolio here (reused when it exists)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="formats-bench-"))
    root = args.keep or work / "portfolio"
    kinds = make_portfolio(root, args.n) if not (root / "staff.csv").exists() else {}
    figures = timed_run(root, work / "out", args.jobs)
    doc = json.loads((work / "out" / "audit.json").read_text())
    codes: dict[str, int] = {}
    for f in doc["findings"]:
        codes[f["code"]] = codes.get(f["code"], 0) + 1
    dup = sum(v for k, v in codes.items() if k in ("DUP001", "DUP002", "DUP004"))
    print(json.dumps({"files": len(doc["photos"]), "staff": doc["summary"]["staff"], **figures,
                      "duplicate_findings": dup, "codes": dict(sorted(codes.items())), "kinds": kinds}, indent=1))


if __name__ == "__main__":
    main()
