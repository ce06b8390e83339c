"""Duplicates as groups: one finding per connected group of matching photos, never one per pair,
and a shared placeholder named as such."""

from __future__ import annotations

import numpy as np

from audit.checks.duplicates import Components
from tests.test_rule_cases import run_case

ZERO = "0" * 64
REAL = {"face_found": True, "luma_std": 0.2}


def flipped(bits: int) -> str:
    """A 256-bit hash `bits` low bits away from ZERO."""
    return format((1 << bits) - 1, "064x")


def far(seed: int) -> str:
    """A hash far (~128 bits) from ZERO and from other seeds."""
    return "".join(np.random.default_rng(seed).choice(list("0123456789abcdef"), 64))


def staff_csv(n: int, file=lambda i: f"p{i}.jpg") -> str:
    rows = "\n".join(f"E{i},Person {i},{file(i)},2026-06-01,photographer" for i in range(n))
    return "employee_id,name,photo,photo_date,photo_source\n" + rows


def dups(findings):
    return [f for f in findings if f.code in ("DUP001", "DUP002", "DUP004")]


def test_components_join_chains_and_keep_separate_groups_apart():
    c = Components(6)
    c.join(np.array([0, 2]))
    c.join(np.array([2, 4]))
    c.join(np.array([1, 5]))
    assert [g.tolist() for g in c.groups()] == [[0, 2, 4], [1, 5]]
    assert [g.tolist() for g in c.groups(min_size=1)] == [[0, 2, 4], [1, 5], [3]]


def test_fifty_people_with_one_portrait_is_one_finding_listing_all():
    n = 50
    photos = [{"file": f"p{i}.jpg", "phash": ZERO, **REAL} for i in range(n)]
    found = dups(run_case({"name": "group test", "staff": staff_csv(n), "photos": photos}))
    assert len(found) == 1, [f.message for f in found]  # not 1,225 pairs
    f = found[0]
    assert f.code == "DUP001" and f.employee_id is None
    assert sorted(f.related_files) == sorted(p["file"] for p in photos)
    members = [m["employee_id"] for m in f.evidence["members"]]
    assert sorted(members) == sorted(f"E{i}" for i in range(n))
    # The first person is taken to own the picture; everyone else is asked for their own.
    assert f.subjects == members[1:]
    assert "and 38 more" in f.message  # the message names 12, the evidence holds all


def test_a_chain_of_matches_is_one_group():
    # a~b and b~c are the same image at the threshold, a and c are not; still one group.
    photos = [{"file": "p0.jpg", "phash": ZERO, **REAL}, {"file": "p1.jpg", "phash": flipped(20), **REAL},
              {"file": "p2.jpg", "phash": flipped(40), **REAL}]
    found = dups(run_case({"name": "group test", "staff": staff_csv(3), "photos": photos}))
    assert [(f.code, sorted(f.related_files)) for f in found] == [("DUP001", ["p0.jpg", "p1.jpg", "p2.jpg"])]


def test_two_pictures_shared_by_two_groups_are_two_findings():
    photos = ([{"file": f"p{i}.jpg", "phash": ZERO, **REAL} for i in range(3)]
              + [{"file": f"p{i}.jpg", "phash": far(1), **REAL} for i in range(3, 5)]
              + [{"file": "p5.jpg", "phash": far(2), **REAL}])
    found = dups(run_case({"name": "group test", "staff": staff_csv(6), "photos": photos}))
    assert sorted(sorted(f.related_files) for f in found) == [["p0.jpg", "p1.jpg", "p2.jpg"], ["p3.jpg", "p4.jpg"]]


def test_one_persons_own_copies_are_not_a_duplicate_group():
    staff = "employee_id,name,photo,photo_date,photo_source\nE1,Ann,E1.jpg,2026-06-01,photographer"
    photos = [{"file": "E1.jpg", "phash": ZERO, **REAL},
              {"file": "E1_old.jpg", "phash": ZERO, **REAL}]  # E1's by its name
    findings = run_case({"name": "group test", "staff": staff, "photos": photos})
    assert not dups(findings)
    assert [f.code for f in findings if f.category == "duplicate"] == ["DUP003"]


def test_a_similar_photo_beside_a_same_image_group_asks_for_one_look():
    # p0 = p1 (distance 2); p2 is similar to p1 (distance 26) but not the same image.
    photos = [{"file": "p0.jpg", "phash": ZERO, **REAL}, {"file": "p1.jpg", "phash": flipped(2), **REAL},
              {"file": "p2.jpg", "phash": flipped(28), **REAL}]
    found = dups(run_case({"name": "group test", "staff": staff_csv(3), "photos": photos}))
    assert sorted((f.code, len(f.related_files)) for f in found) == [("DUP001", 2), ("DUP002", 3)]


def test_thirty_people_on_one_placeholder_in_three_files_is_one_placeholder_finding():
    n = 30
    staff = staff_csv(n, file=lambda i: f"placeholder{i % 3}.png")
    photos = [{"file": f"placeholder{k}.png", "phash": ZERO, "face_found": False, "luma_std": 0.2} for k in range(3)]
    findings = run_case({"name": "group test", "staff": staff, "photos": photos})
    found = dups(findings)
    assert [f.code for f in found] == ["DUP004"]
    f = found[0]
    assert f.message.startswith("30 people share one image: it looks like a placeholder")
    assert "book them into the next photo day" in f.message
    assert sorted(f.related_files) == ["placeholder0.png", "placeholder1.png", "placeholder2.png"]
    assert sorted(f.subjects) == sorted(f"E{i}" for i in range(n))  # nobody owns a placeholder
    assert "one file named for 10 people" in f.evidence["placeholder"]


def test_a_flat_image_with_a_face_found_is_still_a_placeholder_but_a_detailed_one_is_not():
    def run(std):
        photos = [{"file": f"p{i}.jpg", "phash": ZERO, "face_found": True, "luma_std": std} for i in range(3)]
        return [f.code for f in dups(run_case({"name": "group test", "staff": staff_csv(3), "photos": photos}))]

    assert run(0.03) == ["DUP004"]
    assert run(0.2) == ["DUP001"]


def test_the_placeholder_rule_follows_the_policy():
    photos = [{"file": f"p{i}.jpg", "phash": ZERO, "face_found": False, "luma_std": 0.2} for i in range(3)]
    case = {"name": "group test", "staff": staff_csv(3), "photos": photos, "policy": {"rules": {"DUP004": {"params": {"min_people": 4}}}}}
    assert [f.code for f in dups(run_case(case))] == ["DUP001"]


def test_placeholder_end_to_end_is_one_entry_in_every_output(make_portfolio, tmp_path):
    """30 staff on a grey silhouette saved as 10 files in three formats (3 people per file), two
    people sharing one real picture, and five people with their own: from the files to the report."""
    import csv
    import io
    import json

    from click.testing import CliRunner
    from PIL import Image, ImageDraw

    from audit.cli import cli
    from tests.conftest import noise_image

    grey = Image.new("RGB", (200, 250), (222, 222, 222))
    d = ImageDraw.Draw(grey)
    d.ellipse((65, 45, 135, 125), fill=(160, 160, 160))
    d.ellipse((30, 135, 170, 310), fill=(160, 160, 160))
    files = {f"photos/placeholder{k}.{('png', 'jpg', 'webp')[k % 3]}": grey for k in range(10)}
    rows = [f"P{i:02d},Placeholder Person {i},photos/placeholder{i % 10}.{('png', 'jpg', 'webp')[i % 10 % 3]}"
            for i in range(30)]
    shared = noise_image(50, (200, 250))
    files |= {"photos/ann.png": shared, "photos/bo.bmp": shared}  # lossless: the very same pixels
    rows += ["A1,Ann,photos/ann.png", "B1,Bo,photos/bo.bmp"]
    for i in range(5):
        files[f"photos/own{i}.jpg"] = noise_image(60 + i, (200, 250))
        rows.append(f"O{i},Own {i},photos/own{i}.jpg")
    root = make_portfolio("employee_id,name,photo\n" + "\n".join(rows) + "\n", files)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(root), "--out", str(out), "--format", "json,csv,html", "--no-cache",
                                 "--as-of", "2026-11-29"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "audit.json").read_text())
    dup = [f for f in doc["findings"] if f["code"] in ("DUP001", "DUP002", "DUP004")]
    assert sorted(f["code"] for f in dup) == ["DUP001", "DUP004"], [f["message"] for f in dup]
    group = next(f for f in dup if f["code"] == "DUP004")
    assert sorted(group["related_files"]) == sorted(k for k in files if "placeholder" in k)
    assert len(group["evidence"]["members"]) == 30
    pair = next(f for f in dup if f["code"] == "DUP001")
    assert sorted(pair["related_files"]) == ["photos/ann.png", "photos/bo.bmp"]

    table = list(csv.DictReader(io.StringIO((out / "findings.csv").read_text(encoding="utf-8-sig"))))
    rows_out = [t for t in table if t["code"] == "DUP004"]
    assert len(rows_out) == 1 and rows_out[0]["person"].count(";") == 29
    assert len(rows_out[0]["related_files"].split(";")) == 10

    html = (out / "report.html").read_text()
    assert html.count("30 people share one image") == 1
    recs = {r["employee_id"]: r for r in doc["recommendations"]}
    placeholder_people = [recs[f"P{i:02d}"] for i in range(30)]
    assert all(r["reason"].startswith("Shares one image with 29 other people") for r in placeholder_people)
    # Their own action, at the photo day's per-person fee, whatever else the grey image shows.
    assert {(r["action"], r["cost_low"], r["cost_high"]) for r in placeholder_people} == {("book", 40.0, 40.0)}
    # Ann is taken to own the shared picture, Bo is asked for his own.
    assert "DUP001" not in recs["A1"]["codes"] and "DUP001" in recs["B1"]["codes"] and recs["B1"]["action"] == "retake"
    day = doc["budget"]["photo_day"]
    assert day["booked"] == 30 and day["people"] == 30 + doc["budget"]["by_action"]["retake"]["count"]
