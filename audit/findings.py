"""The Finding: the one shape every check produces and every output consumes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
CATEGORIES: tuple[str, ...] = ("data", "stale", "consistency", "ai", "role", "duplicate")
# What a rule asks for, most urgent first (the order in which one person's findings compete:
# see audit.recommend). `book`: the person has only a placeholder, so a place at the next group
# photo day (first: what else is measured on a placeholder is moot); `remove`: take a published
# photo down; `confirm`: ask the person or HR a question (an e-mail, no cost).
ACTIONS: tuple[str, ...] = ("book", "retake", "refresh", "fix", "remove", "review", "confirm", "keep")


def plain(value: Any) -> Any:
    """JSON-safe plain Python: numpy scalars unwrapped, NaN/inf as None, tuples as lists.

    The common plain types are told by their exact type first: every feature row and finding
    passes through here (~100,000 values for 300 photos), and `hasattr` on a str or a float
    costs a failed attribute lookup each time."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return None if math.isnan(value) or math.isinf(value) else value
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            value = value.tolist()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def severity_rank(severity: str) -> int:
    """Order severities so that `--fail-on` and sorting can compare them."""
    return SEVERITIES.index(severity)


@dataclass
class Finding:
    """One thing wrong (or worth knowing) about a photo, a person or the data.

    `evidence` holds the measured values behind the message so that a reader, or a tool, can
    check the claim instead of trusting it.
    """

    code: str
    name: str
    category: str
    severity: str
    message: str
    employee_id: str | None = None
    file: str | None = None
    related_files: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    recommendation: str = ""
    # What the finding asks for (one of ACTIONS): the rule's action, unless the check chose
    # another for this finding (e.g. "review" when the evidence is only probabilistic). None:
    # the rule's action (findings made outside a check).
    action: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding {self.code}: unknown severity {self.severity!r}")
        if self.category not in CATEGORIES:
            raise ValueError(f"finding {self.code}: unknown category {self.category!r}")
        if self.action is not None and self.action not in ACTIONS:
            raise ValueError(f"finding {self.code}: unknown action {self.action!r}")
        self.evidence = plain(self.evidence)

    @property
    def subjects(self) -> list[str]:
        """The people whose action this finding drives: its own person, or for a finding about
        a group of people (a picture several share) the ids it lists in `evidence.employee_ids`."""
        if self.employee_id:
            return [self.employee_id]
        ids = self.evidence.get("employee_ids")
        return [str(e) for e in ids] if isinstance(ids, list) else []

    @property
    def key(self) -> str:
        """A stable identity across runs: same rule, same subject, same file."""
        return f"{self.code}|{self.employee_id or ''}|{self.file or ''}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict (evidence is made plain when the finding is created)."""
        return {
            "code": self.code, "name": self.name, "category": self.category, "severity": self.severity,
            "message": self.message, "employee_id": self.employee_id, "file": self.file,
            "related_files": list(self.related_files), "evidence": self.evidence,
            "recommendation": self.recommendation, "action": self.action, "key": self.key,
        }
