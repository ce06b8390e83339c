from pathlib import Path

import pytest

from audit.findings import ACTIONS, CATEGORIES, SEVERITIES
from audit.policy import PolicyError, build_policy, load_policy


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_policy_has_sane_rules():
    policy = load_policy()
    assert policy.rules, "the default policy defines rules"
    for code, rule in policy.rules.items():
        assert rule.severity in SEVERITIES and rule.category in CATEGORIES and rule.action in ACTIONS, code
        assert rule.summary and rule.recommendation, code
    assert policy["staleness"]["photographer"] == {"warn": 24, "refresh": 36}
    assert policy["staleness"]["ai"] == {"warn": 6, "refresh": 12}


def test_user_policy_overrides_only_what_it_sets(tmp_path):
    policy = load_policy(write(tmp_path, "[staleness]\nphotographer = { warn = 12, refresh = 24 }\n"
                                         "[rules.DAT002]\nseverity = 'info'\n"))
    assert policy["staleness"]["photographer"] == {"warn": 12, "refresh": 24}
    assert policy["staleness"]["ai"] == {"warn": 6, "refresh": 12}
    assert policy.rule("DAT002").severity == "info"
    assert policy.rule("DAT001").severity == "medium"


@pytest.mark.parametrize(
    "text, key",
    [
        ("[staleness]\nphotographer = { warn = 24, refresh = 36, extra = 1 }\n", "staleness.photographer.extra"),
        ("[rules.XYZ999]\nseverity = 'low'\n", "rules.XYZ999"),
        ("[rules.DAT001]\nseverity = 'urgent'\n", "rules.DAT001.severity"),
        ("[rules.DAT001]\nenabled = 'yes'\n", "rules.DAT001.enabled"),
        ("[staleness]\nai = { warn = -1, refresh = 12 }\n", "staleness.ai.warn"),
        ("[staleness]\nai = { warn = 13, refresh = 12 }\n", "staleness.ai.warn"),
        ("[duplicates]\nsame_image = 'four'\n", "duplicates.same_image"),
        ("[costs]\nai_service = { low = -5, high = 60, useful_life_months = 9, turnaround = 'x' }\n", "costs.ai_service.low"),
        ("[columns]\n'Staff No' = 'staff_number'\n", "columns.Staff No"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ("[rules.DAT001]\naction = 'panic'\n", "rules.DAT001.action"),
        ("[rules.DAT001]\ncheck = 'nope'\n", "rules.DAT001.check"),
        ("[rules.DAT001]\ncheck = 'stale'\n", "rules.DAT001.check"),  # the stale check does not emit DAT001
        ("[rules.STL004.params]\ngrace_days = -3\n", "rules.STL004.params.grace_days"),
        ("[rules.STL004.params]\ngrace_days = 1.5\n", "rules.STL004.params.grace_days"),
        ("[rules.STL004.params]\nwindow = 3\n", "rules.STL004.params.window"),
        ("[rules.STL001.params]\ngrace_days = 3\n", "rules.STL001.params"),
        ("[consistency]\noutlier_z = 0\n", "consistency.outlier_z"),
        ("[ai]\nmax_spectral_cliff = -1\n", "ai.max_spectral_cliff"),
        ("[ai]\nmin_jpeg_quality = 120\n", "ai.min_jpeg_quality"),
        ("[ai]\nmin_face_px = -64\n", "ai.min_face_px"),
    ],
)
def test_bad_policy_names_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(path) in str(err.value)
    assert key in str(err.value)


def test_unparseable_and_missing_policy(tmp_path):
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(write(tmp_path, "[staleness\n"))
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.toml")


def test_rule_entry_carries_check_action_and_params(tmp_path):
    policy = load_policy(write(tmp_path, "[rules.STL004.params]\ngrace_days = 10\n[rules.DAT002]\naction = 'keep'\n"))
    stl4 = policy.rule("STL004")
    assert (stl4.check, stl4.action, stl4.params) == ("stale", "review", {"grace_days": 10})
    assert policy.rule("DAT002").action == "keep"
    assert load_policy().rule("STL004").params == {"grace_days": 90}


def test_every_policy_goes_through_one_merge_and_validation():
    with pytest.raises(PolicyError, match="my overrides: key 'consistency.outlier_z'"):
        build_policy({"consistency": {"outlier_z": -1.0}}, "my overrides")
    assert build_policy({"rules": {"DAT001": {"enabled": False}}}, "x").rule("DAT001").enabled is False
