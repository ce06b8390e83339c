"""What changed since the last audit, and how the key numbers moved over past quarters.

An audit is compared with earlier ones through their `audit.json` files only, so a quarter's
report needs nothing but last quarter's output folder (or a folder of past `audit.json` files).

- Findings are matched by their stable key (`code|employee_id|file`): a key in both audits is
  *persisting*, only in the current one *new*, only in the earlier one *resolved*. A resolved
  finding of a person who has left is counted apart in the report (it went with the person).
- People are matched by `employee_id`: *joined* and *left*.
- A photo is *replaced* when the same person's current photo has other bytes (its `sha256`
  differs), whether or not the file name changed.
- The *trend* is the key numbers of every audit in the history, plus the current one, by date.

Audits written with `--anonymize` carry pseudonymous ids and keys; they can only be compared
with another anonymised audit made with the same pseudonym key (see `audit.anonymize`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import HistoryError

# The key numbers a trend follows: (key, label, how to print).
TREND_NUMBERS: tuple[tuple[str, str, str], ...] = (
    ("staff", "staff", "int"),
    ("high_findings", "high or critical findings", "int"),
    ("needs_action", "people needing a new or fixed photo", "int"),
    ("ai_share", "AI photos, confirmed or suspected (a floor)", "pct"),
    ("median_age_months", "median photo age, months", "num"),
    ("consistency_score", "consistency score (0-100)", "num"),
)


@dataclass
class Snapshot:
    """What one audit says, reduced to what a comparison needs."""

    as_of: date
    source: str  # the file it came from ("current" for this run)
    finding_keys: dict[str, str]  # key -> severity
    people: dict[str, str]  # employee_id -> name
    photo_sha: dict[str, str]  # employee_id -> sha256 of the person's current photo
    photo_file: dict[str, str]  # employee_id -> file of the person's current photo
    numbers: dict[str, Any]
    anonymized: bool = False
    house_style: dict[str, Any] | None = None  # the learned style it judged against (audit.json)


@dataclass
class Changes:
    previous_as_of: str
    previous_source: str
    new: list[str]
    resolved: list[str]
    persisting: list[str]
    resolved_with_leavers: list[str]
    photos_replaced: list[dict[str, Any]]
    joined: list[str]
    left: list[str]
    severity: dict[str, str] = field(default_factory=dict)  # key -> severity, for new and resolved
    left_names: dict[str, str] = field(default_factory=dict)  # employee_id -> name, for the report

    def to_dict(self) -> dict[str, Any]:
        """The `changes` object of audit.json."""
        return {
            "previous_as_of": self.previous_as_of,
            "new": self.new, "resolved": self.resolved, "persisting": self.persisting,
            "resolved_with_leavers": self.resolved_with_leavers,
            "photos_replaced": self.photos_replaced,
            "joined": self.joined, "left": self.left,
        }

    def counts(self, min_severity: str = "low") -> dict[str, int]:
        """How many new / resolved findings are at or above `min_severity` (info ones are notes)."""
        from .findings import severity_rank

        floor = severity_rank(min_severity)

        def n(keys: list[str]) -> int:
            return sum(1 for k in keys if severity_rank(self.severity.get(k, "info")) >= floor)

        leavers = set(self.resolved_with_leavers)
        return {"new": n(self.new), "resolved": n([k for k in self.resolved if k not in leavers]),
                "resolved_with_leavers": n(self.resolved_with_leavers), "persisting": n(self.persisting)}


@dataclass
class History:
    """Earlier audits (oldest first) and the comparison of the current one with the latest."""

    snapshots: list[Snapshot]
    changes: Changes | None = None
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def previous(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None


# -- reading ---------------------------------------------------------------------------------

def _numbers(summary: dict[str, Any], budget: dict[str, Any] | None) -> dict[str, Any]:
    sev = summary.get("by_severity") or {}
    by_action = (budget or {}).get("by_action") or {}
    needs = sum(v.get("count", 0) for a, v in by_action.items() if a in ("book", "retake", "refresh", "fix"))
    return {
        "staff": summary.get("staff"),
        "photos": summary.get("photos"),
        "findings": summary.get("findings"),
        "high_findings": (sev.get("high") or 0) + (sev.get("critical") or 0),
        "needs_action": needs if by_action else None,
        "ai_share": summary.get("ai_share"),
        "median_age_months": summary.get("median_age_months"),
        "consistency_score": summary.get("consistency_score"),
        "budget_high": (budget or {}).get("total_high"),
    }


def _people_photos(staff: list[dict[str, Any]], photos: list[dict[str, Any]]) -> tuple[dict, dict, dict]:
    sha_by_file = {p.get("file"): p.get("sha256") for p in photos}
    people, sha, files = {}, {}, {}
    for s in staff:
        eid = s.get("employee_id")
        if eid is None:
            continue
        eid = str(eid)
        people[eid] = s.get("name") or ""
        f = s.get("file")
        if f:
            files[eid] = f
            if sha_by_file.get(f):
                sha[eid] = sha_by_file[f]
    return people, sha, files


def snapshot_from_doc(doc: dict[str, Any], source: str) -> Snapshot:
    """A Snapshot of a parsed audit.json. Raises HistoryError when it is not one."""
    if not isinstance(doc, dict) or "findings" not in doc or "as_of" not in doc:
        raise HistoryError(f"{source}: not an audit.json (no 'as_of' and 'findings')")
    try:
        as_of = date.fromisoformat(str(doc["as_of"]))
    except ValueError:
        raise HistoryError(f"{source}: 'as_of' is not a date: {doc['as_of']!r}") from None
    keys = {}
    for f in doc.get("findings") or []:
        key = f.get("key") or f"{f.get('code')}|{f.get('employee_id') or ''}|{f.get('file') or ''}"
        keys[key] = f.get("severity") or "info"
    people, sha, files = _people_photos(doc.get("staff") or [], doc.get("photos") or [])
    return Snapshot(as_of=as_of, source=source, finding_keys=keys, people=people, photo_sha=sha,
                    photo_file=files, numbers=_numbers(doc.get("summary") or {}, doc.get("budget")),
                    anonymized=bool(doc.get("anonymized")),
                    house_style=doc.get("house_style") if isinstance(doc.get("house_style"), dict) else None)


def snapshot_from_result(result: Any, anonymized: bool = False) -> Snapshot:
    """A Snapshot of an AuditResult (the current run)."""
    staff = result.staff.to_dict("records")
    photos = result.photos[[c for c in ("file", "sha256") if c in result.photos]].to_dict("records")
    people, sha, files = _people_photos(staff, photos)
    return Snapshot(as_of=result.config.as_of, source="current",
                    finding_keys={f.key: f.severity for f in result.findings}, people=people,
                    photo_sha=sha, photo_file=files, numbers=_numbers(result.summary(), result.budget),
                    anonymized=anonymized)


def _read(path: Path) -> Snapshot:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read earlier audit: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HistoryError(f"{path}: earlier audit is not UTF-8 JSON") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path}: earlier audit is not valid JSON (line {exc.lineno})") from None
    return snapshot_from_doc(doc, str(path))


def load_history(path: Path) -> list[Snapshot]:
    """Earlier audits from `path`: one audit.json, or a folder holding audit JSON files
    (`*.json` in it, or `*/audit.json` one level down, e.g. one output folder per quarter).
    Oldest first. Raises HistoryError when nothing usable is there."""
    path = Path(path)
    if path.is_file():
        return [_read(path)]
    if not path.is_dir():
        raise HistoryError(f"{path}: earlier audit not found (give an audit.json or a folder of them)")
    candidates = sorted(set(path.glob("*.json")) | set(path.glob("*/audit.json")))
    snaps = []
    for c in candidates:
        try:
            snaps.append(_read(c))
        except HistoryError:
            if c.name == "audit.json":
                raise
            continue  # some other JSON file in the folder
    if not snaps:
        raise HistoryError(f"{path}: no audit.json files in this folder")
    snaps.sort(key=lambda s: (s.as_of, s.source))
    return snaps


# -- comparing -------------------------------------------------------------------------------

def compare(previous: Snapshot, current: Snapshot) -> Changes:
    """The changes from `previous` to `current` (pure set arithmetic on keys and ids)."""
    prev_keys, cur_keys = set(previous.finding_keys), set(current.finding_keys)
    left = sorted(set(previous.people) - set(current.people))
    left_set = set(left)
    resolved = sorted(prev_keys - cur_keys)
    replaced = []
    for eid in sorted(set(previous.photo_sha) & set(current.photo_sha)):
        if previous.photo_sha[eid] != current.photo_sha[eid]:
            replaced.append({"employee_id": eid, "name": current.people.get(eid, ""),
                             "old_file": previous.photo_file.get(eid), "new_file": current.photo_file.get(eid)})
    severity = {k: previous.finding_keys[k] for k in resolved}
    severity.update({k: current.finding_keys[k] for k in cur_keys})
    return Changes(
        previous_as_of=previous.as_of.isoformat(), previous_source=previous.source,
        new=sorted(cur_keys - prev_keys), resolved=resolved, persisting=sorted(cur_keys & prev_keys),
        resolved_with_leavers=[k for k in resolved if k.split("|")[1] in left_set],
        photos_replaced=replaced,
        joined=sorted(set(current.people) - set(previous.people)), left=left, severity=severity,
        left_names={e: previous.people.get(e, "") for e in left},
    )


def trend(snapshots: list[Snapshot], current: Snapshot | None = None) -> list[dict[str, Any]]:
    """The key numbers of each audit, oldest first (one row per date; a later file wins)."""
    by_date: dict[date, dict[str, Any]] = {}
    for s in list(snapshots) + ([current] if current else []):
        by_date[s.as_of] = {"as_of": s.as_of.isoformat(), "current": s is current, **s.numbers}
    return [by_date[d] for d in sorted(by_date)]


def pseudonymize_snapshot(s: Snapshot, pseudo: Any) -> Snapshot:
    """The same snapshot with ids, names, files, hashes and keys replaced by `pseudo`'s
    pseudonyms (an `audit.anonymize.Pseudonymizer`), so it compares with anonymised audits."""
    if s.anonymized:
        return s
    return Snapshot(
        as_of=s.as_of, source=s.source,
        finding_keys={pseudo.key(k): v for k, v in s.finding_keys.items()},
        people={pseudo.id(e): pseudo.name(e) for e in s.people},
        photo_sha={pseudo.id(e): pseudo.sha(v) for e, v in s.photo_sha.items()},
        photo_file={pseudo.id(e): pseudo.file(v) for e, v in s.photo_file.items()},
        numbers=s.numbers, anonymized=True)


def previous_snapshot(snapshots: list[Snapshot], as_of: date) -> Snapshot | None:
    """The earlier audit this run is compared with: the latest one dated before `as_of`, or
    (when none is) the latest one."""
    if not snapshots:
        return None
    earlier = [s for s in snapshots if s.as_of < as_of] or snapshots
    return earlier[-1]


def kept_style(snapshots: list[Snapshot], as_of: date) -> tuple[dict[str, Any] | None, str]:
    """Last quarter's house style to judge this quarter's photos against (stable findings for
    unchanged photos), and where it comes from; (None, why) when there is none to keep."""
    prev = previous_snapshot(snapshots, as_of)
    if prev is None or prev.house_style is None:
        return None, "no house style in the earlier audit"
    return prev.house_style, f"the audit of {prev.as_of.isoformat()}"


def build_history(snapshots: list[Snapshot], current: Snapshot, pseudo: Any = None) -> History:
    """Compare `current` (this run, real ids) with the latest earlier audit before it (or, when
    every earlier audit has the same or a later date, the latest one), and follow the numbers
    over all of them. With `pseudo` (an anonymised run) the comparison is made in pseudonym
    space, so an anonymised report can be compared with real or anonymised earlier audits;
    a real report cannot be compared with an anonymised audit."""
    if not snapshots:
        return History([])
    earlier = [s for s in snapshots if s.as_of < current.as_of] or snapshots
    previous = previous_snapshot(snapshots, current.as_of) or snapshots[-1]
    if pseudo is not None:
        previous, current = pseudonymize_snapshot(previous, pseudo), pseudonymize_snapshot(current, pseudo)
    elif previous.anonymized:
        raise HistoryError(f"{previous.source}: that audit was written with --anonymize; compare it with "
                           "an --anonymize run made with the same pseudonym key")
    return History(snapshots=earlier, changes=compare(previous, current), trend=trend(earlier, current))
