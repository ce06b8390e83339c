"""The committed sample portfolio is exactly what its generator writes, and holds the planted rows.

If a test here fails after a change to the renderer or the generator, regenerate the sample:
    .venv/bin/python scripts/make_sample_portfolio.py
and commit sample_portfolio/ together with the change.
"""

from __future__ import annotations

import csv
import importlib.util
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_portfolio"
SCRIPT = ROOT / "scripts" / "make_sample_portfolio.py"


def _generator():
    spec = importlib.util.spec_from_file_location("make_sample_portfolio", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _generator()


@pytest.fixture(scope="module")
def regenerated(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    gen.generate(out)
    return out


@pytest.fixture(scope="module")
def rows():
    with open(SAMPLE / "staff.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


# Encoders and float paths differ by CPU (SIMD rounding in libjpeg and numpy), so a regenerated
# photo may differ from the committed one by a level here and there while being the same picture.
# The stated tolerance: mean absolute difference at most 0.25 grey levels and 99.9% of channel
# values within 8 levels. A real change to the generator (a backdrop one level lighter, a moved
# face, another quality) moves the mean by far more than that.
MEAN_TOLERANCE = 0.25
P999_TOLERANCE = 8


def _metadata(img: Image.Image) -> dict:
    """What the audit reads besides pixels: format, size, EXIF, XMP and PNG text chunks."""
    info = {k: v for k, v in img.info.items() if k in ("exif", "xmp", "XML:com.adobe.xmp", "parameters", "Software")}
    return {"format": img.format, "size": img.size, "mode": img.mode, "info": info}


def _assert_same_picture(ours: Path, fresh: Path, rel: str, *, truncated: bool = False) -> None:
    with Image.open(ours) as a, Image.open(fresh) as b:
        assert _metadata(a) == _metadata(b), f"{rel}: format, size or metadata differ"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", truncated)
        pa, pb = _pixels(ours).astype(np.int16), _pixels(fresh).astype(np.int16)
    if truncated:  # only the rows both files still hold are compared
        rows = int(pa.shape[0] * 0.3)
        pa, pb = pa[:rows], pb[:rows]
    assert _same_within_tolerance(pa, pb), (
        f"{rel} differs from what scripts/make_sample_portfolio.py writes "
        f"(mean {np.abs(pa - pb).mean():.3f} levels): regenerate it"
    )


def _same_within_tolerance(pa: np.ndarray, pb: np.ndarray) -> bool:
    diff = np.abs(pa.astype(np.int16) - pb.astype(np.int16))
    return bool(diff.mean() <= MEAN_TOLERANCE and np.percentile(diff, 99.9) <= P999_TOLERANCE)


def test_committed_sample_is_what_the_generator_writes(gen, regenerated):
    assert _files(SAMPLE) == _files(regenerated)
    for rel in _files(SAMPLE):
        ours, fresh = SAMPLE / rel, regenerated / rel
        if rel.endswith((".csv", ".md")):
            assert ours.read_bytes() == fresh.read_bytes(), f"{rel} differs: regenerate the sample"
            continue
        truncated = rel == "photos/broken.jpg"
        if truncated:  # cut at 2/5 of the encoded length, which an encoder may vary by a few bytes
            assert abs(ours.stat().st_size - fresh.stat().st_size) <= 0.01 * ours.stat().st_size, rel
        # The C2PA file's signature is new on every run; the picture under it is compared as any other.
        _assert_same_picture(ours, fresh, rel, truncated=truncated)


def test_sample_comparison_catches_a_changed_picture():
    """The tolerance is not so loose that a visible change passes: two levels lighter everywhere,
    or one face-sized patch changed, fail; the picture itself passes."""
    pixels = _pixels(SAMPLE / "photos/E1002.jpg").astype(np.int16)
    assert _same_within_tolerance(pixels, pixels)
    assert not _same_within_tolerance(pixels, np.clip(pixels + 2, 0, 255))
    patched = pixels.copy()
    patched[100:140, 100:140] = 0
    assert not _same_within_tolerance(pixels, patched)


def test_sample_stays_small():
    assert sum((SAMPLE / f).stat().st_size for f in _files(SAMPLE)) < 3_000_000


def test_canonical_columns_and_size(rows):
    assert list(rows[0]) == ["employee_id", "name", "title", "department", "email", "photo", "photo_date",
                             "photo_source", "client_facing", "seniority", "platforms"]
    assert 24 <= len({r["employee_id"] for r in rows}) <= 28


def test_planted_data_problems(rows):
    by_id = {}
    for r in rows:
        by_id.setdefault(r["employee_id"], r)
    ids = Counter(r["employee_id"] for r in rows)
    assert [e for e, n in ids.items() if n > 1] == ["E1012"]
    assert by_id["E1013"]["photo_date"] == "2023-13-45"
    assert by_id["E1017"]["photo"] == "../outside.jpg"
    assert not (SAMPLE.parent / "outside.jpg").exists()
    assert by_id["E1016"]["photo"] and not (SAMPLE / by_id["E1016"]["photo"]).exists()
    assert by_id["E1024"]["photo"] == "" and not list((SAMPLE / "photos").glob("E1024*"))
    assert by_id["E1014"]["photo"] == "photos/broken.jpg"
    broken = (SAMPLE / "photos/broken.jpg").read_bytes()
    assert broken.startswith(b"\xff\xd8") and not broken.endswith(b"\xff\xd9")  # a JPEG cut short
    with pytest.MonkeyPatch.context() as mp:  # whatever another test set globally
        mp.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
        with pytest.raises(OSError):
            Image.open(SAMPLE / "photos/broken.jpg").load()
    listed = {r["photo"] for r in rows}
    assert (SAMPLE / "photos/former_jsmith.jpg").exists() and "photos/former_jsmith.jpg" not in listed
    # Directory-export naming: by employee id and by e-mail local part.
    assert by_id["E1019"]["photo"] == "" and (SAMPLE / "photos/E1019.jpg").exists()
    assert by_id["E1021"]["photo"] == "" and by_id["E1021"]["email"].startswith("li.wei@")
    assert (SAMPLE / "photos/li.wei.jpg").exists()
    assert by_id["E1005"]["photo"] == "photos/E1005.jpg" and (SAMPLE / "photos/E1005_old.jpg").exists()


def test_planted_dates(rows):
    by_id = {r["employee_id"]: r for r in rows}
    assert by_id["E1003"]["photo_date"].startswith("2021-")
    assert by_id["E1004"]["photo_date"].startswith("2024-06")
    assert by_id["E1022"]["photo_source"] == "ai" and by_id["E1022"]["photo_date"].startswith("2025-09")
    assert by_id["E1011"]["photo_date"] == ""
    img = Image.open(SAMPLE / "photos/E1011.jpg")
    assert not img.getexif() and "xmp" not in img.info
    exif = Image.open(SAMPLE / "photos/E1002.jpg").getexif()
    assert exif[0x010F] == "Canon" and exif.get_ifd(0x8769)[0x9003].startswith("2026:04:15")


def test_planted_provenance(rows):
    by_id = {r["employee_id"]: r for r in rows}
    xmp = Image.open(SAMPLE / "photos/E1001.jpg").info["xmp"]
    assert b"trainedAlgorithmicMedia" in xmp and b"Iptc4xmpExt:DigitalSourceType" in xmp
    png = Image.open(SAMPLE / "photos/E1008.png")
    assert png.size == (1024, 1024) and "Sampler: DPM++ 2M Karras" in png.info["parameters"]
    assert b"Made with Google AI" in Image.open(SAMPLE / "photos/E1015.jpg").info["xmp"]
    assert by_id["E1015"]["photo_source"] == "photographer"  # declared vs detected
    assert Image.open(SAMPLE / "photos/E1022.jpg").getexif()[0x0131] == "Midjourney"
    ceo = by_id["E1001"]
    assert (ceo["seniority"], ceo["client_facing"], ceo["photo_source"]) == ("executive", "yes", "ai")
    wm = by_id["E1008"]
    assert wm["seniority"] == "senior" and "website" in wm["platforms"] and wm["photo_source"] == "ai"
    junior = by_id["E1022"]
    assert junior["seniority"] == "junior" and junior["platforms"] == "internal"


def test_c2pa_photo_carries_a_manifest(gen):
    data = (SAMPLE / gen.C2PA_FILE).read_bytes()
    assert b"c2pa" in data and b"trainedAlgorithmicMedia" in data


def test_duplicate_is_a_resized_reencode():
    a, b = Image.open(SAMPLE / "photos/E1009.jpg"), Image.open(SAMPLE / "photos/E1010.jpg")
    assert b.size == (round(a.width * 0.85), round(a.height * 0.85))
    import imagehash

    assert imagehash.phash(a) - imagehash.phash(b) <= 4


def test_consistency_outliers_are_there():
    grey = Image.open(SAMPLE / "photos/E1006.jpg")
    assert grey.mode == "L"
    assert Image.open(SAMPLE / "photos/E1023.jpg").size == (240, 300)
    house = _pixels(SAMPLE / "photos/E1002.jpg").astype(float)
    warm = _pixels(SAMPLE / "photos/E1007.jpg").astype(float)
    assert (warm[..., 0] - warm[..., 2]).mean() > (house[..., 0] - house[..., 2]).mean() + 30
    assert _pixels(SAMPLE / "photos/E1027.jpg").mean() < house.mean() * 0.7
    assert _pixels(SAMPLE / "photos/E1026.jpg")[:40, :40].mean() > 230


def test_readme_lists_every_planted_row(gen):
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for p in gen.PEOPLE:
        if p.planted and not p.planted.startswith("none"):
            assert f"| {p.employee_id} | {p.name} |" in text
    assert "photos/former_jsmith.jpg" in text


def test_regenerating_in_place_is_stable(gen, regenerated, tmp_path):
    """A run into a folder from an earlier run leaves the same files (stale photos are removed)."""
    out = tmp_path / "again"
    shutil.copytree(regenerated, out)
    (out / "photos" / "leftover.jpg").write_bytes(b"x")
    gen.generate(out)
    assert _files(out) == _files(SAMPLE)
