"""Every key of the default policy is read by some code: a key nobody reads promises the user a
setting that changes nothing (as `ai_adequate_platforms` once did)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tables whose keys are the user's data (header aliases, title words): only the table's own name
# must be read. Rule entries are read field by field through audit.policy.Rule.
DATA_TABLES = {"columns", "stakes.title_words"}


def leaf_keys(table: dict, path: str = "") -> list[tuple[str, str]]:
    """(dotted path, key) of every leaf of `table`; a data table counts as one leaf."""
    out = []
    for key, value in table.items():
        dotted = f"{path}.{key}" if path else key
        if dotted in DATA_TABLES or not isinstance(value, dict):
            out.append((dotted, key))
        elif path == "rules":
            out.extend((f"{dotted}.{k}", k) for k in value if not isinstance(value[k], dict))
        else:
            out.extend(leaf_keys(value, dotted))
    return out


def code_text() -> str:
    files = [*ROOT.joinpath("audit").rglob("*.py"), *ROOT.joinpath("report_templates").glob("*")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p.is_file())


def test_every_policy_key_is_read_by_code():
    policy = tomllib.loads((ROOT / "rules" / "default.toml").read_text(encoding="utf-8"))
    text = code_text()
    unread = [dotted for dotted, key in leaf_keys(policy)
              if not re.search(rf"""["']{re.escape(key)}["']|\.{re.escape(key)}\b""", text)]
    assert not unread, f"policy keys read by no code in audit/ or report_templates/: {unread}"


def test_the_check_fails_for_a_key_nobody_reads():
    """The scan itself can fail: a made-up key is reported."""
    policy = {"stakes": {"ai_adequate_nowhere_xyz": ["junior"]}}
    text = code_text()
    assert [d for d, k in leaf_keys(policy) if not re.search(rf"""["']{k}["']|\.{k}\b""", text)] == [
        "stakes.ai_adequate_nowhere_xyz"]
