"""Look measures: CIELAB conversion, backdrop, exposure, light, colour, sharpness, compression."""

from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

from audit.features import colour, look
from audit.features.decode import Decoded, decode
from tests.synth.deviations import apply_deviation
from tests.synth.portrait import random_spec, render_portrait


def measure(img: Image.Image, fmt: str = "PNG") -> dict:
    return look.extract(Decoded(path=None, file="x", format=fmt, mode="RGB", original_size=img.size, image=img))


@pytest.fixture(scope="module")
def portrait():
    return render_portrait(random_spec(5, width=400, height=500, backdrop=(120, 130, 150)))


@pytest.fixture(scope="module")
def base(portrait):
    return measure(portrait)


def test_lab_matches_reference_values():
    rgb = np.array([[1, 1, 1], [0, 0, 0], [1, 0, 0], [0, 0, 1], [0.5, 0.5, 0.5]], np.float32)
    lab = colour.rgb_to_lab(rgb)
    expect = [[100, 0, 0], [0, 0, 0], [53.24, 80.09, 67.20], [32.30, 79.19, -107.86], [53.39, 0, 0]]
    np.testing.assert_allclose(lab, expect, atol=0.05)
    assert colour.lab_to_hex(*colour.rgb_to_lab(np.array([120, 130, 150], np.float32) / 255)) == "#788296"
    assert colour.lab_to_hex(100, 0, 0) == "#ffffff"


def test_fast_lab_agrees_with_the_reference_formulae():
    levels = np.arange(0, 256, 15, dtype=np.uint8)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1)  # every mix of 18 levels
    lin, lab = look.linear_and_lab(grid)
    np.testing.assert_allclose(lab, colour.rgb_to_lab(grid.astype(np.float32) / 255), atol=0.05)
    np.testing.assert_allclose(lin, colour.srgb_to_linear(grid.astype(np.float32) / 255), atol=1e-6)


def test_backdrop_colour_and_uniformity(portrait, base):
    ref = colour.rgb_to_lab(np.array([120, 130, 150], np.float32) / 255)
    # the renderer lights the backdrop with a soft gradient: within a few L*
    assert base["backdrop_L"] == pytest.approx(float(ref[0]), abs=6)
    assert base["backdrop_b"] == pytest.approx(float(ref[2]), abs=2.5)
    assert base["backdrop_hex"].startswith("#")
    busy = np.asarray(portrait).copy()
    rng = np.random.default_rng(0)
    busy[:120] = rng.integers(0, 255, (120, 400, 3))  # a cluttered room above the head
    assert measure(Image.fromarray(busy))["backdrop_nonuniformity"] > 5 * base["backdrop_nonuniformity"]


def test_exposure_and_clipping(portrait, base):
    over, under = measure(apply_deviation(portrait, "overexpose")), measure(apply_deviation(portrait, "underexpose"))
    assert over["face_L"] > base["face_L"] + 10
    light = render_portrait(random_spec(5, width=400, height=500, skin=(243, 208, 186)))
    assert measure(apply_deviation(light, "overexpose"))["face_clip_bright"] > measure(light)["face_clip_bright"] + 0.05
    assert over["backdrop_L"] > base["backdrop_L"] + 10 > under["backdrop_L"] + 20
    assert under["face_L"] < base["face_L"] - 10


def test_light_balance_follows_the_light():
    left = measure(render_portrait(random_spec(5, width=400, height=500, light_direction=-0.8, light_contrast=0.5)))
    right = measure(render_portrait(random_spec(5, width=400, height=500, light_direction=0.8, light_contrast=0.5)))
    assert left["light_balance"] < 0 < right["light_balance"]
    assert left["light_ratio"] > 1.1 and right["light_ratio"] > 1.1


def test_colour_measures(portrait, base):
    grey = measure(apply_deviation(portrait, "greyscale"))
    assert grey["is_bw"] and not base["is_bw"] and grey["chroma_mean"] < 1
    warm = measure(apply_deviation(portrait, "colour_cast"))
    assert warm["backdrop_b"] > base["backdrop_b"] + 8 and warm["face_b"] > base["face_b"] + 5
    assert warm["cast_b"] > base["cast_b"] + 8


def test_sharpness_is_normalised_by_face_size(portrait, base):
    blurred = measure(apply_deviation(portrait, "blur"))
    assert blurred["sharpness"] < base["sharpness"] - 1
    big = render_portrait(random_spec(5, width=800, height=1000, backdrop=(120, 130, 150)))
    assert measure(big)["sharpness"] == pytest.approx(base["sharpness"], abs=0.5)


def test_blockiness_of_a_coarse_jpeg(tmp_path, portrait):
    def jpeg(q):
        p = tmp_path / f"q{q}.jpg"
        portrait.save(p, quality=q)
        return look.extract(decode(p, p.name))["blockiness"]

    assert jpeg(15) > jpeg(95) + 0.3
    assert measure(portrait)["blockiness"] is None  # not a JPEG


def test_size_shape_and_orientation(portrait, base):
    assert (base["short_side_px"], base["long_side_px"], base["aspect_ratio"]) == (400, 500, 0.8)
    assert base["frame_orientation"] == "portrait"
    side = measure(apply_deviation(portrait, "rotate90"))
    assert side["frame_orientation"] == "landscape" and side["aspect_ratio"] == 1.25
    sq = measure(portrait.crop((0, 0, 400, 400)))
    assert sq["frame_orientation"] == "square"


def test_no_face_still_measures_frame_and_backdrop():
    blank = Image.fromarray(np.full((500, 400, 3), (90, 90, 90), np.uint8))
    r = measure(blank)
    assert r["face_L"] is None and r["sharpness"] is None
    assert r["backdrop_L"] == pytest.approx(float(colour.rgb_to_lab(np.array([90, 90, 90], np.float32) / 255)[0]), abs=0.5)
    assert r["is_bw"]


def test_a_photo_too_soft_for_a_face_is_still_measured_soft():
    """No face is found in a portrait blurred by 2.5% of its height; its sharpness is measured
    where a headshot's face sits, far below a sharp portrait's, so the set reports it as soft.
    A sharp portrait on its side (no face found either) does not read as soft."""
    from PIL import ImageFilter

    from audit.features import face

    img = render_portrait(random_spec(4, width=400, height=500))
    soft = img.filter(ImageFilter.GaussianBlur(12))
    assert not face.extract(Decoded(path=None, file="x", format="PNG", mode="RGB",
                                    original_size=soft.size, image=soft))["face_found"]
    sharp_face = measure(img)["sharpness"]
    assert measure(soft)["sharpness"] < sharp_face - 1.0
    on_side = measure(apply_deviation(img, "rotate90"))["sharpness"]
    assert on_side is not None and on_side > sharp_face - 0.5
