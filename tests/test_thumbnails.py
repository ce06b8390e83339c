"""The report's thumbnails are made while the photos are measured (and kept in the feature
cache), so drawing a report decodes no photo again; they show the photo upright and small."""

import io
from datetime import date

import numpy as np
from PIL import Image

import audit.features as features
from audit.anonymize import Pseudonymizer, anonymize_result
from audit.features.thumbnail import THUMB_SIZE
from audit.pipeline import AuditConfig, run_audit
from audit.report import render
from audit.report.render import ReportOptions, build_context
from tests.conftest import noise_image

STAFF = "employee_id,name,photo\nE1,Ann,a.jpg\nE2,Bo,b.jpg\nE3,Cy,broken.jpg\n"


def audit(root, cache_dir, jobs=1):
    return run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29), cache_dir=cache_dir, jobs=jobs))


def rotated_photo() -> bytes:
    """A wide red-over-blue picture stored on its side: EXIF orientation 6 stands it upright."""
    a = np.zeros((200, 400, 3), np.uint8)
    a[:100] = (220, 30, 30)
    a[100:] = (30, 30, 220)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue()


def test_thumbnails_are_made_upright_small_and_for_readable_photos_only(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": rotated_photo(), "b.jpg": 2, "broken.jpg": b"not a jpeg"})
    result = audit(root, None)
    assert set(result.thumbnails) == {"a.jpg", "b.jpg"}
    with Image.open(io.BytesIO(result.thumbnails["a.jpg"])) as im:
        assert im.format == "JPEG"
        assert max(im.size) == THUMB_SIZE
        # orientation 6 turns the wide picture upright: tall, red on the right, blue on the left
        assert im.size[1] > im.size[0]
        px = np.asarray(im.convert("RGB"), np.float32)
    left, right = px[:, : px.shape[1] // 4].mean(axis=(0, 1)), px[:, -px.shape[1] // 4:].mean(axis=(0, 1))
    assert right[0] > 150 > right[2] and left[2] > 150 > left[0]


def test_warm_run_gives_the_same_thumbnails_without_decoding(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "broken.jpg": b"not a jpeg"})
    cold = audit(root, tmp_path / "cache", jobs=2)
    calls = []
    real = features.decode
    monkeypatch.setattr(features, "decode", lambda *a: calls.append(a[1]) or real(*a))
    warm = audit(root, tmp_path / "cache")
    assert calls == []
    assert warm.thumbnails == cold.thumbnails and set(warm.thumbnails) == {"a.jpg", "b.jpg"}


def test_report_embeds_the_made_thumbnails_without_opening_photos(make_portfolio, tmp_path, monkeypatch):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "broken.jpg": b"not a jpeg"})
    result = audit(root, None)
    opened = []
    monkeypatch.setattr(render, "thumbnail_data_url", lambda root, f, *a: opened.append(f))
    ctx = build_context(result, options=ReportOptions())
    assert opened == []
    thumbs = {x["file"]: x["thumb"] for x in ctx["people"]}
    assert thumbs["a.jpg"].startswith("data:image/jpeg;base64,") and thumbs["broken.jpg"] is None


def test_a_photo_without_a_made_thumbnail_is_still_drawn(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": 2, "broken.jpg": b"not a jpeg"})
    result = audit(root, None)
    result.thumbnails.pop("b.jpg")
    ctx = build_context(result, options=ReportOptions())
    assert {x["file"]: x["thumb"] is not None for x in ctx["people"]} == {"a.jpg": True, "b.jpg": True,
                                                                           "broken.jpg": False}


def test_anonymised_result_carries_no_faces(make_portfolio, tmp_path):
    root = make_portfolio(STAFF, {"a.jpg": 1, "b.jpg": noise_image(2), "broken.jpg": b"not a jpeg"})
    result = audit(root, None)
    assert result.thumbnails
    assert anonymize_result(result, Pseudonymizer(b"k" * 32)).thumbnails == {}
