from pathlib import Path

import pytest

from audit.findings import CATEGORIES, SEVERITIES
from audit.policy import PolicyError, load_policy


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "policy.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_default_policy_has_sane_rules():
    policy = load_policy()
    assert policy.rules, "the default policy defines rules"
    for code, rule in policy.rules.items():
        assert rule.severity in SEVERITIES and rule.category in CATEGORIES, code
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
