"""Face, landmark and framing measures on rendered portraits (dlib's detector and 68-point model)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from audit.features import face, landmarks
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


def project(yaw: float, pitch: float, roll: float, size=(400, 500)) -> np.ndarray:
    """68 landmark positions of the generic 3-D face seen at a known pose (only the points the
    pose uses are meaningful; the rest sit at the nose tip)."""
    W, H = size
    f = 2.0 * max(W, H)
    # R = Rz(roll) Ry(-yaw) Rx(-pitch), the convention head_pose documents
    rvec = cv2.Rodrigues(_rz(roll) @ _ry(-yaw) @ _rx(-pitch))[0]
    cam = np.array([[f, 0, W / 2], [0, f, H / 2], [0, 0, 1]], float)
    img, _ = cv2.projectPoints(landmarks._MODEL_3D, rvec, np.array([10.0, -20.0, 1500.0]), cam, None)
    pts = np.tile(img[0, 0], (68, 1))
    pts[landmarks._MODEL_IDX] = img[:, 0]
    return pts


def _rx(a):
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a):
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a):
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


@pytest.mark.parametrize("pose", [(0, 0, 0), (25, 0, 0), (-25, 0, 0), (0, 15, 0), (0, -15, 0),
                                  (0, 0, 12), (20, -10, -8)])
def test_head_pose_recovers_a_known_pose(pose):
    yaw, pitch, roll = landmarks.head_pose(project(*pose), 400, 500)
    assert (yaw, pitch, roll) == pytest.approx(pose, abs=1.0)


def test_head_pose_signs_follow_the_picture():
    """Yaw positive = nose towards the picture's right; pitch positive = chin up."""
    pts = project(25, 0, 0)
    assert pts[30, 0] > (pts[36, 0] + pts[45, 0]) / 2  # the nose tip moved right of the eyes' middle
    def nose_below_eyes(p):
        return p[30, 1] - (p[36, 1] + p[45, 1]) / 2

    # chin up: the nose tip, in front of the eyes, rises towards the eye line in the picture
    assert nose_below_eyes(project(0, 15, 0)) < nose_below_eyes(project(0, 0, 0)) < nose_below_eyes(project(0, -15, 0))


def test_mirrored_portrait_flips_yaw_and_roll(portraits):
    """On a mirrored copy yaw and roll change sign (within 6 degrees, the issue's bar for real
    photos); pitch stays. Rendered faces are not what the landmark model was trained on, so one
    in sixteen may miss on yaw (docs/consistency.md gives the figure on real photos)."""
    yaw_ok = 0
    imgs = portraits + [render_portrait(random_spec(s, width=400, height=500)) for s in range(6, 16)]
    for img in imgs:
        a, b = measure(img), measure(ImageOps.mirror(img))
        assert a["roll_deg"] + b["roll_deg"] == pytest.approx(0, abs=6), (a, b)
        assert a["pitch_deg"] == pytest.approx(b["pitch_deg"], abs=6)
        yaw_ok += abs(a["yaw_deg"] + b["yaw_deg"]) <= 6
    assert yaw_ok >= 0.9 * len(imgs)


def test_closed_eyes_and_open_mouth_are_measured():
    for seed in (0, 1, 2):
        base = measure(render_portrait(random_spec(seed, width=400, height=500)))
        closed = measure(render_portrait(random_spec(seed, width=400, height=500, eyes_open=0.0)))
        talking = measure(render_portrait(random_spec(seed, width=400, height=500, mouth_open=1.0)))
        assert base["eye_openness"] > 0.3 and base["mouth_openness"] < 0.08, base
        assert closed["eye_openness"] < base["eye_openness"] - 0.06, (base, closed)
        assert talking["mouth_openness"] > base["mouth_openness"] + 0.2, (base, talking)
        assert talking["eye_openness"] == pytest.approx(base["eye_openness"], abs=0.06)


def _mouth(corner_lift: float, width: float = 0.9, tilt_deg: float = 0.0) -> np.ndarray:
    """Landmarks with eyes 1 apart at y=0 and a mouth below, corners raised by `corner_lift`,
    the whole face turned by `tilt_deg` (the other points are irrelevant to the mouth measures)."""
    p = np.zeros((68, 2))
    p[36:42] = (-0.5, 0.0)
    p[42:48] = (0.5, 0.0)
    p[[48, 54]] = (-width / 2, 1.1 - corner_lift), (width / 2, 1.1 - corner_lift)
    p[[51, 62, 66, 57]] = (0, 1.05), (0, 1.1), (0, 1.1), (0, 1.15)
    # inner lips: 60 and 64 the corners, 61-63 the upper lip left to right, 65-67 the lower
    # lip right to left; closed, so each upper point meets its lower one
    xs = {60: -0.3, 61: -0.15, 62: 0.0, 63: 0.15, 64: 0.3, 65: 0.15, 66: 0.0, 67: -0.15}
    for i, x in xs.items():
        p[i] = (x, 1.1)
    a = math.radians(tilt_deg)
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return p @ R.T * 40 + 200


def test_smile_is_corner_lift_in_the_face_frame():
    assert landmarks.smile(_mouth(0.15)) == pytest.approx(0.15, abs=1e-6)
    assert landmarks.smile(_mouth(-0.05)) == pytest.approx(-0.05, abs=1e-6)
    # a tilted head is not a smile, and the face's size does not matter
    assert landmarks.smile(_mouth(0.15, tilt_deg=25)) == pytest.approx(0.15, abs=1e-6)
    assert landmarks.mouth_width(_mouth(0.0, width=1.2)) == pytest.approx(1.2, abs=1e-6)
    assert landmarks.mouth_openness(_mouth(0.0)) == pytest.approx(0.0, abs=1e-6)
    opened = _mouth(0.0)
    opened[[55, 56, 57, 58, 59, 65, 66, 67]] += (0, 0.3 * 40)  # the lower lip drops by 0.3 eye distances
    assert landmarks.mouth_openness(opened) == pytest.approx(0.3 / 0.9, rel=1e-6)
    assert landmarks.mouth_fits(_mouth(0.0)) and landmarks.mouth_fits(opened)
    crossed = _mouth(0.0)
    crossed[61:64] += (0, 0.3 * 40)  # the upper inner lip below the lower one: not a mouth
    assert not landmarks.mouth_fits(crossed)


def test_eye_aspect_ratio():
    eye = np.array([(0, 0), (1, -0.3), (2, -0.3), (3, 0), (2, 0.3), (1, 0.3)], float)
    assert landmarks.eye_aspect_ratio(eye) == pytest.approx(0.2)
    shut = eye * np.array([1, 0.1])
    assert landmarks.eye_aspect_ratio(shut) == pytest.approx(0.02)


def test_crown_and_chin_give_the_head_height_and_a_cut_crown(portraits):
    img = portraits[0]
    r = measure(img)
    # crown above the eyes by the eye-chin distance, below the frame top in a head-and-shoulders shot
    assert 0 < r["crown_y"] < r["eye_line"] < r["chin_y"] < 1, r
    assert r["head_height"] == pytest.approx(2 * (r["chin_y"] - r["eye_line"]), rel=0.1)
    # crop the top of the head off: the crown is now above the frame, the chin still inside
    W, H = img.size
    top = int((r["crown_y"] + 0.5 * (r["eye_line"] - r["crown_y"])) * H)
    cut = measure(img.crop((0, top, W, H)).resize((W, H - top)))
    assert cut["face_found"] and cut["crown_y"] < 0 < cut["chin_y"] < 1, cut
    assert cut["head_height"] > r["head_height"]


def test_a_patterned_wall_is_not_a_second_face(portraits):
    """A box on a backdrop pattern gets 68 points too; they do not fit a face."""
    rng = np.random.default_rng(0)
    wall = rng.integers(0, 255, (300, 300), dtype=np.uint8)
    wall = cv2.GaussianBlur(wall, (0, 0), 3)
    import dlib

    rect = dlib.rectangle(80, 80, 220, 220)
    pts = landmarks._shape(wall, rect)
    stable = landmarks.landmark_stability(wall, rect, pts)
    assert stable > landmarks.MAX_STABILITY or landmarks.feature_contrast(wall, pts) < landmarks.MIN_FEATURE_CONTRAST
    # while the landmarks of a real (rendered) face fit it
    g = cv2.cvtColor(np.asarray(portraits[0]), cv2.COLOR_RGB2GRAY)
    f = face.detect(decoded(portraits[0])).face
    x, y, w, h = f.box
    frect = landmarks._canonical_box(f.points)
    assert landmarks.landmark_stability(g, frect, landmarks._shape(g, frect)) < landmarks.MAX_STABILITY
    assert landmarks.feature_contrast(g, f.points) >= landmarks.MIN_FEATURE_CONTRAST


def test_models_come_from_the_installed_wheel():
    p = landmarks.model_path("shape_predictor_68_face_landmarks.dat")
    assert p.is_file() and p.stat().st_size > 50_000_000
    with pytest.raises(landmarks.ModelsMissing, match="no_such_model.dat"):
        landmarks.model_path("no_such_model.dat")


def test_shipped_detector_is_dlibs(tmp_path, monkeypatch):
    """The saved detector is the one dlib builds (a dlib upgrade that changed it would fail here:
    rerun scripts/save_face_detector.py), and without the file dlib's own is built."""
    import pickle

    import dlib

    built = dlib.get_frontal_face_detector()
    assert pickle.dumps(landmarks._frontal_face_detector(dlib)) == pickle.dumps(built)
    monkeypatch.setattr(landmarks, "DETECTOR_FILE", tmp_path / "missing.svm")
    assert pickle.dumps(landmarks._frontal_face_detector(dlib)) == pickle.dumps(built)
    (tmp_path / "missing.svm").write_bytes(b"not a detector")
    assert pickle.dumps(landmarks._frontal_face_detector(dlib)) == pickle.dumps(built)


def _detector_rect(g: np.ndarray):
    """The detector's box of the largest face in grey image `g`, in `g`'s pixels."""
    import dlib

    small, s = landmarks._detect_grey(g)
    rects, _, _ = landmarks._model("detector").run(small, 0, 0.0)
    r = max(rects, key=lambda x: x.height())
    return dlib.rectangle(int(r.left() / s), int(r.top() / s), int(r.right() / s), int(r.bottom() / s))


def test_landmarks_do_not_depend_on_where_the_detector_box_fell(portraits):
    """The 68 points are fitted from a box the 5-point model centres on the face, so a detector
    box shifted and enlarged (as on a mirrored copy or at another pyramid step) gives the same
    points; fitted straight from the detector's box they would move."""
    import dlib

    direct = []
    for img in portraits[:4]:
        g = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)
        rect = _detector_rect(g)
        w = rect.width()
        moved = dlib.rectangle(rect.left() + int(0.12 * w), rect.top() - int(0.1 * w),
                               rect.right() + int(0.2 * w), rect.bottom() + int(0.05 * w))
        a, b = landmarks._fit(g, rect), landmarks._fit(g, moved)
        iod = float(np.linalg.norm(a[landmarks.EYE_L].mean(0) - a[landmarks.EYE_R].mean(0)))
        assert np.linalg.norm(a - b, axis=1).mean() / iod < 0.05
        direct.append(np.linalg.norm(landmarks._fit_once(g, rect) - landmarks._fit_once(g, moved), axis=1).mean() / iod)
    assert max(direct) > 0.08  # the box does matter to a single fit: the test above can fail


def test_five_point_box_is_the_face_box_and_mirrors(portraits):
    """The box made from the 5-point model sits where the 68 points' box does, also on a tilted
    head, and the 5 points fitted on the mirror image come back in the same order."""
    for img in (portraits[0], apply_deviation(portraits[1], "rotate")):
        g = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)
        f = face.detect(decoded(img)).face
        b68 = landmarks._canonical_box(f.points)
        five = landmarks._shape(g, b68, model="shape5")
        mirrored = landmarks._shape(g, b68, mirror=True, model="shape5")
        iod = float(np.linalg.norm(f.eyes[1] - f.eyes[0]))
        assert np.abs(five - mirrored).max() < 0.15 * iod
        assert five[0, 0] > five[2, 0]  # point 0 is the picture-right eye's outer corner
        b5 = landmarks._canonical_box5(five)
        side = b68.width()
        assert abs((b5.left() + b5.right()) - (b68.left() + b68.right())) / 2 < 0.1 * side
        assert abs((b5.top() + b5.bottom()) - (b68.top() + b68.bottom())) / 2 < 0.1 * side
        assert b5.width() == pytest.approx(side, rel=0.2)


def test_a_small_face_is_found_at_twice_the_detection_size(portraits):
    """A face too small for the first pass (under ~60 px in the detection copy) is looked for
    in a copy twice the size."""
    W, H = 1200, 900
    frame = Image.new("RGB", (W, H), (118, 122, 128))
    frame.paste(portraits[4], (700, 350))
    g = cv2.cvtColor(np.asarray(frame), cv2.COLOR_RGB2GRAY)
    small, _ = landmarks._detect_grey(g)
    first, _, _ = landmarks._model("detector").run(small, 0, landmarks.WEAK_SCORE)
    assert len(first) == 0  # the first pass alone would call it faceless
    r = measure(frame)
    assert r["face_found"] and r["face_count"] == 1, r
    assert 700 / W < r["face_center_x"] < 1100 / W and 350 / H < r["eye_line"] < 850 / H


def test_second_look_calls_a_face_a_face_and_a_wall_not(portraits):
    g = cv2.cvtColor(np.asarray(portraits[0]), cv2.COLOR_RGB2GRAY)
    f = face.detect(decoded(portraits[0])).face
    assert landmarks.second_look(g, f.points) > 0
    rng = np.random.default_rng(1)
    wall = cv2.GaussianBlur(rng.integers(0, 255, g.shape, dtype=np.uint8), (0, 0), 3)
    assert landmarks.second_look(wall, f.points) < 0


@pytest.mark.parametrize("seed, blur", [(3, 8), (4, 6)])
def test_a_soft_portrait_is_found_from_its_weak_detection(seed, blur):
    """A defocused face scores under 0 with the detector; a weaker candidate is taken when the
    detector calls it a face on a second look or its landmarks fit, so the photo is measured."""
    from PIL import ImageFilter

    img = render_portrait(random_spec(seed, width=400, height=500)).filter(ImageFilter.GaussianBlur(blur))
    g = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2GRAY)
    small, _ = landmarks._detect_grey(g)
    det = landmarks._model("detector")
    scores = list(det.run(small, 0, -2.0)[1]) + list(det.run(small, 1, -2.0)[1])
    assert max(scores) < 0  # no strong detection: the weak path is what finds it
    r = measure(img)
    assert r["face_found"] and r["face_count"] == 1, r
    assert 0.4 < r["face_center_x"] < 0.6 and 0.3 < r["eye_line"] < 0.5, r


def test_a_cut_chin_is_placed_from_the_face_proportions(portraits):
    """The frame ends between the mouth and the chin: the landmark model rests the chin on the
    bottom edge, and the chin is then placed from the eye, nose and mouth positions, below the
    frame by about what was cut. Uncut portraits keep the landmark chin inside the frame."""
    for img in portraits[:4]:
        r = measure(img)
        assert r["chin_y"] < 1
        H = img.height
        chin, eye = r["chin_y"] * H, r["eye_line"] * H
        bottom = int(chin - 0.12 * (chin - eye))
        true_cut = (chin - bottom) / (r["head_height"] * H)
        cut_img = img.crop((0, 0, img.width, bottom))
        c = measure(cut_img)
        assert c["face_found"], c
        est = (c["chin_y"] - 1) / c["head_height"]
        f = face.detect(decoded(cut_img)).face
        on_edge = (f.points[8, 1] - bottom) / (c["head_height"] * bottom)
        assert est == pytest.approx(true_cut, abs=0.04), (est, true_cut)
        assert est > on_edge + 0.02  # the landmark alone would call it (nearly) uncut


def test_models_are_loaded_before_the_workers_fork(monkeypatch):
    """extract_all loads the face and forensic models in the parent before it forks its
    workers, so each worker inherits them instead of reading ~100 MB of models again."""
    import audit.features as features
    from audit import forensic_model

    monkeypatch.setattr(landmarks, "_models", {})
    forensic_model._load_cached.cache_clear()
    features.preload_models({})
    assert {"detector", "shape68", "shape5"} <= set(landmarks._models)
    assert forensic_model._load_cached.cache_info().currsize == 1
    features.preload_models({"identity": True})
    assert "descriptor" in landmarks._models
