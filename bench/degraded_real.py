"""Measure: do soft, small or heavily compressed copies of real photos become AI accusations?

    nice -n 10 .venv/bin/python bench/degraded_real.py [--data ../shared/devdata] [--jobs 2]
                                                       [--rows rows.csv] [--limit N] [--variants V,...]

Takes every photo labelled `real` in the development set's manifest.csv, writes degraded copies
of each (blurred, downscaled, heavily JPEG-compressed, a central crop enlarged back to the
frame's size; `--variants` picks some, "enlarged" stands for every enlarged one) into a temporary portfolio whose staff
CSV puts every photo in the most exposed role the policy knows (client-facing executive in
Legal, on the website and in the press, source not declared), runs the real audit on it, and
counts per variant: photos whose forensic score was withheld (`ai_basis` not_assessable),
AI003 findings (forensic suspicion) and role findings (ROL001/ROL002). The issue's bar: role
findings 0, AI003 on at most 2% of the degraded copies. The untouched real and AI photos are
run too, so the price of the gate shows: how many AI images the forensic check can no longer
judge, and how many it still flags.

The development images are never copied into the project; the copies live in a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A crop enlarged back to the frame's size, as a re-crop in a web tool does: the factors and
# resampling filters of the enlarged copies.
ENLARGE_FACTORS = (1.3, 1.6, 2.0)
ENLARGE_FILTERS = {"lanczos": Image.Resampling.LANCZOS, "bicubic": Image.Resampling.BICUBIC}

# (name, what it does). Blur radii scale with the photo so that the blur is visible at any size.
VARIANTS = (
    ("original", "the real photo as it is"),
    ("blur_soft", "Gaussian blur, radius 1% of the short side"),
    ("blur_strong", "Gaussian blur, radius 2% of the short side"),
    ("small_320", "downscaled to 320 px on the short side"),
    ("small_160", "downscaled to 160 px on the short side"),
    ("jpeg_q20", "re-encoded as JPEG at quality 20"),
    ("jpeg_q8", "re-encoded as JPEG at quality 8"),
    ("web_thumb", "downscaled to 240 px and re-encoded at quality 35"),
) + tuple(
    (f"enlarged_{k}_{f}", f"central 1/{k} of the frame enlarged back to its size ({f}), JPEG quality 90")
    for k in ENLARGE_FACTORS for f in ENLARGE_FILTERS
)


def degrade(img: Image.Image, variant: str) -> tuple[Image.Image, dict]:
    """The degraded copy and the save options of its JPEG."""
    short = min(img.size)

    def shrink(px: int) -> Image.Image:
        k = px / short
        return img.resize((max(1, round(img.width * k)), max(1, round(img.height * k))), Image.Resampling.LANCZOS)

    if variant == "blur_soft":
        return img.filter(ImageFilter.GaussianBlur(max(1.0, 0.01 * short))), {"quality": 92}
    if variant == "blur_strong":
        return img.filter(ImageFilter.GaussianBlur(max(2.0, 0.02 * short))), {"quality": 92}
    if variant == "small_320":
        return (shrink(320) if short > 320 else img), {"quality": 92}
    if variant == "small_160":
        return (shrink(160) if short > 160 else img), {"quality": 92}
    if variant == "jpeg_q20":
        return img, {"quality": 20}
    if variant == "jpeg_q8":
        return img, {"quality": 8}
    if variant == "web_thumb":
        return (shrink(240) if short > 240 else img), {"quality": 35}
    if variant.startswith("enlarged_"):
        _, k, f = variant.split("_")
        w, h = img.width / float(k), img.height / float(k)
        left, top = (img.width - w) / 2, (img.height - h) / 2
        return img.resize(img.size, ENLARGE_FILTERS[f], box=(left, top, left + w, top + h)), {"quality": 90}
    raise ValueError(variant)


def build(data: Path, root: Path, limit: int | None, only: set[str] | None = None) -> dict[str, tuple[str, str]]:
    """Write the portfolio (only the variants in `only`, when given; the originals always);
    return file -> (label, variant)."""
    with open(data / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    real = [r for r in rows if r["label"] == "real"][:limit]
    ai = [r for r in rows if r["label"] == "ai"][:limit]
    meta: dict[str, tuple[str, str]] = {}
    (root / "photos").mkdir(parents=True)
    for label, group in (("real", real), ("ai", ai)):
        for r in group:
            src = data / r["file"]
            stem = Path(r["file"]).stem
            try:
                with Image.open(src) as im:
                    im.load()
                    base = ImageOps.exif_transpose(im).convert("RGB")
            except Exception as exc:  # noqa: BLE001 - a bad dev file is skipped, and said so
                print(f"skipped {src}: {exc}", file=sys.stderr)
                continue
            for variant, _what in VARIANTS if label == "real" else VARIANTS[:1]:
                if only and variant != "original" and variant not in only:
                    continue
                rel = f"photos/{label}_{variant}_{stem}.jpg"
                if variant == "original":
                    rel = f"photos/{label}_{variant}_{stem}{src.suffix.lower()}"
                    (root / rel).write_bytes(src.read_bytes())
                else:
                    img, opts = degrade(base, variant)
                    img.save(root / rel, "JPEG", **opts)
                meta[rel] = (label, variant)
    with open(root / "staff.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["employee_id", "name", "title", "department", "photo", "photo_source",
                    "client_facing", "seniority", "platforms"])
        for i, rel in enumerate(sorted(meta)):
            w.writerow([f"B{i:05d}", f"Bench Person {i}", "Managing Partner", "Legal", rel, "",
                        "yes", "executive", "website;press"])
    return meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "devdata")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="only the first N real and N AI photos")
    ap.add_argument("--rows", type=Path, default=None, help="write one row per photo (measures, basis, codes)")
    ap.add_argument("--cache", type=Path, default=None, help="feature cache folder (re-runs skip decoding)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="build the degraded portfolio in this folder once and reuse it (default: a temporary one)")
    ap.add_argument("--variants", default=None,
                    help="comma-separated variants to make (default: all); 'enlarged' stands for every enlarged one")
    args = ap.parse_args()
    only = None
    if args.variants:
        names = {v for v, _ in VARIANTS}
        only = set()
        for v in args.variants.split(","):
            picked = {n for n in names if n.startswith("enlarged_")} if v == "enlarged" else {v} & names
            if not picked:
                ap.error(f"unknown variant {v!r}; known: {', '.join(sorted(names))} or 'enlarged'")
            only |= picked

    from audit.pipeline import AuditConfig, run_audit

    with tempfile.TemporaryDirectory(prefix="degraded-real-") as tmp:
        root = args.keep or Path(tmp) / "portfolio"
        meta_file = root / "variants.csv"
        if meta_file.exists():
            with open(meta_file, newline="", encoding="utf-8") as fh:
                meta = {r["file"]: (r["label"], r["variant"]) for r in csv.DictReader(fh)}
        else:
            meta = build(args.data, root, args.limit, only)
            with open(meta_file, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["file", "label", "variant"])
                w.writerows([f, label, v] for f, (label, v) in sorted(meta.items()))
        result = run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29), jobs=args.jobs,
                                       cache_dir=args.cache))
    codes: dict[str, set[str]] = {}
    for f in result.findings:
        if f.file:
            codes.setdefault(f.file, set()).add(f.code)
    photos = {r["file"]: r for r in result.photos.to_dict("records")}
    table: dict[tuple[str, str], Counter] = {}
    for file, (label, variant) in meta.items():
        c = table.setdefault((label, variant), Counter())
        p = photos.get(file, {})
        got = codes.get(file, set())
        c["n"] += 1
        c["not_assessable"] += p.get("ai_basis") == "not_assessable"
        c["AI003"] += "AI003" in got
        c["role"] += bool(got & {"ROL001", "ROL002"})
        c["AI005"] += "AI005" in got
    print(f"{'label':5} {'variant':22} {'n':>5} {'withheld':>9} {'AI003':>12} {'role':>6} {'AI005':>6}")
    for (label, variant), c in sorted(table.items(), key=lambda kv: (kv[0][0] != "real", kv[0][1] != "original", kv[0][1])):
        n = c["n"]
        print(f"{label:5} {variant:22} {n:5d} {c['not_assessable'] / n:9.1%} {c['AI003']:5d} ({c['AI003'] / n:5.1%})"
              f" {c['role']:6d} {c['AI005']:6d}")
    degraded = [c for (label, v), c in table.items() if label == "real" and v != "original"]
    n = sum(c["n"] for c in degraded)
    print(f"all degraded real copies: {n}; AI003 on {sum(c['AI003'] for c in degraded) / max(n, 1):.1%}; "
          f"role findings {sum(c['role'] for c in degraded)}")
    if args.rows:
        keep = ("file", "ai_score", "ai_basis", "ai_reasons", "forensic_score", "sharpness", "fx_spectral_cliff", "face_h",
                "short_side_px", "long_side_px", "aspect_ratio", "fx_jpeg_quality", "blockiness", "face_found")
        with open(args.rows, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["label", "variant", *keep, "codes"])
            for file, (label, variant) in sorted(meta.items()):
                p = photos.get(file, {})
                w.writerow([label, variant, *(p.get(k) for k in keep), ";".join(sorted(codes.get(file, ())))])


if __name__ == "__main__":
    main()
