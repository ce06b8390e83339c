"""Safe decoding and the metadata and hash features: every odd file either decodes to an
upright RGB working copy or fails with a plain reason, never an exception."""

import io
import struct
import zlib

import imagehash
import numpy as np
import pytest
from PIL import Image

from audit.features import extract_one
from audit.features.decode import WORK_SIZE, DecodeError, decode, shrink
from audit.policy import load_policy
from tests.conftest import noise_image


def save(tmp_path, name, img, **kw):
    p = tmp_path / name
    img.save(p, **kw)
    return p


def test_large_jpeg_is_decoded_reduced_and_records_original_size(tmp_path):
    p = save(tmp_path, "big.jpg", noise_image(1).resize((4000, 3000)), quality=85)
    d = decode(p, "big.jpg")
    assert d.original_size == (4000, 3000)
    assert max(d.image.size) <= WORK_SIZE and d.image.mode == "RGB"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_shown_upright(tmp_path, orientation):
    # A tall image with a red top band, stored so that the orientation tag undoes the storage.
    upright = Image.new("RGB", (200, 300), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 200, 60))
    inverse = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
               4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
               7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}[orientation]
    stored = upright.transpose(inverse) if inverse else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = save(tmp_path, f"o{orientation}.jpg", stored, exif=exif.tobytes(), quality=95)
    d = decode(p, p.name)
    assert d.original_size == (200, 300)
    assert d.image.size == (200, 300)
    r, g, b = d.image.getpixel((100, 10))
    assert r > 200 and b < 60, (orientation, (r, g, b))


@pytest.mark.parametrize("make", [
    lambda: noise_image(2).convert("CMYK"),
    lambda: noise_image(3).convert("P"),
    lambda: noise_image(4).convert("LA"),
    lambda: noise_image(5).convert("I;16"),
    lambda: noise_image(6).convert("L"),
    lambda: noise_image(7).convert("RGBA"),
])
def test_unusual_modes_become_rgb(tmp_path, make):
    img = make()
    name = "x.jpg" if img.mode in ("CMYK", "L") else "x.png"
    d = decode(save(tmp_path, name, img), name)
    assert d.image.mode == "RGB"


def test_palette_png_with_transparency_is_flattened_on_white(tmp_path):
    img = Image.new("P", (50, 50), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.info["transparency"] = 0
    p = tmp_path / "t.png"
    img.save(p, transparency=0)
    assert decode(p, "t.png").image.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("name, content, reason", [
    ("empty.jpg", b"", "empty file"),
    ("text.jpg", b"<html><body>not a photo</body></html>", "not an image"),
])
def test_bad_files_fill_the_error_column(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    row = extract_one(str(tmp_path), name)
    assert reason in row["error"]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_fail_cleanly(tmp_path, fmt):
    buf = io.BytesIO()
    noise_image(8).save(buf, fmt)
    name = f"cut.{fmt.lower()}"
    (tmp_path / name).write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    row = extract_one(str(tmp_path), name)
    assert row["error"] and "cannot decode" in row["error"]


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    # A tiny PNG whose header declares 30000 x 30000 pixels.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    p = tmp_path / "bomb.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                  + chunk(b"IEND", b""))
    with pytest.raises(DecodeError, match="too large"):
        decode(p, "bomb.png")


def test_metadata_features(tmp_path):
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Canon", "EOS R5", "Lightroom"
    exif.get_ifd(0x8769)[0x9003] = "2023:04:05 10:11:12"
    save(tmp_path, "cam.jpg", noise_image(9), exif=exif.tobytes())
    row = extract_one(str(tmp_path), "cam.jpg")
    assert row["error"] is None and row["feature_errors"] is None
    assert (row["camera_make"], row["camera_model"], row["software"]) == ("Canon", "EOS R5", "Lightroom")
    assert row["capture_date"] == "2023-04-05" and row["has_camera_exif"] is True
    assert (row["width"], row["height"], row["format"]) == (300, 375, "JPEG")


def test_hashes_survive_reencoding_and_resizing(tmp_path):
    img = noise_image(10, (600, 750))
    save(tmp_path, "a.jpg", img, quality=95)
    save(tmp_path, "b.jpg", img.resize((510, 637)), quality=60)
    save(tmp_path, "c.jpg", noise_image(11, (600, 750)), quality=95)
    a, b, c = (extract_one(str(tmp_path), n) for n in ("a.jpg", "b.jpg", "c.jpg"))
    dist = lambda x, y: imagehash.hex_to_hash(x["phash"]) - imagehash.hex_to_hash(y["phash"])  # noqa: E731
    policy = load_policy()["duplicates"]
    assert dist(a, b) <= policy["same_image"]
    assert dist(a, c) > policy["review"]


def test_hash_strings_are_imagehash_strings():
    """The rows' hash strings are imagehash's own (hex_to_hash reads them back), for hashes of
    whole bytes and of odd bit counts alike."""
    from audit.features.hashes import hex_string

    rng = np.random.default_rng(0)
    for shape in ((16, 16), (8, 8), (8, 9), (5, 5), (3, 7)):
        for _ in range(20):
            h = imagehash.ImageHash(rng.random(shape) < 0.5)
            assert hex_string(h) == str(h)
    h = imagehash.phash(noise_image(3), hash_size=16)
    assert imagehash.hex_to_hash(hex_string(h)) == h


def test_animated_gif_reads_first_frame(tmp_path):
    frames = [noise_image(i) for i in range(3)]
    p = tmp_path / "anim.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    row = extract_one(str(tmp_path), "anim.gif")
    assert row["error"] is None and row["n_frames"] == 3


def test_truncated_stays_an_error_after_weasyprint_is_imported(tmp_path):
    import weasyprint  # noqa: F401  (it switches Pillow's LOAD_TRUNCATED_IMAGES on)

    buf = io.BytesIO()
    noise_image(8).save(buf, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    assert "truncated" in extract_one(str(tmp_path), "cut.jpg")["error"]


@pytest.mark.parametrize("shape", [(1000, 750, 3), (768, 1024, 3), (20, 1024, 3), (1, 1024, 3), (385, 10, 3)])
def test_shrink_bounds_the_long_side_and_keeps_the_picture(shape):
    h, w = shape[:2]
    a = np.zeros(shape, np.uint8)
    a[...] = (np.arange(w) * 255 // max(w - 1, 1)).astype(np.uint8)[None, :, None]  # left-right ramp
    out = shrink(a, 384)
    assert max(out.shape[:2]) == min(384, max(h, w)) and out.shape[2] == 3
    assert abs(out.shape[0] - h * out.shape[1] / w) <= 1  # aspect kept, to the pixel
    assert abs(float(out.mean()) - float(a.mean())) < 2.0  # area averaging keeps the brightness
    assert shrink(out, 384) is out  # already small enough: unchanged


def test_phash_is_imagehash_bit_for_bit():
    """Our pHash (a matrix DCT, so that no worker imports SciPy) gives imagehash's hash: on rendered
    portraits, their face crops, noise, a gradient, and flat images (all-zero coefficients)."""
    from audit.features import hashes
    from tests.synth.portrait import random_spec, render_portrait

    rng = np.random.default_rng(0)
    images = [render_portrait(random_spec(s, width=300, height=380)) for s in range(4)]
    images += [im.crop((60, 60, 240, 240)) for im in images]
    images += [Image.fromarray(rng.integers(0, 256, (120, 90, 3), dtype=np.uint8)),
               Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (64, 1))),
               Image.new("RGB", (50, 80), (128, 128, 128)), Image.new("L", (33, 33), 0)]
    for im in images:
        for size in (8, 16):
            assert str(hashes.phash(im, hash_size=size)) == str(imagehash.phash(im, hash_size=size))
