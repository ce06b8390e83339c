"""Consistency: portfolios of rendered portraits with one injected deviation each.

Each kind of deviation must be flagged in the right family of measures (and by the right rule);
untouched photos must not be flagged. The same harness measures the false-outlier rate over
several seeds: `scripts/measure_consistency.py --seeds 0 1 2 3 4` prints the table quoted in
docs/consistency.md.
"""

from __future__ import annotations

import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from audit import house_style
from audit.checks import CheckContext
from audit.checks.consistency import FAMILY_CODE, check_consistency, colour_name
from audit.features import extract_one
from audit.policy import PolicyError, load_policy
from tests.synth.deviations import EXPECTED_FAMILY, KINDS, house_specs, make_deviant
from tests.synth.portrait import render_portrait

N_HOUSE = 20
SIZE = (400, 500)
# The rule each kind must raise (family -> rule, plus the categorical ones).
EXPECTED_CODE = {k: FAMILY_CODE[f] for k, f in EXPECTED_FAMILY.items()}


def _features(images: dict[str, object], root: Path) -> pd.DataFrame:
    rows = []
    for name, img in images.items():
        img.save(root / name, quality=92)
        rows.append(extract_one(str(root), name))
    return pd.DataFrame(rows)


@lru_cache(maxsize=8)
def rendered(seed: int, n_house: int = N_HOUSE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(untouched house photos, one deviant per kind) as feature tables, for one seed."""
    w, h = SIZE
    specs = house_specs(n_house + len(KINDS), seed=seed, width=w, height=h)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        house = _features({f"s{seed}_h{i:02d}.jpg": render_portrait(s) for i, s in enumerate(specs[:n_house])}, root)
        # deviants are other people of the same shoot, so they are not copies of a house photo
        dev = _features({f"s{seed}_x_{k}.jpg": make_deviant(s, k) for k, s in zip(KINDS, specs[n_house:])}, root)
    dev["kind"] = list(KINDS)
    return house, dev


def findings_for(photos: pd.DataFrame, policy=None) -> list:
    policy = policy or load_policy()
    photos = photos.assign(employee_id=[f"E{i}" for i in range(len(photos))])
    ctx = CheckContext(staff=pd.DataFrame(), photos=photos, policy=policy, as_of=date(2026, 11, 29))
    check_consistency(ctx)
    return ctx.findings


def evaluate(seed: int) -> dict:
    """For one seed: for each kind, a portfolio of the house photos plus that one deviant."""
    house, dev = rendered(seed)
    out = {"found": {}, "codes": {}, "false": {}}
    for _, row in dev.iterrows():
        kind = row["kind"]
        photos = pd.concat([house, row.drop("kind").to_frame().T], ignore_index=True)
        fs = findings_for(photos)
        mine = [f for f in fs if f.file == row["file"]]
        out["codes"][kind] = sorted({f.code for f in mine})
        fams = {f.evidence.get("family") for f in mine}
        out["found"][kind] = EXPECTED_FAMILY[kind] in fams or EXPECTED_CODE[kind] in out["codes"][kind]
        for f in fs:
            if f.file is not None and f.file != row["file"]:
                out["false"].setdefault(f.file, set()).add(f.code)
    # the untouched set alone
    alone = findings_for(house)
    out["false_alone"] = sorted({(f.file, f.code) for f in alone if f.file})
    return out


# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    return evaluate(0)


@pytest.mark.parametrize("kind", KINDS)
def test_injected_deviation_is_found_for_the_right_reason(result, kind):
    assert result["found"][kind], f"{kind}: got {result['codes'][kind]}, expected {EXPECTED_FAMILY[kind]}"
    assert EXPECTED_CODE[kind] in result["codes"][kind], result["codes"][kind]


def test_untouched_photos_are_not_flagged(result):
    # the target: at most 1 false outlier per 20 untouched photos
    assert len(result["false_alone"]) <= N_HOUSE // 20, result["false_alone"]
    # and adding one deviant photo does not make the house photos outliers
    flagged = {f for f in result["false"]}
    assert len(flagged) <= N_HOUSE // 20, result["false"]


def test_findings_name_measure_value_house_and_a_fix():
    house, dev = rendered(0)
    row = dev[dev["kind"] == "backdrop"].iloc[0]
    photos = pd.concat([house, row.drop("kind").to_frame().T], ignore_index=True)
    f = next(f for f in findings_for(photos) if f.code == "CON004")
    assert f.file == row["file"] and f.employee_id is not None
    assert {"measure", "value", "house", "z", "family"} <= set(f.evidence)
    assert f.evidence["measure"].startswith("backdrop_")
    assert "grey" in f.recommendation and "#" in f.recommendation, f.recommendation
    assert "Backdrop: the backdrop" in f.message and "rest of the set" in f.message
    assert "robust z" not in f.message and "L*" not in f.message  # the numbers are in the evidence


def test_two_shoots_make_two_styles_and_each_is_judged_against_its_own():
    w, h = SIZE
    grey = house_specs(14, seed=11, width=w, height=h)
    blue = house_specs(6, seed=12, width=w, height=h, backdrop=(70, 105, 160), head_scale=0.27)
    with tempfile.TemporaryDirectory() as tmp:
        photos = _features({f"g{i}.jpg": render_portrait(s) for i, s in enumerate(grey)}
                           | {f"b{i}.jpg": render_portrait(s) for i, s in enumerate(blue)}, Path(tmp))
    hs = house_style.analyse(photos, load_policy())
    s = hs.summary()
    assert s["n_styles"] == 2 and s["main_share"] == pytest.approx(0.7)
    assert set(hs.groups["B"]) == {f"b{i}.jpg" for i in range(6)}
    assert colour_name(*(hs.house_value(c, "B") for c in ("backdrop_L", "backdrop_a", "backdrop_b"))).endswith("blue")
    fs = findings_for(photos)
    assert [f.code for f in fs if f.code.startswith("CON0") and f.file] == []
    mix = [f for f in fs if f.code == "CON010"]
    assert mix and "2 photo styles" in mix[0].message and "70%" in mix[0].message
    # the set's score is judged against the main style, so mixing lowers it
    assert s["set_score"] < 95
    ann = hs.annotate()
    assert set(ann.columns) >= {"style_group", "in_main_style", "consistency_score"}
    assert ann.loc[ann["file"] == "b0.jpg", "in_main_style"].item() is False
    assert s["order"][:14] == sorted(s["order"][:14], key=lambda f: (not f.startswith("g"), ))


def test_small_and_featureless_sets_do_not_crash():
    assert findings_for(pd.DataFrame({"file": ["a.jpg"], "error": [None]})) == []
    house, _ = rendered(0)
    few = findings_for(house.head(3))
    assert [f for f in few if f.code not in ("CON001", "CON002")] == []


def test_policy_can_tune_thresholds(tmp_path):
    p = tmp_path / "policy.toml"
    p.write_text("[consistency]\noutlier_z = 50.0\n[consistency.min_diff]\nroll_deg = 45.0\n", encoding="utf-8")
    policy = load_policy(p)
    assert policy["consistency"]["min_diff"]["roll_deg"] == 45.0
    assert policy["consistency"]["min_diff"]["head_size"] == 0.38
    house, dev = rendered(0)
    row = dev[dev["kind"] == "rotate"].iloc[0]
    photos = pd.concat([house, row.drop("kind").to_frame().T], ignore_index=True)
    assert not [f for f in findings_for(photos, policy) if f.code == "CON003"]


@pytest.mark.parametrize("text, key", [
    ('style_measures = ["nope"]', "consistency.style_measures"),
    ("outlier_z = 0", "consistency.outlier_z"),
    ("min_style_share = 1.5", "consistency.min_style_share"),
    ("[consistency.min_diff]\nhead_size = 0", "consistency.min_diff"),
])
def test_bad_parameters_are_refused_at_load_naming_the_key(tmp_path, text, key):
    p = tmp_path / "policy.toml"
    p.write_text(f"[consistency]\n{text}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=key):
        load_policy(p)
