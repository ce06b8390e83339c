"""Property-based tests: whatever bytes arrive as a staff CSV or a policy file, the loaders
either return a valid table / policy or raise their own error with a message; metadata date
parsing never raises."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.features.metadata import parse_date as exif_date
from audit.policy import PolicyError, load_policy
from audit.staff import StaffError, read_staff

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
cell = st.text(alphabet=string.printable + "éü€\u202e\ufeff\x00", max_size=30)


@SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_as_staff_csv(tmp_path, data):
    path = tmp_path / "staff.csv"
    path.write_bytes(data)
    try:
        table = read_staff(path)
    except StaffError as exc:
        assert str(path) in str(exc)
        return
    assert table.frame["employee_id"].is_unique
    assert all(isinstance(e, str) and e for e in table.frame["employee_id"])


@SETTINGS
@given(st.lists(st.lists(cell, min_size=3, max_size=3), max_size=15), st.sampled_from([",", ";"]))
def test_any_rows_under_a_valid_header(tmp_path, rows, sep):
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep)
    w.writerow(["employee_id", "photo_date", "platforms"])
    w.writerows(rows)
    path = tmp_path / "staff.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    if not rows:
        with pytest.raises(StaffError, match="header row but no people"):
            read_staff(path, as_of=date(2026, 1, 1))
        return
    table = read_staff(path, as_of=date(2026, 1, 1))
    ids = list(table.frame["employee_id"])
    assert len(ids) == len(set(ids))
    for d in table.frame["photo_date"]:
        assert d is None or date.fromisoformat(d) <= date(2026, 1, 1)
    for p in table.frame["platforms"]:
        assert set(filter(None, p.split(";"))) <= {"website", "linkedin", "internal", "conference", "press"}
    # every row with an id is kept once: the first of each id, in order; the rest are reported
    expected = list(dict.fromkeys(r[0].strip() for r in rows if r[0].strip()))
    assert ids == expected
    assert sum(f.kind == "duplicate_id" for f in table.facts) == sum(1 for r in rows if r[0].strip()) - len(expected)


@SETTINGS
@given(st.binary(max_size=1500))
def test_any_bytes_as_policy(tmp_path, data):
    path = tmp_path / "policy.toml"
    path.write_bytes(data)
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        assert str(path) in str(exc)
        return
    assert policy.rules


toml_value = st.one_of(st.integers(-5, 100), st.floats(-1, 2, allow_nan=False), st.booleans(),
                       st.text(max_size=8), st.lists(st.integers(0, 3), max_size=3))


@SETTINGS
@given(st.sampled_from(["staleness.ai.warn", "staleness.photographer.refresh", "duplicates.same_image",
                        "ai.suspect_score", "rules.DAT001.severity", "rules.ROL001.enabled",
                        "costs.ai_service.low", "stakes.large_display_platforms", "report.title"]), toml_value)
def test_any_value_for_a_known_key(tmp_path, key, value):
    import json

    *tables, leaf = key.split(".")
    text = f"[{'.'.join(tables)}]\n{leaf} = {json.dumps(value, ensure_ascii=False)}\n"
    path = tmp_path / "policy.toml"
    path.write_text(text)
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        assert str(path) in str(exc)
        assert "not valid TOML" in str(exc) or key.rsplit(".", 1)[0] in str(exc), str(exc)
        return
    node = policy.data
    for part in key.split("."):
        node = node[part]
    assert node == value


@given(st.one_of(st.text(max_size=40), st.binary(max_size=40), st.none(), st.integers()))
def test_exif_date_parser_never_raises(value):
    result = exif_date(value)
    assert result is None or date.fromisoformat(result)
