"""Face and framing measures on rendered portraits (Haar cascades from the OpenCV wheel)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from audit.features import face
from audit.features.decode import Decoded, decode
from tests.synth.deviations import apply_deviation
from tests.synth.portrait import random_spec, render_portrait


def decoded(img: Image.Image, original_size=None) -> Decoded:
    return Decoded(path=None, file="x.png", format="PNG", mode="RGB",
                   original_size=original_size or img.size, image=img)


def measure(img: Image.Image, original_size=None) -> dict:
    return face.extract(decoded(img, original_size))


@pytest.fixture(scope="module")
def portraits():
    return [render_portrait(random_spec(s, width=400, height=500)) for s in range(6)]


def test_one_face_found_in_every_portrait(portraits):
    for img in portraits:
        r = measure(img)
        assert r["face_found"] and r["face_count"] == 1, r
        assert 0.15 < r["head_size"] < 0.4 and 0.3 < r["eye_line"] < 0.5, r
        assert abs(r["face_center_x"] - 0.5) < 0.05 and abs(r["roll_deg"]) < 10, r
        assert r["margin_top"] + r["face_h"] + r["margin_bottom"] == pytest.approx(1, abs=1e-3)


def test_head_size_and_eye_line_follow_the_framing():
    small = measure(render_portrait(random_spec(3, width=400, height=500, head_scale=0.22)))
    big = measure(render_portrait(random_spec(3, width=400, height=500, head_scale=0.36)))
    assert big["head_size"] / small["head_size"] == pytest.approx(0.36 / 0.22, rel=0.15)
    high = measure(render_portrait(random_spec(3, width=400, height=500, head_center=(0.5, 0.36))))
    low = measure(render_portrait(random_spec(3, width=400, height=500, head_center=(0.5, 0.5))))
    assert low["eye_line"] - high["eye_line"] == pytest.approx(0.14, abs=0.03)
    left = measure(render_portrait(random_spec(3, width=400, height=500, head_center=(0.38, 0.42))))
    assert left["face_center_x"] == pytest.approx(0.38, abs=0.03)
    assert left["crop_left"] < left["crop_right"]


def test_roll_sign_and_size(portraits):
    base = measure(portraits[0])["roll_deg"]
    turned = measure(apply_deviation(portraits[0], "rotate"))  # 20 degrees counter-clockwise
    assert turned["face_found"]
    assert turned["roll_deg"] - base == pytest.approx(-20, abs=6)


def test_inter_eye_distance_is_in_original_pixels(portraits):
    img = portraits[1]
    as_is = measure(img)
    as_if_bigger = measure(img, original_size=(img.width * 2, img.height * 2))
    assert as_if_bigger["inter_eye_px"] == pytest.approx(2 * as_is["inter_eye_px"], rel=0.01)
    assert 40 < as_is["inter_eye_px"] < 80


def test_two_people_and_nobody():
    a, b = (render_portrait(random_spec(s, width=300, height=375)) for s in (1, 2))
    pair = Image.new("RGB", (600, 375))
    pair.paste(a, (0, 0))
    pair.paste(b, (300, 0))
    assert measure(pair)["face_count"] == 2
    blank = Image.fromarray(np.full((500, 400, 3), 128, np.uint8))
    r = measure(blank)
    assert r == face.EMPTY
    assert set(r) == set(measure(a))


def test_small_and_on_its_side(portraits):
    tiny = portraits[2].resize((120, 150))
    assert measure(tiny)["face_found"]
    assert not measure(apply_deviation(portraits[2], "rotate90"))["face_found"]


def test_detection_is_shared_with_look_and_works_through_decode(tmp_path, portraits):
    p = tmp_path / "a.jpg"
    portraits[3].save(p, quality=90)
    d = decode(p, "a.jpg")
    g1 = face.detect(d)
    assert face.detect(d) is g1
    assert face.extract(d)["face_found"]
