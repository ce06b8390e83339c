"""Checks: functions over the photos and staff tables that emit Findings. No image I/O here.

A check is registered with `@check("name", codes=[...], params={...})`. It receives a
`CheckContext` and calls `ctx.emit(code, ...)`; the rule's name, category, severity, action and
recommendation come from the policy entry `[rules.CODE]` (whose `check` key names the check), and
a rule switched off in the policy emits nothing. A check declares the parameters it reads
(`Param`): the policy loader validates `[rules.CODE.params]` against them, so a bad value stops
the run before any photo is decoded. Adding a rule is its policy entry, the check that emits it
and its test cases (CONTRIBUTING.md walks through one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..findings import Finding, severity_rank
from ..policy import Policy
from ..facts import InputFact


@dataclass
class CheckContext:
    """What every check may read. `staff` has one row per person (with the resolved `file`);
    `photos` one row per photo file (features, `employee_id` of its owner or None)."""

    staff: pd.DataFrame
    photos: pd.DataFrame
    policy: Policy
    as_of: date
    facts: list[InputFact] = field(default_factory=list)  # what reading the CSV and folder saw
    style: Any = None  # the set's HouseStyle (audit.house_style), learned once by the pipeline
    # With --identity and --previous: employee_id -> the previous audit's photo (file, sha256,
    # face_descriptor, as_of), for the identity check.
    previous_faces: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _by_file: dict[str, dict[str, Any]] | None = field(default=None, repr=False)

    def photo_by_file(self) -> dict[str, dict[str, Any]]:
        """Each photo's row as a plain dict, by file (made once: per-row pandas lookups cost
        a second at 2,000 staff)."""
        if self._by_file is None:
            self._by_file = {r["file"]: r for r in self.photos.to_dict("records")}
        return self._by_file

    def house(self) -> Any:
        """The set's house style: the pipeline's, or learned here once when a check needs it
        (rule-case tests and library callers give none)."""
        if self.style is None:
            from ..house_style import analyse

            self.style = analyse(self.photos, self.policy["consistency"])
        return self.style

    def emit(
        self,
        code: str,
        message: str,
        *,
        employee_id: str | None = None,
        file: str | None = None,
        related_files: list[str] | None = None,
        evidence: dict[str, Any] | None = None,
        severity: str | None = None,
        recommendation: str | None = None,
        detail: str | None = None,
        action: str | None = None,
    ) -> Finding | None:
        """Record a finding for rule `code`. `severity` may only lower the rule's severity (a
        weaker basis for the same rule), never raise it above what the policy set. The
        recommendation is the policy's text, followed by `detail` (what to do about this
        photo in particular); `recommendation` replaces it where the basis changes what to do
        (and `action` then says so, e.g. "review" for probabilistic evidence)."""
        rule = self.policy.rule(code)
        if not rule.enabled:
            return None
        sev = rule.severity
        if severity is not None and severity_rank(severity) < severity_rank(sev):
            sev = severity
        finding = Finding(
            code=code, name=rule.name, category=rule.category, severity=sev, message=message,
            employee_id=employee_id, file=file, related_files=list(related_files or []),
            evidence=dict(evidence or {}),
            recommendation=recommendation if recommendation is not None
            else f"{rule.recommendation} {detail}" if detail else rule.recommendation,
            action=action or rule.action,
        )
        self.findings.append(finding)
        return finding

    def params(self, code: str) -> dict[str, Any]:
        """Rule `code`'s parameters (`[rules.CODE.params]`, validated at load)."""
        return self.policy.rule(code).params


@dataclass(frozen=True)
class Param:
    """A parameter a check reads from the policy, and what a valid value is. The value itself
    (the default) lives only in rules/default.toml; its type is checked against the default's
    when a user's file is merged, the range here."""

    help: str
    min: float | None = None  # inclusive
    max: float | None = None  # inclusive
    above: float | None = None  # exclusive lower bound
    whole: bool = False  # a whole number
    choices: tuple[str, ...] | None = None  # for a text, or each item of a list
    each: bool = False  # a table: the range applies to each of its values

    def describe(self) -> str:
        """The valid values in words, for error messages and `rules --format json`."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        parts = []
        if self.above is not None:
            parts.append(f"> {self.above:g}")
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        what = "a whole number" if self.whole else "a number"
        return (f"{what} " + " and ".join(parts)).strip()

    def problem(self, value: Any) -> str | None:
        """Why `value` is not valid, or None."""
        if isinstance(value, dict) and self.each:
            return next((f"'{k}': {p}" for k, v in value.items() if (p := self.problem(v))), None)
        if self.choices is not None:
            items = value if isinstance(value, list) else [value]
            bad = [str(v) for v in items if v not in self.choices]
            return f"unknown {', '.join(bad)}; expected {self.describe()}" if bad else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return f"expected {self.describe()}, got {value!r}"
        if (self.whole and value != int(value)) or (self.min is not None and value < self.min) \
                or (self.max is not None and value > self.max) or (self.above is not None and value <= self.above):
            return f"must be {self.describe()}, got {value!r}"
        return None


CheckFn = Callable[[CheckContext], None]


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: the function, the rule codes it may emit, the parameters of those
    rules, and the policy tables it reads (with their parameters) beyond its rules."""

    fn: CheckFn
    codes: tuple[str, ...]
    params: dict[str, dict[str, Param]]
    tables: dict[str, dict[str, Param]]


REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, codes: list[str], params: dict[str, dict[str, Param]] | None = None,
          tables: dict[str, dict[str, Param]] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register a check. `params`: per rule code, the parameters that rule takes from
    `[rules.CODE.params]`; `tables`: policy tables the check reads as a whole (`[consistency]`)."""
    unknown = set(params or {}) - set(codes)
    if unknown:
        raise ValueError(f"check {name}: parameters for codes it does not emit: {sorted(unknown)}")

    def register(fn: CheckFn) -> CheckFn:
        REGISTRY[name] = CheckSpec(fn, tuple(codes), dict(params or {}), dict(tables or {}))
        return fn

    return register


def rule_record(rule: Any) -> dict[str, Any]:
    """A rule as `rules --format json` and `explain` show it: its policy entry, with each
    parameter's value, meaning and valid range, and the policy tables its check reads."""
    spec = load_checks()[rule.check]
    declared = spec.params.get(rule.code, {})
    return {
        "code": rule.code, "name": rule.name, "category": rule.category, "severity": rule.severity,
        "enabled": rule.enabled, "check": rule.check, "action": rule.action, "summary": rule.summary,
        "recommendation": rule.recommendation,
        "params": {k: {"value": v, "help": declared[k].help, "valid": declared[k].describe()}
                   for k, v in rule.params.items()},
        "tables": sorted(spec.tables),
    }


def load_checks() -> dict[str, CheckSpec]:
    """Every check, registered once, in one known order."""
    from . import ai, consistency, data, duplicates, identity, role, stale  # noqa: F401

    return REGISTRY


def run_checks(ctx: CheckContext) -> list[Finding]:
    """Run every registered check, in registration order."""
    for spec in load_checks().values():
        spec.fn(ctx)
    return ctx.findings
