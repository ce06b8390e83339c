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
GREY = (128, 128, 128)
# A coloured studio backdrop (mid blue). Only a coloured backdrop, the one surface every photo
# shares, can tell a change of saturation from the people's skin (house_style.saturation_evidence):
# in a grey set such a kind must never be flagged on the skin alone.
BLUE = (70, 105, 160)
NEED_COLOURED_BACKDROP = ("desaturate",)
COLOURED_KINDS = ("greyscale", "colour_cast", "desaturate", "backdrop")
# The rule each kind must raise (family -> rule, plus the categorical ones).
EXPECTED_CODE = {k: FAMILY_CODE[f] for k, f in EXPECTED_FAMILY.items()} | {"crown_cut": "CON014", "chin_cut": "CON014"}


def _features(images: dict[str, object], root: Path) -> pd.DataFrame:
    rows = []
    for name, img in images.items():
        img.save(root / name, quality=92)
        rows.append(extract_one(str(root), name))
    return pd.DataFrame(rows)


@lru_cache(maxsize=8)
def rendered(seed: int, n_house: int = N_HOUSE, backdrop: tuple[int, int, int] = GREY,
             kinds: tuple[str, ...] = KINDS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(untouched house photos, one deviant per kind) as feature tables, for one seed. The same
    people sit in front of any `backdrop`; each kind keeps its person whichever `kinds` are asked."""
    w, h = SIZE
    specs = house_specs(n_house + len(KINDS), seed=seed, width=w, height=h, backdrop=backdrop)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        house = _features({f"s{seed}_h{i:02d}.jpg": render_portrait(s) for i, s in enumerate(specs[:n_house])}, root)
        # deviants are other people of the same shoot, so they are not copies of a house photo
        dev = _features({f"s{seed}_x_{k}.jpg": make_deviant(s, k) for k, s in zip(KINDS, specs[n_house:])
                         if k in kinds}, root)
    dev["kind"] = [k for k in KINDS if k in kinds]
    return house, dev


def findings_for(photos: pd.DataFrame, policy=None) -> list:
    policy = policy or load_policy()
    photos = photos.assign(employee_id=[f"E{i}" for i in range(len(photos))])
    ctx = CheckContext(staff=pd.DataFrame(), photos=photos, policy=policy, as_of=date(2026, 11, 29))
    check_consistency(ctx)
    return ctx.findings


def evaluate(seed: int, backdrop: tuple[int, int, int] = GREY, kinds: tuple[str, ...] = KINDS) -> dict:
    """For one seed: for each kind, a portfolio of the house photos plus that one deviant."""
    house, dev = rendered(seed, backdrop=backdrop, kinds=kinds)
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


@pytest.fixture(scope="module")
def coloured():
    return evaluate(0, backdrop=BLUE, kinds=COLOURED_KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_injected_deviation_is_found_for_the_right_reason(result, coloured, kind):
    r = coloured if kind in NEED_COLOURED_BACKDROP else result
    assert r["found"][kind], f"{kind}: got {r['codes'][kind]}, expected {EXPECTED_FAMILY[kind]}"
    assert EXPECTED_CODE[kind] in r["codes"][kind], r["codes"][kind]


def test_colour_kinds_in_a_coloured_set_keep_their_reason_and_flag_no_untouched_photo(coloured):
    for kind in COLOURED_KINDS:
        assert EXPECTED_CODE[kind] in coloured["codes"][kind], (kind, coloured["codes"][kind])
    # a black-and-white copy turns the blue backdrop grey with the skin: one colour finding,
    # not also "a different backdrop"
    assert coloured["codes"]["greyscale"] == ["CON005"], coloured["codes"]["greyscale"]
    assert coloured["false_alone"] == [] and coloured["false"] == {}, (coloured["false_alone"], coloured["false"])


def test_in_a_grey_set_saturation_is_never_judged_on_the_skin_alone(result):
    # The desaturated photo's skin is as pale as a fair-skinned person's, and nothing else in a
    # grey set carries colour the house shares: no saturation finding (docs/consistency.md).
    assert "CON005" not in result["codes"]["desaturate"], result["codes"]["desaturate"]


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


def _mixed_skin_set(backdrop: tuple[int, int, int]) -> tuple[pd.DataFrame, str]:
    """A shoot of mostly medium skin tones with three of the fairest and three of the darkest
    (the people whose skin has the least chroma), plus one medium-skinned person desaturated.
    Returns the feature table and the desaturated photo's file name."""
    from dataclasses import replace

    from tests.synth.deviations import apply_deviation
    from tests.synth.portrait import SKIN_TONES

    w, h = SIZE
    tones = [SKIN_TONES[0]] * 3 + [SKIN_TONES[-1]] * 3 + [SKIN_TONES[2], SKIN_TONES[3], SKIN_TONES[4]] * 5
    specs = [replace(s, skin=t) for s, t in zip(house_specs(N_HOUSE + 1, seed=31, width=w, height=h, backdrop=backdrop),
                                                 tones)]
    images = {f"m{i:02d}.jpg": render_portrait(s) for i, s in enumerate(specs[:N_HOUSE])}
    images["muted.jpg"] = apply_deviation(render_portrait(specs[N_HOUSE]), "desaturate")
    with tempfile.TemporaryDirectory() as tmp:
        return _features(images, Path(tmp)), "muted.jpg"


@pytest.mark.parametrize("backdrop", [GREY, BLUE], ids=["grey", "blue"])
def test_fair_and_dark_skin_is_never_flagged_and_a_muted_photo_only_with_a_coloured_backdrop(backdrop):
    photos, muted = _mixed_skin_set(backdrop)
    fs = findings_for(photos)
    flagged = sorted({(f.file, f.code) for f in fs if f.file and f.file != muted})
    assert flagged == [], flagged
    muted_codes = {f.code for f in fs if f.file == muted}
    if backdrop == BLUE:
        f = next(f for f in fs if f.file == muted and f.code == "CON005")
        assert f.message.startswith("Saturation: the colours are much paler than in the rest of the set "
                                    "(the backdrop and the skin lost colour together)."), f.message
        assert "Also" not in f.message and "increase" in f.recommendation, (f.message, f.recommendation)
    else:
        assert "CON005" not in muted_codes, muted_codes


def _numbers(rows: list[dict]) -> house_style.HouseStyle:
    base = {"face_found": True, "face_count": 1, "backdrop_L": 50.0}
    return house_style.analyse(pd.DataFrame([base | r for r in rows]), load_policy())


def test_skin_chroma_alone_is_neither_an_outlier_nor_a_penalty():
    house = [{"file": f"p{i}.jpg", "skin_chroma": 24.0 + (i % 5), "backdrop_a": 0.2 * (i % 3), "backdrop_b": 0.0}
             for i in range(20)]
    hs = _numbers(house + [{"file": "fair.jpg", "skin_chroma": 11.0, "backdrop_a": 0.2, "backdrop_b": 0.0}])
    p = hs.photos["fair.jpg"]
    skin = next(d for d in p.deviations if d.column == "skin_chroma")
    assert abs(skin.z) > 3.5 and skin.noticeable  # far from the house, and still:
    assert not skin.outlier and not skin.scored and p.families() == [] and p.score == 100


def test_saturation_needs_the_coloured_backdrop_to_change_with_the_skin():
    # a blue house backdrop (a* 0, b* -30)
    house = [{"file": f"p{i}.jpg", "skin_chroma": 22.0 + (i % 5) * 1.5, "backdrop_a": 0.3 * (i % 3),
              "backdrop_b": -30.0 + 0.4 * (i % 4)} for i in range(20)]
    hs = _numbers(house + [
        {"file": "muted.jpg", "skin_chroma": 10.0, "backdrop_a": 0.3, "backdrop_b": -12.0},   # both x0.4
        {"file": "fair.jpg", "skin_chroma": 11.0, "backdrop_a": 0.3, "backdrop_b": -29.5},    # only the skin
        {"file": "beige.jpg", "skin_chroma": 11.0, "backdrop_a": 3.0, "backdrop_b": 14.0},    # another backdrop
        {"file": "vivid.jpg", "skin_chroma": 45.0, "backdrop_a": 0.6, "backdrop_b": -55.0},   # both x1.8
    ])
    fams = {f: hs.photos[f].families() for f in ("muted.jpg", "fair.jpg", "beige.jpg", "vivid.jpg")}
    assert fams == {"muted.jpg": ["colour"], "fair.jpg": [], "beige.jpg": ["backdrop"], "vivid.jpg": ["colour"]}, fams
    assert hs.photos["fair.jpg"].score == 100
    labels = {d.label for d in hs.photos["muted.jpg"].outliers()}
    assert labels == {"saturation (the colours are paler: the backdrop and the skin changed together)"}, labels
    assert all("stronger" in d.label for d in hs.photos["vivid.jpg"].outliers())


def test_a_blurred_portrait_is_a_sharpness_finding_never_no_face_alone():
    """Another person of the same shoot, defocused by 1.6% and 2.4% of the frame height: at the
    first the face scores under 0 and is still found, at the second no face is found at all;
    both are reported soft (CON007), neither gets "eyes closed" or "expression" from landmarks
    placed on a blur."""
    from PIL import ImageFilter

    house, _ = rendered(0)
    w, h = SIZE
    spec = house_specs(N_HOUSE + len(KINDS) + 1, seed=0, width=w, height=h)[-1]
    img = render_portrait(spec)
    with tempfile.TemporaryDirectory() as tmp:
        blurred = _features({f"soft{r}.jpg": img.filter(ImageFilter.GaussianBlur(r)) for r in (8, 12)}, Path(tmp))
    weak, faceless = (row for _, row in blurred.iterrows())
    assert weak["face_found"] and weak["face_score"] < 0
    assert not faceless["face_found"] and faceless["sharpness"] is not None
    for _, row in blurred.iterrows():
        fs = findings_for(pd.concat([house, row.to_frame().T], ignore_index=True))
        codes = {f.code for f in fs if f.file == row["file"]}
        assert "CON007" in codes, (row["file"], codes)
        assert not codes & {"CON011", "CON013"}, (row["file"], codes)
        assert ("CON001" in codes) == (not row["face_found"])
