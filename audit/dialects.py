"""HR export dialects: which header of which system means which canonical column, and which
values mean what. The knowledge lives in `hr_dialects.toml` (data, not code) so that a new
system or a new spelling is one line there."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from .policy import CANONICAL_COLUMNS

# Words that make an ignored header worth a warning: it probably holds something the audit uses.
IMPORTANT_WORDS = ("mail", "level", "status", "title", "photo", "date", "source")


def norm_header(header: str) -> str:
    """'Status [READ ONLY]' -> 'status'; 'Work Contact: Work Email' -> 'work_contact_work_email'."""
    h = re.sub(r"\[[^\]]*\]", " ", str(header))
    return re.sub(r"[^a-z0-9#]+", "_", h.strip().lower()).strip("_")


def _raw_header(header: str) -> str:
    """Case and spacing folded, brackets kept: what tells one system from another."""
    return " ".join(str(header).lower().split())


def norm_value(value: str) -> str:
    return " ".join(str(value).strip().lower().split())


class ValueMap:
    """Exact values first, then glob patterns (`*`, `?`) in the order given."""

    def __init__(self, table: dict[str, str]) -> None:
        self.exact: dict[str, str] = {}
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for key, canonical in table.items():
            k = norm_value(key)
            if "*" in k or "?" in k:
                self.patterns.append((re.compile(fnmatch.translate(k)), canonical))
            else:
                self.exact.setdefault(k, canonical)

    def lookup(self, value: str) -> str | None:
        v = norm_value(value)
        if v in self.exact:
            return self.exact[v]
        for pattern, canonical in self.patterns:
            if pattern.match(v):
                return canonical
        return None


@dataclass(frozen=True)
class System:
    key: str
    name: str
    columns: dict[str, list[str]]  # canonical -> normalised headers, best first
    known: frozenset[str]  # normalised headers deliberately not read
    raw: frozenset[str]  # every header it writes, case-folded with brackets kept (for recognising it)


@dataclass(frozen=True)
class HeaderReading:
    """How one header of the export was read."""

    header: str
    canonical: str | None  # None: ignored
    source: str  # "policy", "canonical", a system's name, or "" when ignored
    known: bool = False  # ignored on purpose (a header the system writes that the audit does not use)
    rank: int = 0


@dataclass
class Dialects:
    systems: dict[str, System]
    values: dict[str, ValueMap] = field(default_factory=dict)

    def recognise(self, headers: list[str]) -> System | None:
        """The system whose own headers explain this export best, or None when none stands out.
        A header many systems share counts for little; `Associate ID` alone says ADP."""
        raw = {_raw_header(h) for h in headers} - set(CANONICAL_COLUMNS)  # our own names say no system
        specific = [s for s in self.systems.values() if s.key != "generic"]
        share: dict[str, int] = {}
        for s in specific:
            for h in s.raw:
                share[h] = share.get(h, 0) + 1
        scores = sorted(((sum(1 / share[h] for h in raw & s.raw), i, s) for i, s in enumerate(specific)),
                        key=lambda t: (-t[0], t[1]))
        if not scores or scores[0][0] < 1.0 or (len(scores) > 1 and scores[1][0] >= scores[0][0]):
            return None
        return scores[0][2]

    def read_headers(self, headers: list[str], extra: dict[str, str] | None = None,
                     system: System | None = None) -> list[HeaderReading]:
        """What each header means. Order of authority: the policy's [columns], an exact canonical
        name, the recognised system, the generic names, then any other system."""
        user = {norm_header(k): v for k, v in (extra or {}).items()}
        order = ([system] if system else []) + [self.systems["generic"]] + [
            s for s in self.systems.values() if s is not system and s.key != "generic"]
        out = []
        for h in headers:
            n = norm_header(h)
            if n in user:
                out.append(HeaderReading(h, user[n], "policy", rank=0))
                continue
            if n in CANONICAL_COLUMNS:
                out.append(HeaderReading(h, n, "canonical", rank=1))
                continue
            reading = HeaderReading(h, None, "")
            for depth, s in enumerate(order):
                hit = next(((c, i) for c, names in s.columns.items() for i, name in enumerate(names) if name == n), None)
                if hit:
                    reading = HeaderReading(h, hit[0], s.name, rank=10 + depth * 100 + hit[1])
                    break
                if n in s.known:
                    reading = HeaderReading(h, None, s.name, known=True)
                    break
            out.append(reading)
        return out


def _load(text: str) -> Dialects:
    data = tomllib.loads(text)
    systems = {}
    for key, entry in data["systems"].items():
        columns = {c: [norm_header(h) for h in names] for c, names in entry.get("columns", {}).items()}
        bad = set(columns) - set(CANONICAL_COLUMNS)
        if bad:
            raise ValueError(f"hr_dialects.toml: systems.{key}: unknown canonical column(s) {sorted(bad)}")
        raw = frozenset(_raw_header(h) for names in entry.get("columns", {}).values() for h in names) | frozenset(
            _raw_header(h) for h in entry.get("known", []))
        systems[key] = System(key, entry["name"], columns, frozenset(norm_header(h) for h in entry.get("known", [])), raw)
    values = {column: ValueMap(table) for column, table in data.get("values", {}).items()}
    return Dialects(systems, values)


@cache
def dialects() -> Dialects:
    """The shipped dialects, loaded once."""
    return _load(resources.files("audit").joinpath("hr_dialects.toml").read_text(encoding="utf-8"))


def system_names() -> list[str]:
    return [s.name for s in dialects().systems.values() if s.key != "generic"]


def looks_important(header: str) -> str | None:
    """The word that makes an ignored header look like something the audit would use, if any."""
    low = str(header).lower()
    return next((w for w in IMPORTANT_WORDS if w in low), None)


def value_maps(user_tables: dict[str, Any] | None) -> dict[str, list[ValueMap]]:
    """Per column: the policy's [values.COLUMN] table first, then the shipped defaults."""
    shipped = dialects().values
    user = user_tables or {}
    columns = set(shipped) | set(user)
    return {c: ([ValueMap({k: _canon(v) for k, v in user[c].items()})] if user.get(c) else [])
            + ([shipped[c]] if c in shipped else []) for c in columns}


def _canon(value: Any) -> str:
    if isinstance(value, bool):  # client_facing = true in a policy
        return "yes" if value else "no"
    return str(value)


def lookup(maps: dict[str, list[ValueMap]], column: str, value: str) -> str | None:
    for m in maps.get(column, []):
        hit = m.lookup(value)
        if hit is not None:
            return hit
    return None
