"""Checks: functions over the photos and staff tables that emit Findings. No image I/O here.

A check is registered with `@check("name", codes=[...])`. It receives a `CheckContext` and calls
`ctx.emit(code, ...)`; the rule's name, category, severity and recommendation come from the
policy, and a rule switched off in the policy emits nothing. Adding a rule touches one check
module, the policy file and the rule's test cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..findings import Finding, severity_rank
from ..policy import Policy
from ..staff import StaffIssue


@dataclass
class CheckContext:
    """What every check may read. `staff` has one row per person (with the resolved `file`);
    `photos` one row per photo file (features, `employee_id` of its owner or None)."""

    staff: pd.DataFrame
    photos: pd.DataFrame
    policy: Policy
    as_of: date
    issues: list[StaffIssue] = field(default_factory=list)  # from reading the CSV and folder
    style: Any = None  # the set's HouseStyle (audit.house_style), learned once by the pipeline
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
    ) -> Finding | None:
        """Record a finding for rule `code`. `severity` may only lower the rule's severity (a
        weaker basis for the same rule), never raise it above what the policy set."""
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
            recommendation=recommendation if recommendation is not None else rule.recommendation,
        )
        self.findings.append(finding)
        return finding


CheckFn = Callable[[CheckContext], None]
REGISTRY: dict[str, tuple[CheckFn, tuple[str, ...]]] = {}


def check(name: str, codes: list[str]) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        REGISTRY[name] = (fn, tuple(codes))
        return fn

    return register


def run_checks(ctx: CheckContext) -> list[Finding]:
    """Run every registered check, in registration order."""
    # Imported here so that registering happens once, in one known order.
    from . import ai, consistency, data, duplicates, role, stale  # noqa: F401

    for _name, (fn, _codes) in REGISTRY.items():
        fn(ctx)
    return ctx.findings
