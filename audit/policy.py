"""The policy: every threshold, rule severity and cost the audit uses, from one TOML file.

The default file is also the schema: a user's policy may only set keys the default has, with
values of the same type. That keeps the error messages exact ("file: key: expected ...") without
a second description of the format to keep in step.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import PolicyError, UsageError
from .findings import ACTIONS, CATEGORIES, SEVERITIES

CANONICAL_COLUMNS: tuple[str, ...] = (
    "employee_id", "name", "first_name", "last_name", "title", "department", "email",
    "photo", "photo_date", "photo_source", "client_facing", "seniority", "platforms", "hire_date", "status",
    "active",
)
# The values a [values.COLUMN] table may map to.
CANONICAL_VALUES: dict[str, tuple[str, ...]] = {
    "seniority": ("junior", "mid", "senior", "executive"),
    "client_facing": ("yes", "no"),
    "photo_source": ("photographer", "ai", "self", "unknown"),
    "status": ("active", "leaver"),
}

# Tables whose keys are the user's to choose (not checked against the default's keys).
_FREE_TABLES = {"columns", "stakes.title_words"} | {f"values.{c}" for c in CANONICAL_VALUES}
# What one entry of [stakes.title_words] may hold.
_TITLE_WORD_KEYS = {"unless": list, "only_in": list, "enabled": bool}


@dataclass(frozen=True)
class Rule:
    """One rule, exactly as its policy entry `[rules.CODE]` says."""

    code: str
    name: str
    category: str
    severity: str
    enabled: bool
    check: str  # the registered check that emits it
    action: str  # what the rule asks for (audit.findings.ACTIONS); audit.recommend reads it
    summary: str
    recommendation: str
    params: dict[str, Any] = field(default_factory=dict)


class Policy:
    """A loaded, validated policy. `data` is the merged TOML; `rules` the rule catalogue;
    `source` where it came from (a file, a pyproject.toml table, or "default"); `selection` the
    command line's rule selection, if any (see `select_rules`)."""

    def __init__(self, data: dict[str, Any], source: str, base_dir: Path | None = None,
                 selection: dict[str, list[str]] | None = None) -> None:
        self.data = data
        self.source = source
        self.base_dir = base_dir
        self.selection = selection
        self.rules: dict[str, Rule] = {code: Rule(code=code, **entry) for code, entry in data["rules"].items()}

    def __getitem__(self, section: str) -> Any:
        return self.data[section]

    def rule(self, code: str) -> Rule:
        return self.rules[code]


def default_policy_text() -> str:
    return resources.files("audit").joinpath("rules", "default.toml").read_text(encoding="utf-8")


@functools.cache
def _default_data() -> dict[str, Any]:
    return _parse(default_policy_text(), "default policy")


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def _merge(default: dict[str, Any], user: dict[str, Any], source: str, path: str = "") -> None:
    """Merge `user` into `default` in place, refusing keys and types the default does not have."""
    for key, value in user.items():
        dotted = f"{path}.{key}" if path else key
        if path in _FREE_TABLES:
            default[key] = value
            continue
        if key not in default:
            known = ", ".join(sorted(default)) or "none"
            raise PolicyError(f"{source}: unknown key '{dotted}' (known here: {known})")
        if not _same_type(default[key], value):
            raise PolicyError(
                f"{source}: key '{dotted}' must be {_type_name(default[key])}, got {value!r}"
            )
        if isinstance(value, dict):  # a free table keeps the default's entries the user leaves out
            _merge(default[key], value, source, dotted)
        else:
            default[key] = value


def _validate(data: dict[str, Any], source: str) -> None:
    """Check the values a type check cannot: ranges, enumerations, orderings, and each rule
    against the check that emits it."""
    _validate_rules(data, source)
    for code, rule in data["rules"].items():
        if rule["severity"] not in SEVERITIES:
            raise PolicyError(
                f"{source}: key 'rules.{code}.severity' must be one of {', '.join(SEVERITIES)}, "
                f"got {rule['severity']!r}"
            )
        if rule["category"] not in CATEGORIES:
            raise PolicyError(f"{source}: key 'rules.{code}.category' must be one of {', '.join(CATEGORIES)}")
    for source_kind, ages in data["staleness"].items():
        for k in ("warn", "refresh"):
            if ages[k] <= 0:
                raise PolicyError(f"{source}: key 'staleness.{source_kind}.{k}' must be > 0, got {ages[k]}")
        if ages["warn"] > ages["refresh"]:
            raise PolicyError(
                f"{source}: key 'staleness.{source_kind}.warn' ({ages['warn']}) must not exceed "
                f"'refresh' ({ages['refresh']})"
            )
    for k in ("suspect_score", "declared_score", "provenance_score"):
        if not 0 <= data["ai"][k] <= 1:
            raise PolicyError(f"{source}: key 'ai.{k}' must be between 0 and 1, got {data['ai'][k]}")
    # the limits under which the pixel check does not judge a photo (ai_evidence.not_assessable):
    # a limit out of range would silently withhold every photo's score, or none
    for k, ok, wanted in (("min_short_side_px", lambda v: v >= 0, ">= 0"), ("min_face_px", lambda v: v >= 0, ">= 0"),
                          ("min_jpeg_quality", lambda v: 0 <= v <= 100, "between 0 and 100"),
                          ("max_spectral_cliff", lambda v: v > 0, "> 0")):
        if k in data["ai"] and not ok(data["ai"][k]):
            raise PolicyError(f"{source}: key 'ai.{k}' must be {wanted}, got {data['ai'][k]}")
    dup = data["duplicates"]
    for k in ("same_image", "review", "face_same_image", "face_review"):
        if not (isinstance(dup[k], int) and 0 <= dup[k] <= 256):
            raise PolicyError(f"{source}: key 'duplicates.{k}' must be a whole number 0-256, got {dup[k]!r}")
    for same, review in (("same_image", "review"), ("face_same_image", "face_review")):
        if dup[same] > dup[review]:
            raise PolicyError(f"{source}: key 'duplicates.{same}' must not exceed 'duplicates.{review}'")
    for name, cost in data["costs"].items():
        if not isinstance(cost, dict):
            continue
        for k, v in cost.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0:
                raise PolicyError(f"{source}: key 'costs.{name}.{k}' must be >= 0, got {v}")
        if cost.get("low", 0) > cost.get("high", 0):
            raise PolicyError(f"{source}: key 'costs.{name}.low' must not exceed 'high'")
    for word, entry in data["stakes"]["title_words"].items():
        where = f"{source}: key 'stakes.title_words.{word}'"
        if not isinstance(entry, dict):
            raise PolicyError(f"{where} must be a table such as {{ unless = [...], only_in = [...] }}, got {entry!r}")
        for k, v in entry.items():
            if k not in _TITLE_WORD_KEYS:
                raise PolicyError(f"{where}: unknown key '{k}' (known: {', '.join(sorted(_TITLE_WORD_KEYS))})")
            if not isinstance(v, _TITLE_WORD_KEYS[k]) or (isinstance(v, list) and not all(isinstance(x, str) for x in v)):
                raise PolicyError(f"{where}.{k} must be {'a list of strings' if k != 'enabled' else 'true/false'}, got {v!r}")
    for header, canonical in data["columns"].items():
        if canonical not in CANONICAL_COLUMNS:
            raise PolicyError(
                f"{source}: key 'columns.{header}' maps to {canonical!r}; expected one of "
                f"{', '.join(CANONICAL_COLUMNS)}"
            )
    for column, table in data["values"].items():
        for value, canonical in table.items():
            canonical = {True: "yes", False: "no"}.get(canonical, canonical) if isinstance(canonical, bool) else canonical
            if canonical not in CANONICAL_VALUES[column]:
                raise PolicyError(f"{source}: key 'values.{column}.{value}' maps to {canonical!r}; expected one of "
                                  f"{', '.join(CANONICAL_VALUES[column])}")


def _validate_rules(data: dict[str, Any], source: str) -> None:
    """Each rule names a registered check that emits its code, an action, and parameters the
    check declares, in range; each table a check reads is in range too."""
    from .checks import load_checks

    checks = load_checks()
    for code, rule in data["rules"].items():
        key = f"rules.{code}"
        spec = checks.get(rule["check"])
        if spec is None:
            raise PolicyError(f"{source}: key '{key}.check' names no check ({rule['check']!r}); "
                              f"known: {', '.join(checks)}")
        if code not in spec.codes:
            raise PolicyError(f"{source}: key '{key}.check': check {rule['check']!r} does not emit {code} "
                              f"(it emits {', '.join(spec.codes)})")
        if rule["action"] not in ACTIONS:
            raise PolicyError(f"{source}: key '{key}.action' must be one of {', '.join(ACTIONS)}, "
                              f"got {rule['action']!r}")
        declared, given = spec.params.get(code, {}), rule.get("params", {})
        for name in sorted(set(declared) - set(given)):
            raise PolicyError(f"{source}: key '{key}.params.{name}' is missing")
        for name, value in given.items():
            if name not in declared:
                raise PolicyError(f"{source}: unknown key '{key}.params.{name}' (known here: "
                                  f"{', '.join(sorted(declared)) or 'none'})")
            if why := declared[name].problem(value):
                raise PolicyError(f"{source}: key '{key}.params.{name}' {why}")
    for spec in checks.values():
        for table, declared in spec.tables.items():
            for name, param in declared.items():
                if why := param.problem(data[table][name]):
                    raise PolicyError(f"{source}: key '{table}.{name}' {why}")


def build_policy(user: dict[str, Any], source: str, base_dir: Path | None = None) -> Policy:
    """The default policy with `user`'s keys merged over it and the result validated: the one
    path every policy takes (a file, a pyproject table, a test case's overrides)."""
    merged = copy.deepcopy(_default_data())
    _merge(merged, user, source)
    _validate(merged, source)
    return Policy(merged, source, base_dir=base_dir)


def read_policy_file(path: Path) -> dict[str, Any]:
    """A policy file's own keys (not yet merged or validated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: policy file is not UTF-8 text") from None
    return _parse(text, str(path))


def load_policy(path: str | Path | None = None) -> Policy:
    """Load the default policy, with a user's file merged over it when `path` is given."""
    if path is None:
        policy = build_policy({}, "default policy")
        policy.source = "default"
        return policy
    path = Path(path)
    return build_policy(read_policy_file(path), str(path), base_dir=path.parent)


# Policy discovery, as linters do it: a file beside the work, else a table in the project's
# pyproject.toml, else the default.
POLICY_FILE_NAME = "headshot-audit.toml"
PYPROJECT_TABLE = "headshot-audit"


def discover_policy(portfolio: Path | None, start: Path) -> Policy:
    """The policy for a run without `--policy`: `PORTFOLIO/headshot-audit.toml`, else the
    `[tool.headshot-audit]` table of the first pyproject.toml that has one in `start` or a
    folder above it, else the default policy."""
    if portfolio is not None and (portfolio / POLICY_FILE_NAME).is_file():
        return load_policy(portfolio / POLICY_FILE_NAME)
    start = start.resolve()
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        table = read_policy_file(pyproject).get("tool", {}).get(PYPROJECT_TABLE)
        if table is None:
            continue
        source = f"{pyproject} [tool.{PYPROJECT_TABLE}]"
        if not isinstance(table, dict):
            raise PolicyError(f"{source}: must be a table of policy keys")
        return build_policy(table, source, base_dir=folder)
    return load_policy()


def matching_codes(policy: Policy, selector: str) -> set[str]:
    """The rule codes a selector names: a code (ROL001), a code prefix (STL, CON00), a category
    (consistency) or ALL. Case does not matter."""
    s = selector.strip()
    if s.upper() == "ALL":
        return set(policy.rules)
    if s.lower() in CATEGORIES:
        return {c for c, r in policy.rules.items() if r.category == s.lower()}
    return {c for c in policy.rules if s and c.startswith(s.upper())}


def select_rules(policy: Policy, select: list[str] | None = None, extend_select: list[str] | None = None,
                 ignore: list[str] | None = None) -> Policy:
    """The policy with the command line's rule selection applied, as ruff does it: `select`
    replaces the rules the policy switches on, `extend_select` adds to them, `ignore` takes away
    (and wins). A selector that names no rule is a usage error."""
    if select is None and not extend_select and not ignore:
        return policy

    def codes(option: str, selectors: list[str] | None) -> set[str]:
        out: set[str] = set()
        for s in selectors or []:
            hit = matching_codes(policy, s)
            if not hit:
                raise UsageError(f"{option} {s!r}: no rule has this code, prefix or category (categories: "
                                 f"{', '.join(CATEGORIES)}; `headshot-audit rules` lists the codes)")
            out |= hit
        return out

    on = codes("--select", select) if select is not None else {c for c, r in policy.rules.items() if r.enabled}
    on = (on | codes("--extend-select", extend_select)) - codes("--ignore", ignore)
    data = copy.deepcopy(policy.data)
    for code, entry in data["rules"].items():
        entry["enabled"] = code in on
    chosen = {"select": list(select) if select is not None else None, "extend_select": list(extend_select or []),
              "ignore": list(ignore or [])}
    return Policy(data, policy.source, policy.base_dir, selection=chosen)
