"""Nothing breaks it and nothing leaks: a generated corpus of bad and hostile input, audited in
one run with the network blocked, and the invariants asserted over the whole corpus:

- no traceback reaches the user; the run completes;
- every bad photo or row becomes a `data` finding (or a clear error), every good photo is audited;
- the portfolio's bytes and timestamps are unchanged;
- no socket is opened; the report embeds nothing from outside the output folder.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image, PngImagePlugin

from audit.cli import cli
from tests.conftest import noise_image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def jpeg_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def png_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


XMP_BOMB = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol3;</dc:title>'
            b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def bad_images() -> dict[str, bytes]:
    """name -> bytes of every hostile or odd image the issue lists, that should NOT decode."""
    good = noise_image(1)
    j, p = jpeg_bytes(good), png_bytes(good)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b""))
    return {
        "bad/zero.jpg": b"",
        "bad/truncated.jpg": j[: len(j) // 3],
        "bad/truncated.png": p[: len(p) // 3],
        "bad/page.jpg": b"<html><body><script>alert(1)</script></body></html>",
        "bad/notes.png": b"just some text\n" * 20,
        "bad/bomb.png": bomb,
        "bad/phone.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200,
    }


def good_images() -> dict[str, bytes]:
    """Odd but legitimate images: each must be audited (no error)."""
    base = noise_image(2)
    out: dict[str, bytes] = {
        "ok/png_named.jpg": png_bytes(base),  # wrong extension
        "ok/one_pixel.png": png_bytes(Image.new("RGB", (1, 1), (200, 10, 10))),
        "ok/strip.png": png_bytes(Image.new("RGB", (20000, 20), (90, 90, 90))),
        "ok/cmyk.jpg": jpeg_bytes(base.convert("CMYK")),
        "ok/sixteen_bit.png": png_bytes(noise_image(3).convert("I;16")),
        "ok/grey.jpg": jpeg_bytes(base.convert("L")),
    }
    pal = noise_image(4).convert("P")
    out["ok/palette_transparent.png"] = png_bytes(pal, transparency=0)
    frames = [noise_image(i) for i in (5, 6, 7)]
    for fmt, name in (("GIF", "ok/animated.gif"), ("WEBP", "ok/animated.webp")):
        buf = io.BytesIO()
        frames[0].save(buf, fmt, save_all=True, append_images=frames[1:])
        out[name] = buf.getvalue()
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        out[f"ok/orientation_{o}.jpg"] = jpeg_bytes(noise_image(10 + o), exif=exif.tobytes())
    # Corrupt EXIF: a valid JPEG whose APP1 Exif segment is garbage.
    j = jpeg_bytes(noise_image(20))
    garbage = b"Exif\x00\x00" + b"MM\x00*\x00\x00\x00\x08\xff\xff" + os.urandom(64)
    out["ok/corrupt_exif.jpg"] = j[:2] + b"\xff\xe1" + struct.pack(">H", len(garbage) + 2) + garbage + j[2:]
    # An XMP packet with an entity bomb.
    out["ok/xmp_bomb.jpg"] = (j[:2] + b"\xff\xe1" + struct.pack(">H", len(XMP_BOMB) + 31)
                              + b"http://ns.adobe.com/xap/1.0/\x00" + XMP_BOMB + j[2:])
    # An enormous text chunk (20 MB of text) in an otherwise fine PNG.
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * (20 * 1024 * 1024))
    out["ok/huge_text_chunk.png"] = png_bytes(noise_image(21), pnginfo=info)
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink() else b"link",
                                       p.lstat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "portfolio"
    files = {**bad_images(), **good_images()}
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (tmp_path / "secret.jpg").write_bytes(jpeg_bytes(noise_image(30)))
    os.symlink(tmp_path / "secret.jpg", root / "ok" / "link_out.jpg")
    os.mkfifo(root / "bad" / "pipe.jpg")
    rows = ["employee_id,name,title,department,email,photo,photo_date,photo_source,client_facing,seniority,platforms"]
    for i, rel in enumerate(sorted(files)):
        rows.append(f"E{i:03d},Person {i},Analyst,Ops,p{i}@x.com,{rel},2025-01-01,photographer,no,mid,internal")
    rows += [
        'X1,"=HYPERLINK(""http://evil.example/"",""click"")",<script>alert(1)</script>,Ops,,,,,,,',
        'X2,"<img src=""file:///etc/passwd"">",CFO,@SUM(A1),,../../etc/passwd,,,,,',
        "X3,Url Person,Dev,Ops,,http://evil.example/photo.jpg,,,,,",
        "X4,Abs Person,Dev,Ops,,/etc/hostname,,,,,",
        'X5,"Multi\nLine",Dev,Ops,,ok/link_out.jpg,2024-02-30,robot,perhaps,boss,billboard',
        "E000,Duplicate Id,Dev,Ops,,,,,,,",
        ",No Id,Dev,Ops,,,,,,,",
    ]
    (root / "staff.csv").write_bytes(("\ufeff" + "\n".join(rows) + "\n").encode("utf-8"))
    return root


def test_hostile_corpus_audits_completely_and_safely(corpus, tmp_path, no_network):
    before = snapshot(corpus)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(corpus), "--out", str(out), "--as-of", "2026-11-29", "--jobs", "1",
                                 "--no-cache"])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    assert snapshot(corpus) == before, "the portfolio was modified"

    doc = json.loads((out / "audit.json").read_text())
    photos = {p["file"]: p for p in doc["photos"]}
    data = [f for f in doc["findings"] if f["category"] == "data"]
    flagged_files = {f["file"] for f in data if f["file"]}
    for name in bad_images():
        assert name in flagged_files, f"{name} was not reported"
        assert photos[name]["error"], name
    assert "bad/pipe.jpg" in flagged_files and "bad/pipe.jpg" not in photos
    assert "ok/link_out.jpg" not in photos and "ok/link_out.jpg" in flagged_files
    assert any("HEIC" in f["message"] and "export the photo as a JPEG" in f["message"] for f in data)
    for name in good_images():
        assert photos[name]["error"] is None, (name, photos[name]["error"])
        assert photos[name]["phash"], name
    messages = " ".join(f["message"] for f in data)
    for needle in ("X2", "X3", "X4", "E000", "no employee_id", "photo_date", "photo_source"):
        assert needle in messages, needle

    for name in ("findings.csv", "photos.csv", "actions.csv"):
        for line in (out / name).read_text().splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "@")), (name, cell)
    html = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and '<img src="file:///etc/passwd">' not in html
    text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
    assert "=HYPERLINK" in text  # shown as text, not lost
    assert not list(out.glob(".*.part")), "a temporary file was left behind"


def test_a_hundred_thousand_rows(tmp_path, no_network):
    root = tmp_path / "p"
    root.mkdir()
    lines = ["Employee ID;Full Name;Job Title;Department"] + [f"E{i};Person {i};Analyst;Ops" for i in range(100_000)]
    (root / "staff.csv").write_text("\n".join(lines), encoding="latin-1")
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--format", "json,csv",
                                 "--as-of", "2026-11-29", "--no-cache"])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "o" / "audit.json").read_text())
    assert len(doc["staff"]) == 100_000
    assert sum(f["code"] == "DAT001" for f in doc["findings"]) == 100_000


def test_interrupt_leaves_the_previous_report(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio("employee_id,name,photo\nE1,Ann,a.jpg\n", {"a.jpg": 1})
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--no-cache"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("audit.report.render.render_pdf", interrupted)
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--no-cache", "--format", "pdf"])
    assert r.exit_code != 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_unreadable_photo_is_a_finding_and_the_rest_goes_on(make_portfolio, tmp_path, monkeypatch):
    """Root reads any file, so a permission error is simulated where the photo is opened."""
    import audit.features as features

    root = make_portfolio("employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\n", {"a.jpg": 1, "b.jpg": 2})
    real = features.read_photo

    def locked(path):
        if path.name == "a.jpg":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(features, "read_photo", locked)
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--format", "json", "--jobs", "1",
                                 "--no-cache"])
    assert r.exit_code == 0
    doc = json.loads((tmp_path / "o" / "audit.json").read_text())
    f = [x for x in doc["findings"] if x["code"] == "DAT003"]
    assert f and f[0]["file"] == "a.jpg" and "Permission denied" in f[0]["message"]
    assert {p["file"]: p["error"] for p in doc["photos"]}["b.jpg"] is None
