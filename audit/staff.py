"""Reading the staff CSV as HR systems actually export it.

Real exports differ in encoding (UTF-8 with or without BOM, UTF-16 from Excel's "Unicode text",
Windows-1252), delimiter (`,` `;` tab), header names (Workday, ADP, SuccessFactors, Entra ID...;
see `hr_dialects.toml`) and values ("7 Individual Contributor", "Terminated", "accountEnabled =
False"). We read what we can, record what we could not as facts (`audit.facts`), and keep a
note of how every header was read so a run can say it. One bad row never stops an audit.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .dialects import HeaderReading, ValueMap, dialects, lookup, norm_header, value_maps
from .errors import StaffError
from .facts import InputFact
from .policy import CANONICAL_VALUES
from .tables import nulls_to_none

# Maximum size of a staff CSV we will read (a 100,000-row export is about 20 MB).
MAX_CSV_BYTES = 200 * 1024 * 1024
PLATFORMS = ("website", "linkedin", "internal", "conference", "press")
# Columns whose every header is used (a leaver in any one of them is a leaver); the rest take one.
_ALL_CANDIDATES = ("status", "active")
STAFF_COLUMNS = ["employee_id", "name", "title", "department", "email", "photo", "row", "photo_date",
                 "photo_source", "client_facing", "seniority", "platforms", "hire_date", "status"]


@dataclass
class CsvReading:
    """How the file was read: what `inspect` and the report's method page show."""

    file: str = ""
    encoding: str = ""
    delimiter: str = ","
    system: str | None = None  # the HR system the headers say this export comes from
    headers: list[HeaderReading] = field(default_factory=list)
    used: dict[str, list[str]] = field(default_factory=dict)  # canonical -> headers read for it, best first
    rows: int = 0  # data rows in the file (label row not counted)
    label_row: bool = False  # a second header row of labels (SuccessFactors) was skipped
    id_from_email: int = 0  # rows whose id is their e-mail address (no employee id given)


@dataclass
class StaffTable:
    frame: pd.DataFrame  # current staff, one row per person
    facts: list[InputFact]
    column_map: dict[str, str]  # original header -> canonical column it was read as
    leavers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STAFF_COLUMNS))
    reading: CsvReading = field(default_factory=CsvReading)


def decode_csv(raw: bytes, source: str) -> tuple[str, str]:
    """(text, encoding name). A byte-order mark decides; without one, NUL bytes say UTF-16 (Excel's
    "Unicode text"), then UTF-8, then Windows-1252 (what Excel writes as "CSV" on Windows)."""
    boms = ((codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
            (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"), (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
            (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"))
    for bom, codec, label in boms:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), label
            except UnicodeDecodeError:
                raise StaffError(f"{source}: starts with a {label} byte-order mark but is not {label} text") from None
    head = raw[:4096]
    if head.count(0) > len(head) // 4:
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(codec), "UTF-16"
        except UnicodeDecodeError:
            raise StaffError(f"{source}: not a text file (it holds NUL bytes)") from None
    for codec, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            return raw.decode(codec), label
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "ISO-8859-1"


def sniff_delimiter(text: str) -> str:
    """The most frequent of `,` `;` tab `|` in the header line, outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    first = re.sub(r'"[^"]*"', "", first)
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def map_columns(headers: list[str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Original header -> canonical column, for the headers we recognise (the best header per
    column; status and active flags keep every header)."""
    readings = dialects().read_headers(headers, extra, dialects().recognise(headers))
    return {r.header: r.canonical for r in readings if r.canonical}


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD (also with / or .), the format the product documents. Raises ValueError."""
    t = text.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", t)
    if not m:
        raise ValueError(f"expected YYYY-MM-DD, got {t!r}")
    return date(int(m[1]), int(m[2]), int(m[3]))


_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ,].*)?")


def day_first(values: list[str]) -> bool:
    """Whether a column's 'NN/NN/YYYY' dates put the day first: a first part above 12 says yes,
    a second part above 12 says no; otherwise dots say day first (German, Personio), slashes
    month first (the US systems: Workday, ADP, BambooHR, Gusto)."""
    dots = False
    for v in values:
        m = _DMY.fullmatch(v.strip())
        if m:
            if int(m[1]) > 12:
                return True
            if int(m[2]) > 12:
                return False
            dots = dots or "." in v
    return dots


def parse_hr_date(text: str, dayfirst: bool = False) -> date:
    """A date as HR exports write it: YYYY-MM-DD (also / or ., with a time), or DD/MM/YYYY and
    MM/DD/YYYY as the column says (`day_first`). Raises ValueError."""
    m = _DMY.fullmatch(text.strip())
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        return date(y, b, a) if dayfirst else date(y, a, b)
    return parse_date(text)


def _clip(value: str, limit: int = 300) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise StaffError(f"{path}: staff CSV is {size // 2**20} MB; the limit is {MAX_CSV_BYTES // 2**20} MB")
        return path.read_bytes()
    except StaffError:
        raise
    except OSError as exc:
        raise StaffError(f"{path}: cannot read staff CSV: {exc.strerror or exc}") from None


def read_staff(path: Path, extra_aliases: dict[str, str] | None = None, as_of: date | None = None,
               values: dict[str, Any] | None = None) -> StaffTable:
    """Read and validate the staff CSV. Raises StaffError only when the file as a whole is unusable.
    `extra_aliases`: the policy's [columns]; `values`: its [values] tables."""
    raw = _read_bytes(path)
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise StaffError(f"{path}: is an Excel workbook, not a CSV file; save it as 'CSV UTF-8' (or 'Unicode text')")
    text, encoding = decode_csv(raw, str(path))
    header = text.lstrip("\r\n").split("\n", 1)[0][:2000]
    if any(ord(ch) < 32 and ch not in "\t\r" for ch in header):  # no export writes control codes in its header
        raise StaffError(f"{path}: does not look like a CSV text file (it holds binary data)")
    if not text.strip():
        raise StaffError(f"{path}: staff CSV is empty (no header row)")
    hint = re.match(r"\ufeff?sep=(.)\r?\n", text)  # Excel's "sep=;" first line names the delimiter
    if hint:
        delimiter, text = hint[1], text[hint.end():]
    else:
        delimiter = sniff_delimiter(text)
    frame, bad_lines = _parse_csv(text, delimiter, path)
    frame.columns = [str(h).strip() for h in frame.columns]
    # A header cell left empty (a trailing separator) is no column, unless it holds values.
    frame = frame[[h for h in frame.columns
                   if not (re.fullmatch(r"Unnamed: \d+", h) and not any(str(v).strip() for v in frame[h].tolist()))]]
    headers = list(frame.columns)
    reading = CsvReading(file=str(path), encoding=encoding, delimiter=delimiter)
    d = dialects()
    system = d.recognise(headers)
    reading.system = system.name if system else None
    reading.headers = d.read_headers(headers, extra_aliases, system)
    reading.used = _choose_headers(frame, reading.headers)
    if "employee_id" not in reading.used and "email" not in reading.used:
        shown = ", ".join(repr(h) for h in headers[:12])
        raise StaffError(
            f"{path}: required column 'employee_id' is missing (found: {shown}); "
            "name it employee_id, or map your header to it in the policy's [columns] table"
        )
    canonical = _canonical_frame(frame, reading.used)
    if len(canonical) and _is_label_row(canonical.iloc[0], reading):
        canonical = canonical.iloc[1:]
        reading.label_row = True
    reading.rows = len(canonical) + len(bad_lines)
    if reading.rows == 0:
        raise StaffError(f"{path}: the staff CSV has a header row but no people in it; export it again with the staff rows")
    table = _validate_rows(canonical, {}, as_of or date.today(), values, first_row=3 if reading.label_row else 2)
    table.column_map = {h: c for c, hs in reading.used.items() for h in hs}
    reading.id_from_email = table.reading.id_from_email
    table.reading = reading
    for fields in bad_lines:
        table.facts.append(InputFact(
            "extra_fields", value=delimiter.join(fields)[:120],
            extra={"fields": len(fields), "header_fields": len(headers), "values": [f[:100] for f in fields[:20]]}))
    return table


def _parse_csv(text: str, delimiter: str, path: Path) -> tuple[pd.DataFrame, list[list[str]]]:
    """The table, and the lines with more fields than the header (reported, not lost). The C
    parser reads a clean file in a tenth of the time; the Python one, which can hand back the
    bad lines, reads the rest."""
    options: dict[str, Any] = dict(sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=True,
                                   quoting=csv.QUOTE_MINIMAL, index_col=False)
    try:
        with warnings.catch_warnings():  # it warns, and drops fields, where a line is too long
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), engine="c", on_bad_lines="error", **options).fillna(""), []
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, csv.Error, ValueError):
        pass
    bad_lines: list[list[str]] = []
    try:
        frame = pd.read_csv(io.StringIO(text), engine="python", on_bad_lines=bad_lines.append, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise StaffError(f"{path}: cannot parse staff CSV: {exc}") from None
    return frame.fillna(""), bad_lines


def _choose_headers(frame: pd.DataFrame, readings: list[HeaderReading]) -> dict[str, list[str]]:
    """Canonical column -> the headers read for it, best first. For `employee_id` only the best
    header with any value is read (ids from two columns would not be one kind of id); an empty
    column never takes a name another header can fill."""
    by_canonical: dict[str, list[HeaderReading]] = {}
    for r in readings:
        if r.canonical:
            by_canonical.setdefault(r.canonical, []).append(r)
    used: dict[str, list[str]] = {}
    for canonical, rs in by_canonical.items():
        rs = sorted(rs, key=lambda r: r.rank)
        filled = [r.header for r in rs if any(str(v).strip() for v in frame[r.header].tolist())]
        if canonical == "employee_id":
            # An id column left empty (Google Workspace): the e-mail, when there is one, is the id.
            if filled or "email" not in by_canonical:
                used[canonical] = filled[:1] or [rs[0].header]
        else:
            used[canonical] = filled or [rs[0].header]
    return used


def _canonical_frame(frame: pd.DataFrame, used: dict[str, list[str]]) -> pd.DataFrame:
    """One column per canonical name, a later header filling the rows the better one leaves
    empty; status and active flags keep every header as `status`, `status:HEADER`..."""
    out = pd.DataFrame(index=frame.index)
    for canonical, headers in used.items():
        if canonical in _ALL_CANDIDATES:
            for i, h in enumerate(headers):
                out[canonical if i == 0 else f"{canonical}:{h}"] = frame[h].astype(str)
            continue
        col = frame[headers[0]].astype(str)
        for h in headers[1:]:
            col = col.where(col.str.strip().ne(""), frame[h].astype(str))
        out[canonical] = col
    return out


def _is_label_row(first: pd.Series, reading: CsvReading) -> bool:
    """SuccessFactors' user data file has a second header row of labels ("User ID", "First Name"):
    the first data row is one when its cells read as the columns they stand in."""
    cells = {c: str(v) for c, v in first.items() if str(v).strip()}
    if "employee_id" not in cells:
        return False
    names = dialects().read_headers(list(cells.values()))
    same = sum(1 for (c, _v), r in zip(cells.items(), names) if r.canonical == c.split(":")[0])
    return names[list(cells).index("employee_id")].canonical == "employee_id" and same >= max(2, len(cells) // 2)


def _validate_rows(frame: pd.DataFrame, mapping: dict[str, str], as_of: date, values: dict[str, Any] | None = None,
                   first_row: int = 2) -> StaffTable:
    """Rows with canonical column names -> a StaffTable. `mapping` is kept for the column map;
    `values` are the policy's [values] tables."""
    maps = value_maps(values)
    memo: dict[tuple[str, str], str | None] = {}  # exports repeat a handful of values 10,000 times
    facts: list[InputFact] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    # (column, value, reason) -> [(row, employee_id)]: one fact per distinct unreadable value
    bad_values: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    status_columns = [c for c in frame.columns if c.split(":")[0] in _ALL_CANDIDATES]
    hire_dayfirst = day_first(list(frame["hire_date"])) if "hire_date" in frame else False
    id_from_email = 0
    names = list(frame.columns)
    for i, values in enumerate(zip(*(frame[c].tolist() for c in names))):
        row = i + first_row
        rec = {k: ("" if v is None else str(v)).strip() for k, v in zip(names, values)}
        eid = rec.get("employee_id", "")
        if not eid and rec.get("email"):
            eid = rec["email"]
            id_from_email += 1
        if not eid:
            facts.append(InputFact("no_id", row=row, column="employee_id"))
            continue
        eid = _clip(eid, 100)
        if eid in seen:
            facts.append(InputFact("duplicate_id", row=row, employee_id=eid, rows=(seen[eid], row)))
            continue
        seen[eid] = row

        def bad(column: str, value: str, why: str) -> None:
            bad_values.setdefault((column, _clip(value, 100), why), []).append((row, eid))

        name = rec.get("name") or " ".join(p for p in (rec.get("first_name", ""), rec.get("last_name", "")) if p)
        out: dict[str, Any] = {
            "employee_id": eid,
            "name": _clip(name, 200),
            "title": _clip(rec.get("title", ""), 200),
            "department": _clip(rec.get("department", ""), 200),
            "email": _clip(rec.get("email", ""), 200),
            "photo": _clip(rec.get("photo", ""), 1000),
            "row": row,
        }
        photo_date = None
        if rec.get("photo_date"):
            try:
                photo_date = parse_date(rec["photo_date"])
                if photo_date > as_of:
                    bad("photo_date", rec["photo_date"], f"is after the audit date {as_of.isoformat()}")
                    photo_date = None
            except ValueError:
                bad("photo_date", rec["photo_date"], "is not a valid date (YYYY-MM-DD)")
        out["photo_date"] = photo_date.isoformat() if photo_date else None

        hire_date = None
        if rec.get("hire_date"):  # a future hire date is normal (pre-boarding): only the form is checked
            try:
                hire_date = parse_hr_date(rec["hire_date"], hire_dayfirst)
            except ValueError:
                bad("hire_date", rec["hire_date"], "is not a date (YYYY-MM-DD, or DD/MM/YYYY or MM/DD/YYYY)")
        out["hire_date"] = hire_date.isoformat() if hire_date else None

        out["photo_source"] = _mapped(maps, memo, "photo_source", rec.get("photo_source", ""), bad) or "unknown"
        cf = _mapped(maps, memo, "client_facing", rec.get("client_facing", ""), bad)
        out["client_facing"] = None if cf is None else cf == "yes"
        out["seniority"] = _mapped(maps, memo, "seniority", rec.get("seniority", ""), bad) or "unknown"

        platforms: list[str] = []
        for token in re.split(r"[;,|]", rec.get("platforms", "")):
            t = token.strip().lower()
            if not t:
                continue
            if t in PLATFORMS:
                if t not in platforms:
                    platforms.append(t)
            else:
                bad("platforms", token.strip(), f"is not one of {', '.join(PLATFORMS)}")
        out["platforms"] = ";".join(platforms)

        statuses = [(c, rec[c]) for c in status_columns if rec.get(c)]
        verdicts = [(_mapped(maps, memo, "status", v, bad), v) for _c, v in statuses]
        leaving = [v for verdict, v in verdicts if verdict == "leaver"]
        out["status"] = _clip(leaving[0] if leaving else (statuses[0][1] if statuses else ""), 100)
        out["leaver"] = bool(leaving)
        records.append(out)

    for (column, value, why), where in bad_values.items():
        ids = [e for _r, e in where]
        facts.append(InputFact("bad_value", row=where[0][0], column=column, value=value, reason=why,
                               employee_id=ids[0] if len(ids) == 1 else None, rows=tuple(r for r, _e in where),
                               extra={"employee_ids": ids[:20]}))
    facts.sort(key=lambda f: (f.row or 0, f.kind))
    all_rows = nulls_to_none(pd.DataFrame.from_records(records, columns=STAFF_COLUMNS + ["leaver"]))
    leaver = all_rows["leaver"].astype(bool)
    current = all_rows[~leaver].drop(columns="leaver").reset_index(drop=True)
    leavers = all_rows[leaver].drop(columns="leaver").reset_index(drop=True)
    table = StaffTable(current, facts, dict(mapping), leavers=leavers)
    table.reading.id_from_email = id_from_email
    return table


def _mapped(maps: dict[str, list[ValueMap]], memo: dict[tuple[str, str], str | None], column: str, value: str,
            bad: Any) -> str | None:
    """The canonical value, or None for an empty cell; an unknown value is recorded and read as None."""
    if not value:
        return None
    key = (column, value)
    if key not in memo:
        memo[key] = lookup(maps, column, value)
    hit = memo[key]
    if hit is None:
        why = ("is not yes or no" if column == "client_facing" else
               "is not a status we know (Active, Terminated, On Leave...); the person is counted as staff"
               if column == "status" else f"is not one of {', '.join(CANONICAL_VALUES[column])}")
        bad(column, value, why)
    return hit
