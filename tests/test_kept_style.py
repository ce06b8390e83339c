"""Stable across quarters: with --previous, last quarter's house style (kept in audit.json) is the
baseline, so a photo that has not changed keeps its consistency findings when other photos move
the set; a changed policy or --relearn-style learns the style afresh."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
from click.testing import CliRunner

from audit.checks import CheckContext
from audit.checks.consistency import check_consistency
from audit.cli import cli
from audit.house_style import analyse
from audit.policy import load_policy


def photos(values: dict[str, float]) -> pd.DataFrame:
    """Photo rows that differ only in backdrop lightness (the other measures alike)."""
    rows = []
    for i, (f, L) in enumerate(values.items()):
        rows.append({"file": f, "error": None, "face_found": True, "face_count": 1, "head_size": 0.25,
                     "eye_line": 0.4, "face_center_x": 0.5, "roll_deg": 0.0, "backdrop_L": L,
                     "backdrop_a": 0.0 + 0.1 * (i % 3), "backdrop_b": 0.0, "sharpness": 0.4 + 0.01 * (i % 4),
                     "short_side_px": 800, "aspect_ratio": 0.8, "frame_orientation": "portrait", "is_bw": False})
    return pd.DataFrame(rows)


def con_findings(frame: pd.DataFrame, style) -> set[str]:
    staff = pd.DataFrame({"employee_id": [], "name": [], "file": []})
    ctx = CheckContext(staff=staff, photos=frame, policy=load_policy(), as_of=date(2026, 11, 29), style=style)
    check_consistency(ctx)
    return {f.key for f in ctx.findings if f.code != "CON010"}


# Last quarter: ten photos around L* 50; x.jpg is 6 lighter, inside the smallest noticeable
# difference (8), so it is no outlier. This quarter x.jpg is unchanged, five old photos stay and
# fifteen new ones around L* 46 arrive: learned afresh, the house moves to ~46 and x.jpg (10 away)
# becomes a "new" backdrop finding although nothing about it changed.
Q3 = {f"old{i}.jpg": 50 + (i % 3 - 1) * 0.5 for i in range(10)} | {"x.jpg": 56.0}
Q4 = {f"old{i}.jpg": Q3[f"old{i}.jpg"] for i in range(5)} | {f"new{i}.jpg": 46 + (i % 3 - 1) * 0.5 for i in range(15)} | {
    "x.jpg": 56.0}


def test_an_unchanged_photo_keeps_its_findings_against_the_kept_style():
    params = load_policy()["consistency"]
    q3 = analyse(photos(Q3), params)
    kept = json.loads(json.dumps(q3.baseline()))  # as stored in audit.json
    assert "x.jpg" not in {k.split("|")[2] for k in con_findings(photos(Q3), q3)}

    afresh = analyse(photos(Q4), params)
    assert any(k.endswith("|x.jpg") for k in con_findings(photos(Q4), afresh))  # the drift the issue saw

    stable = analyse(photos(Q4), params, baseline=kept, baseline_from="the audit of 2026-08-31")
    assert stable.learned_from == "the audit of 2026-08-31"
    assert not any(k.endswith("|x.jpg") for k in con_findings(photos(Q4), stable))
    assert stable.house_value("backdrop_L") == q3.house_value("backdrop_L")


def test_a_changed_policy_learns_afresh():
    params = load_policy()["consistency"]
    kept = analyse(photos(Q3), params).baseline()
    changed = dict(params, outlier_z=3.0)
    hs = analyse(photos(Q4), changed, baseline=kept)
    assert hs.learned_from.startswith("this set") and "settings of the policy changed" in hs.learned_from
    assert abs(hs.house_value("backdrop_L") - np.median(list(Q4.values()))) < 1.0


def test_cli_keeps_the_style_with_previous_and_relearns_on_request(make_portfolio, tmp_path):
    csv = "employee_id,name,photo\n" + "".join(f"E{i},P{i},p{i}.png\n" for i in range(6))
    root = make_portfolio(csv, {f"p{i}.png": i + 1 for i in range(6)})
    q3, q4, q4b = tmp_path / "q3", tmp_path / "q4", tmp_path / "q4b"
    base = ["run", str(root), "--format", "json", "--no-cache"]
    r = CliRunner().invoke(cli, base + ["--out", str(q3), "--as-of", "2026-08-31"])
    assert r.exit_code == 0, r.output
    doc3 = json.loads((q3 / "audit.json").read_text())
    assert doc3["house_style"]["styles"] and "files" not in json.dumps(doc3["house_style"])
    r = CliRunner().invoke(cli, base + ["--out", str(q4), "--as-of", "2026-11-29", "--previous", str(q3 / "audit.json")])
    assert r.exit_code == 0, r.output
    doc4 = json.loads((q4 / "audit.json").read_text())
    assert doc4["house_style"] == doc3["house_style"]
    assert doc4["changes"]["new"] == [] and doc4["changes"]["resolved"] == []
    r = CliRunner().invoke(cli, base + ["--out", str(q4b), "--as-of", "2026-11-29", "--previous", str(q3 / "audit.json"),
                                        "--relearn-style"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, base + ["--out", str(q4b), "--relearn-style"])
    assert r.exit_code == 2 and "--previous" in r.output
