"""The synthetic portrait renderer: deterministic, fast, and faces OpenCV's Haar cascade finds."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import imagehash
import numpy as np
import pytest

from tests.synth.portrait import SKIN_TONES, PortraitSpec, random_spec, render_portrait

BACKDROPS = [(128, 128, 128), (38, 38, 42), (232, 232, 230), (112, 126, 140), (200, 190, 170), (70, 80, 95)]
_FACE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
_EYE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")


def varied_spec(i: int) -> PortraitSpec:
    """Spec i of a varied set: every skin tone (darkest included), dark and light backdrops,
    framing, key light, contrast and noise all moving."""
    rng = np.random.default_rng([2026, i])
    return random_spec(
        1000 + i,
        skin=SKIN_TONES[i % len(SKIN_TONES)],
        backdrop=BACKDROPS[i % len(BACKDROPS)],
        width=int(rng.choice([600, 800, 1024])), height=1000,
        head_scale=float(rng.uniform(0.25, 0.35)),
        head_center=(float(rng.uniform(0.45, 0.55)), float(rng.uniform(0.37, 0.45))),
        light_direction=float(rng.uniform(-0.6, 0.6)),
        light_contrast=float(rng.uniform(0.08, 0.35)),
        noise=float(rng.uniform(0.0, 3.0)),
    )


def detect(img):
    """Faces on a 512-px (long side) downscale, as the audit looks at them; and the scale used."""
    scale = 512 / max(img.size)
    small = img.resize((round(img.width * scale), round(img.height * scale)))
    grey = cv2.cvtColor(np.asarray(small), cv2.COLOR_RGB2GRAY)
    faces = _FACE.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5)
    return [tuple(int(v) for v in f) for f in faces], scale, grey


def test_same_spec_renders_identical_image():
    spec = varied_spec(3)
    assert render_portrait(spec).tobytes() == render_portrait(spec).tobytes()
    assert render_portrait(PortraitSpec()).tobytes() == render_portrait(PortraitSpec()).tobytes()


def test_output_is_rgb_of_the_asked_size():
    img = render_portrait(PortraitSpec(width=333, height=444, noise=0))
    assert img.mode == "RGB" and img.size == (333, 444)


def test_noise_zero_is_clean_and_noise_adds_grain():
    clean = np.asarray(render_portrait(PortraitSpec(noise=0)), np.float32)
    noisy = np.asarray(render_portrait(PortraitSpec(noise=4)), np.float32)
    corner = (slice(10, 60), slice(10, 60))
    assert clean[corner].std() < 1.5
    assert 2.5 < (noisy - clean)[corner].std() < 6


def test_haar_finds_exactly_one_face_where_the_spec_puts_it():
    n, one, two_eyes, misplaced = 40, 0, 0, []
    for i in range(n):
        spec = varied_spec(i)
        img = render_portrait(spec)
        faces, s, grey = detect(img)
        if len(faces) != 1:
            continue
        one += 1
        x, y, w, h = faces[0]
        face_h = spec.head_scale * img.height * s
        cx, cy = spec.head_center[0] * img.width * s, spec.head_center[1] * img.height * s
        # Renders jitter the sitter by a few % of the frame, as real sessions do.
        if not (abs(x + w / 2 - cx) < 0.25 * face_h and abs(y + h / 2 - cy) < 0.25 * face_h
                and 0.5 * face_h < w < 1.4 * face_h):
            misplaced.append((i, faces[0], round(cx), round(cy), round(face_h)))
        eyes = _EYE.detectMultiScale(grey[y:y + h, x:x + w], scaleFactor=1.1, minNeighbors=5)
        two_eyes += len(eyes) == 2
    assert one >= 0.95 * n, f"exactly one face in only {one}/{n}"
    assert not misplaced
    assert two_eyes >= 0.8 * n, f"two eyes in only {two_eyes}/{n}"


def test_house_style_faces_still_look_like_different_people():
    """Same colours, framing and light: only the seed changes. pHashes should differ widely,
    or the duplicate check would call colleagues the same photo."""
    house = dict(backdrop=(112, 126, 140), light_direction=-0.35, light_contrast=0.22, width=400, height=500)
    hashes = [imagehash.phash(render_portrait(random_spec(s, **house))) for s in range(16)]
    dists = [a - b for a, b in itertools.combinations(hashes, 2)]
    assert min(dists) > 2
    assert np.median(dists) > 16
    assert np.mean(np.array(dists) <= 12) < 0.15


def test_same_seed_other_colours_is_the_same_person_shape():
    a = render_portrait(PortraitSpec(seed=9, noise=0))
    b = render_portrait(PortraitSpec(seed=9, noise=0, clothing=(120, 30, 40)))
    assert imagehash.phash(a) - imagehash.phash(b) <= 12


@pytest.mark.parametrize("skin", [SKIN_TONES[0], SKIN_TONES[-1]])
def test_catchlights_are_the_brightest_points_in_the_eyes(skin):
    spec = PortraitSpec(seed=4, skin=skin, noise=0)
    with_cl = np.asarray(render_portrait(spec), np.int16)
    without = np.asarray(render_portrait(PortraitSpec(seed=4, skin=skin, noise=0, catchlights=False)), np.int16)
    diff = np.abs(with_cl - without).sum(axis=2)
    ys, xs = np.nonzero(diff > 30)
    assert len(ys) > 4
    # Only inside the eye band, and nearly white.
    assert 0.3 * spec.height < ys.min() and ys.max() < 0.45 * spec.height
    assert with_cl[ys, xs].max() > 235


def test_the_generators_are_not_shipped_with_the_package():
    """Test-image generators are development tools: the installed package must not carry them."""
    import importlib.util
    import tomllib

    root = Path(__file__).resolve().parents[1]
    packages = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert not [p for p in packages if "synth" in p]
    assert importlib.util.find_spec("audit.synth") is None
