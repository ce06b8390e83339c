"""The folder scan finds photos by content, notices companions once, and lets the staff CSV name
any file: a photo in an unusual format is audited, never reported as missing."""

from __future__ import annotations

import io
import json
import os

from click.testing import CliRunner
from PIL import Image

from audit.cli import cli
from audit.inventory import build_inventory, scan_photos
from audit.staff import read_staff
from tests.conftest import noise_image


def encoded(fmt: str, seed: int = 1, **kw) -> bytes:
    buf = io.BytesIO()
    noise_image(seed).save(buf, fmt, **kw)
    return buf.getvalue()


FAKE_PSD = b"8BPS\x00\x01" + bytes(64)


def test_scan_sorts_photos_companions_and_other_files(make_portfolio):
    root = make_portfolio("employee_id,name,photo\nE1,Ann,docs/cv.pdf\n", {
        "photos/ann.jpg": 1,
        "photos/ann.psd": FAKE_PSD,          # design file beside its export: noticed
        "photos/ann.xmp": b"<x:xmpmeta/>",   # sidecar: noticed
        "photos/Thumbs.db": b"\xd0\xcf\x11\xe0" + bytes(100),
        "photos/.DS_Store": bytes(20),
        "photos/._ann.jpg": bytes(20),
        "photos/lone.psd": FAKE_PSD,         # alone, it may be someone's only photo: audited
        "photos/E9": encoded("PNG", 2),      # no extension, PNG inside: a photo
        "photos/E8.bak": encoded("JPEG", 3),  # a name that says nothing, JPEG inside
        "photos/notes.txt": b"hello",        # skipped
        "photos/blob.dat": os.urandom(64),   # unidentifiable, unnamed: skipped
        "photos/guide.pdf": b"%PDF-1.4",     # a document: skipped ...
        "docs/cv.pdf": b"%PDF-1.4",          # ... unless the staff CSV names it
    })
    os.mkfifo(root / "photos" / "pipe")      # no name, no content to read: skipped, never opened
    files, facts = scan_photos(root, named={"docs/cv.pdf"})
    assert files == ["docs/cv.pdf", "photos/E8.bak", "photos/E9", "photos/ann.jpg", "photos/lone.psd"]
    notes = [f for f in facts if f.kind == "companions"]
    assert len(notes) == 1, facts
    found = notes[0].extra["companions"]
    assert {f for rels in found.values() for f in rels} == {
        "photos/ann.psd", "photos/ann.xmp", "photos/Thumbs.db", "photos/.DS_Store", "photos/._ann.jpg"}
    assert found["Photoshop file beside its exported image"] == ["photos/ann.psd"]


def test_a_staff_row_naming_an_unusual_format_finds_it(make_portfolio):
    root = make_portfolio("employee_id,name,photo\nE1,Ann,photos/a.tga\nE2,Bo,photos/b.jp2\nE3,Cy,photos/c.heic\n"
                          "E4,Di,photos/d.psd\nE5,Ed,photos/e.svg\n", {
                              "photos/a.tga": encoded("TGA", 1), "photos/b.jp2": encoded("JPEG2000", 2),
                              "photos/c.heic": b"", "photos/d.psd": FAKE_PSD,
                              "photos/e.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})
    inv = build_inventory(root, read_staff(root / "staff.csv"))
    assert not [f for f in inv.facts if f.kind == "photo_not_found"], inv.facts
    assert dict(zip(inv.staff["employee_id"], inv.staff["match_rule"])) == {f"E{i}": "csv" for i in range(1, 6)}


def test_unreadable_formats_are_reported_with_what_they_are(make_portfolio, tmp_path):
    heif_ok = encoded("HEIF", 4, quality=80)
    root = make_portfolio("employee_id,name,photo\nE1,Ann,photos/design.psd\nE2,Bo,photos/iphone.heic\n"
                          "E3,Cy,photos/drawing.svg\n", {
                              "photos/design.psd": b"8BPS\x00\x07" + bytes(64),
                              "photos/iphone.heic": heif_ok,
                              "photos/drawing.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json", "--no-cache",
                                 "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_text())
    by_file = {}
    for f in doc["findings"]:
        if f["category"] == "data" and f["file"]:
            by_file.setdefault(f["file"], []).append(f["message"])
    assert any("Photoshop file that cannot be read here: export the photo as a JPEG" in m
               for m in by_file["photos/design.psd"])
    assert any("SVG drawing" in m for m in by_file["photos/drawing.svg"])
    assert not any("does not exist" in f["message"] for f in doc["findings"])
    photos = {p["file"]: p for p in doc["photos"]}
    assert photos["photos/iphone.heic"]["error"] is None and photos["photos/iphone.heic"]["format"] == "HEIF"
    assert Image.open(root / "photos/iphone.heic").format == "HEIF"  # read, never converted in place
