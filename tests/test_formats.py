"""Every image format a company keeps is audited by content, and a file that cannot be read says
what it is and what to do. Each file is written here with Pillow (and pillow-heif)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, features

from audit.features import extract_one
from audit.formats import PHOTO_EXTENSIONS, companion_kind, describe, identify, looks_like_photo_by_name
from tests.conftest import noise_image


def _mpo(img: Image.Image, buf: io.BytesIO) -> None:
    img.save(buf, "MPO", save_all=True, append_images=[img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])


# (name, how to write it, the format Pillow reports when reading it back)
FAMILIES = [
    ("jpeg.jpg", lambda im, b: im.save(b, "JPEG", quality=90), "JPEG"),
    ("png.png", lambda im, b: im.save(b, "PNG"), "PNG"),
    ("webp.webp", lambda im, b: im.save(b, "WEBP", quality=90), "WEBP"),
    ("gif.gif", lambda im, b: im.save(b, "GIF"), "GIF"),
    ("tiff.tif", lambda im, b: im.save(b, "TIFF", compression="tiff_lzw"), "TIFF"),
    ("bmp.bmp", lambda im, b: im.save(b, "BMP"), "BMP"),
    ("mpo.mpo", _mpo, "MPO"),
    ("ppm.ppm", lambda im, b: im.save(b, "PPM"), "PPM"),
    ("tga.tga", lambda im, b: im.save(b, "TGA"), "TGA"),
    ("ico.ico", lambda im, b: im.resize((256, 256)).save(b, "ICO", sizes=[(256, 256)]), "ICO"),
    ("qoi.qoi", lambda im, b: im.save(b, "QOI"), "QOI"),
    ("pcx.pcx", lambda im, b: im.save(b, "PCX"), "PCX"),
    ("sgi.sgi", lambda im, b: im.save(b, "SGI"), "SGI"),
]
if features.check("jpg_2000"):
    FAMILIES.append(("jpeg2000.jp2", lambda im, b: im.save(b, "JPEG2000"), "JPEG2000"))
if features.check("avif"):
    FAMILIES.append(("avif.avif", lambda im, b: im.save(b, "AVIF", quality=90), "AVIF"))
try:
    import pillow_heif  # noqa: F401

    FAMILIES.append(("heic.heic", lambda im, b: im.save(b, "HEIF", quality=90), "HEIF"))
except ImportError:  # pragma: no cover (a declared dependency)
    pass


def write(folder: Path, name: str, writer, img: Image.Image) -> Path:
    buf = io.BytesIO()
    writer(img, buf)
    path = folder / name
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    noise_image(3).save(folder / "ref.png")
    return extract_one(str(folder), "ref.png")


@pytest.mark.parametrize("name, writer, fmt", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_every_format_family_is_audited(tmp_path, reference, name, writer, fmt):
    write(tmp_path, name, writer, noise_image(3))
    row = extract_one(str(tmp_path), name)
    assert row["error"] is None, row["error"]
    assert row["format"] == fmt
    assert row["phash"] and row["face_found"] is not None
    # The same picture as the PNG: close in tone (GIF's palette and lossy codecs move it a little).
    assert abs(row["luma_mean"] - reference["luma_mean"]) < 0.05


@pytest.mark.parametrize("name, writer, fmt", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_content_decides_not_the_name(tmp_path, name, writer, fmt):
    """The same file with no extension, or another format's, is still identified and audited."""
    for alias in ("photo_without_extension", "really_not_a.jpg", "download.jpeg_large"):
        write(tmp_path, alias, writer, noise_image(4))
        assert identify(tmp_path / alias) == fmt
    row = extract_one(str(tmp_path), "really_not_a.jpg")
    assert row["error"] is None and row["format"] == fmt, row["error"]


def test_supported_extensions_include_what_companies_keep():
    for ext in (".jpg", ".png", ".webp", ".gif", ".tif", ".bmp", ".heic", ".avif", ".mpo", ".jp2", ".tga", ".ico",
                ".ppm", ".psd"):
        assert ext in PHOTO_EXTENSIONS, ext
    for ext in (".csv", ".pdf", ".txt", ".mp4", ".svg"):
        assert ext not in PHOTO_EXTENSIONS, ext


def test_a_layered_photoshop_file_is_audited_from_its_composite(tmp_path):
    # Pillow writes no PSD; a minimal one (header, empty colour/resources/layers, raw RGB) is
    # what Photoshop's "maximise compatibility" keeps: the flattened picture.
    w, h = 64, 48
    rgb = np.asarray(noise_image(5, (w, h)))
    data = (b"8BPS" + (1).to_bytes(2, "big") + bytes(6) + (3).to_bytes(2, "big") + h.to_bytes(4, "big")
            + w.to_bytes(4, "big") + (8).to_bytes(2, "big") + (3).to_bytes(2, "big")
            + bytes(4) + bytes(4) + bytes(4) + (0).to_bytes(2, "big")
            + b"".join(rgb[..., c].tobytes() for c in range(3)))
    (tmp_path / "portrait.psd").write_bytes(data)
    row = extract_one(str(tmp_path), "portrait.psd")
    assert row["error"] is None, row["error"]
    assert row["format"] == "PSD"


@pytest.mark.parametrize("name, content, says", [
    ("cover.psd", b"8BPS\x00\x09" + bytes(40), "Photoshop file"),  # a version Pillow cannot read
    ("team.pdf", b"%PDF-1.7\n" + bytes(40), "PDF document"),
    ("logo.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG drawing"),
    ("IMG_0001.CR2", b"II*\x00\x10\x00\x00\x00CR\x02\x00" + bytes(40), "Canon raw photo"),
    ("old.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200, "HEIC"),
])
def test_an_unreadable_file_says_what_it_is_and_what_to_do(tmp_path, name, content, says):
    (tmp_path / name).write_bytes(content)
    row = extract_one(str(tmp_path), name)
    assert row["error"] and says in row["error"], row["error"]
    assert "export the photo as a JPEG" in row["error"]


def test_describe_reads_the_first_bytes_before_the_name(tmp_path):
    (tmp_path / "x.jpg").write_bytes(b"%PDF-1.4 a document renamed to .jpg")
    assert describe(tmp_path / "x.jpg") == "PDF document"
    (tmp_path / "y.bin").write_bytes(b"\x00" * 10)
    assert describe(tmp_path / "y.bin") is None


def test_companions_are_told_apart_from_photos():
    stems = {"ann", "bo.jpg"}
    assert companion_kind("ann.psd", stems) == "Photoshop file beside its exported image"
    assert companion_kind("bo.jpg.psd", {"bo.jpg"}) is not None
    assert companion_kind("cy.psd", stems) is None  # alone, it may be Cy's only photo
    assert companion_kind("ann.xmp", set()) == "XMP sidecar"
    assert companion_kind("Thumbs.db", set()) == "Windows thumbnail cache"
    assert companion_kind(".DS_Store", set()) == "macOS folder settings"
    assert companion_kind("._ann.jpg", set()) == "macOS resource fork"
    assert companion_kind("ann.jpg", stems) is None
    assert looks_like_photo_by_name("a.AVIF") is True and looks_like_photo_by_name("a.csv") is False
    assert looks_like_photo_by_name("E1001") is None
