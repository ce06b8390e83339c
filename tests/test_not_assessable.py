"""No accusation from a photo that cannot be judged: a face too soft, a photo too small or a file
too compressed gets no forensic score (`ai_basis` not_assessable, with the reason) and no finding
built on one. And the figures every AI text quotes come from the shipped model file, through one
helper, so a retrain updates them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from PIL import Image, ImageFilter

from audit import forensic_model
from audit.ai_evidence import detector_figures, not_assessable, score_row
from audit.cli import cli
from audit.features import extract_one
from audit.policy import load_policy
from tests.synth.portrait import random_spec, render_portrait


@pytest.fixture(scope="module")
def portrait():
    return render_portrait(random_spec(1, width=800, height=1000, noise=3.0))


@pytest.fixture(scope="module")
def measured(portrait, tmp_path_factory):
    """Feature rows of a sharp synthetic portrait and of a blurred, a shrunk and a heavily
    compressed copy."""
    root = tmp_path_factory.mktemp("gate")
    copies = {
        "sharp.jpg": (portrait, 92),
        "blurred.jpg": (portrait.filter(ImageFilter.GaussianBlur(6)), 92),
        "small.jpg": (portrait.resize((160, 200), Image.Resampling.LANCZOS), 92),
        "compressed.jpg": (portrait, 8),
    }
    for name, (img, q) in copies.items():
        img.save(root / name, quality=q)
    return {name: extract_one(str(root), name) for name in copies}


@pytest.mark.parametrize("name, why", [("blurred.jpg", "too soft"), ("small.jpg", "too small"),
                                       ("compressed.jpg", "too heavily compressed")])
def test_a_degraded_copy_gets_no_forensic_score(measured, name, why):
    policy = load_policy()
    out = score_row(measured[name], None, policy)
    assert out["ai_basis"] == "not_assessable" and out["ai_score"] is None
    assert why in out["ai_reasons"] and "withheld" in out["ai_reasons"]


def test_the_sharp_original_is_judged(measured):
    out = score_row(measured["sharp.jpg"], None, load_policy())
    assert out["ai_basis"] == "forensic" and out["ai_score"] is not None
    assert not_assessable(measured["sharp.jpg"], load_policy()["ai"]) == []


def test_provenance_and_declared_sources_still_stand_on_a_degraded_copy(measured):
    policy = load_policy()
    assert score_row(measured["blurred.jpg"], "ai", policy)["ai_basis"] == "declared"
    row = dict(measured["small.jpg"], prov_ai=True)
    assert score_row(row, None, policy)["ai_basis"] == "provenance"


def test_the_limits_come_from_the_policy(measured):
    ai = dict(load_policy()["ai"], min_short_side_px=100, min_face_px=20)
    assert not [w for w in not_assessable(measured["small.jpg"], ai) if "too small" in w]
    assert not_assessable(measured["sharp.jpg"], dict(ai, min_face_sharpness=5.0))  # a stricter policy withholds more


def test_a_blurred_executive_photo_is_asked_about_not_accused(portrait, make_portfolio, tmp_path):
    blurred = portrait.filter(ImageFilter.GaussianBlur(6))
    root = make_portfolio("employee_id,name,title,department,photo,client_facing,seniority,platforms\n"
                          "E1,Ann Example,Managing Partner,Legal,a.jpg,yes,executive,website;press\n",
                          {"a.jpg": blurred})
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json,csv", "--no-cache"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_text())
    photo = doc["photos"][0]
    assert photo["ai_score"] is None and photo["ai_basis"] == "not_assessable"
    codes = {f["code"] for f in doc["findings"]}
    assert not codes & {"AI003", "ROL001", "ROL002"} and "AI005" in codes
    assert "E1,Ann Example,a.jpg" in (out / "sources_to_confirm.csv").read_text()


def test_a_retrained_model_changes_every_quoted_figure(monkeypatch):
    shipped = forensic_model.load()
    retrained = json.loads(json.dumps(shipped))
    retrained["evaluation"]["headline"]["known_generators_tpr_at_threshold_laundered"] = 0.5
    retrained["evaluation"]["headline"]["known_generators_fpr_at_threshold_laundered"] = 0.02
    monkeypatch.setattr(forensic_model, "load", lambda path=None: retrained)
    fig = detector_figures()
    assert fig.caught == 0.5 and fig.missed() == 0.5
    assert "about one AI image in two" in fig.caveat(0.5)
    assert fig.caveat(0.7) == ""  # measured at another threshold: no figure is quoted


@pytest.fixture(scope="module")
def enlarged(tmp_path_factory):
    """Feature rows of a small sharp portrait with fine noise texture, and of its central quarter
    enlarged back to the frame's size (Lanczos and bicubic), as a re-crop in a web tool does."""
    root = tmp_path_factory.mktemp("enlarged")
    photo = render_portrait(random_spec(2, width=512, height=640, noise=3.0))
    w, h = photo.width / 4, photo.height / 4
    box = ((photo.width - w) / 2, (photo.height - h) / 2, (photo.width + w) / 2, (photo.height + h) / 2)
    copies = {"original.jpg": photo,
              "lanczos.jpg": photo.resize(photo.size, Image.Resampling.LANCZOS, box=box),
              "bicubic.jpg": photo.resize(photo.size, Image.Resampling.BICUBIC, box=box)}
    for name, img in copies.items():
        img.save(root / name, quality=90)
    return {name: extract_one(str(root), name) for name in copies}


@pytest.mark.parametrize("name", ["lanczos.jpg", "bicubic.jpg"])
def test_an_enlarged_crop_gets_no_forensic_score(enlarged, name):
    policy = load_policy()
    row = enlarged[name]
    assert row["sharpness"] > policy["ai"]["min_face_sharpness"]  # not caught as a soft face
    out = score_row(row, None, policy)
    assert out["ai_basis"] == "not_assessable" and out["ai_score"] is None
    assert "enlarged from a smaller picture" in out["ai_reasons"] and "withheld" in out["ai_reasons"]


def test_the_photo_it_was_cropped_from_is_judged(enlarged):
    policy = load_policy()
    assert not_assessable(enlarged["original.jpg"], policy["ai"]) == []
    assert score_row(enlarged["original.jpg"], None, policy)["ai_basis"] == "forensic"
    # the limit is the policy's: a laxer one lets the enlarged copy be judged
    assert not not_assessable(enlarged["lanczos.jpg"], dict(policy["ai"], max_spectral_cliff=10.0))
