"""Reading the staff CSV as HR systems actually export it.

Real exports differ in encoding (UTF-8 with or without BOM, Windows-1252), delimiter (`,` or
`;`), and header names (Workday, BambooHR, Entra ID...). We map known aliases to canonical
columns, validate each value, and turn every bad value into a data issue instead of a crash:
one bad row must never stop an audit.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import StaffError
from .policy import CANONICAL_COLUMNS
from .tables import nulls_to_none

# Maximum size of a staff CSV we will read (a 100,000-row export is about 20 MB).
MAX_CSV_BYTES = 200 * 1024 * 1024


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9#]+", "_", header.strip().lower()).strip("_")


# Normalised header -> canonical column. Exact canonical names always win over aliases.
ALIASES: dict[str, str] = {
    **{c: c for c in CANONICAL_COLUMNS},
    # employee_id
    "employee_id": "employee_id", "employee": "employee_id", "employee_#": "employee_id",
    "employee_number": "employee_id", "employee_no": "employee_id", "employeeid": "employee_id",
    "emp_id": "employee_id", "staff_id": "employee_id", "staff_number": "employee_id",
    "worker_id": "employee_id", "personnel_number": "employee_id", "id": "employee_id",
    # name
    "full_name": "name", "legal_name": "name", "displayname": "name", "display_name": "name",
    "employee_name": "name", "preferred_name": "name", "worker": "name",
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "givenname": "first_name", "last_name": "last_name", "lastname": "last_name",
    "surname": "last_name", "family_name": "last_name",
    # title / department
    "job_title": "title", "jobtitle": "title", "business_title": "title", "position": "title",
    "role": "title", "dept": "department", "supervisory_organization": "department",
    "organization": "department", "team": "department", "division": "department",
    # email
    "e_mail": "email", "work_email": "email", "mail": "email", "email_address": "email",
    "userprincipalname": "email", "user_principal_name": "email", "upn": "email",
    # photo columns
    "photo_path": "photo", "photo_file": "photo", "headshot": "photo", "image": "photo",
    "picture": "photo", "photo_taken": "photo_date", "headshot_date": "photo_date",
    "source": "photo_source", "headshot_source": "photo_source",
    "customer_facing": "client_facing", "client_facing_role": "client_facing",
    "level": "seniority", "grade": "seniority", "channels": "platforms", "used_on": "platforms",
    "start_date": "hire_date", "date_of_hire": "hire_date", "original_hire_date": "hire_date",
}

PHOTO_SOURCES = {
    "photographer": "photographer", "professional": "photographer", "studio": "photographer",
    "photo": "photographer", "ai": "ai", "ai_generated": "ai", "ai-generated": "ai",
    "generated": "ai", "self": "self", "selfie": "self", "phone": "self", "unknown": "unknown",
}
SENIORITY = {
    "junior": "junior", "intern": "junior", "entry": "junior", "graduate": "junior",
    "associate": "junior", "mid": "mid", "intermediate": "mid", "senior": "senior",
    "lead": "senior", "principal": "senior", "executive": "executive", "exec": "executive",
    "c_level": "executive", "c-level": "executive", "director": "senior", "vp": "executive",
}
PLATFORMS = ("website", "linkedin", "internal", "conference", "press")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class StaffIssue:
    """A problem in one row or value; becomes a `data` finding."""

    code: str  # rule code, e.g. DAT005
    message: str
    employee_id: str | None = None
    row: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class StaffTable:
    frame: pd.DataFrame
    issues: list[StaffIssue]
    column_map: dict[str, str]  # original header -> canonical column


def _decode(raw: bytes, source: str) -> str:
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise StaffError(f"{source}: cannot decode the file as text")  # pragma: no cover (latin-1 decodes all)


def _sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def map_columns(headers: list[str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Original header -> canonical column, for the headers we recognise. An exact canonical
    header beats an alias; the first alias wins over later ones."""
    extra_norm = {_norm(k): v for k, v in (extra or {}).items()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for exact_pass in (True, False):
        for h in headers:
            if h in mapping:
                continue
            n = _norm(h)
            canonical = extra_norm.get(n) if not exact_pass else (n if n in CANONICAL_COLUMNS else None)
            if canonical is None and not exact_pass:
                canonical = ALIASES.get(n)
            if canonical and canonical not in taken:
                mapping[h] = canonical
                taken.add(canonical)
    return mapping


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD (also with / or .), the format the product documents. Raises ValueError."""
    t = text.strip()
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", t)
    if not m:
        raise ValueError(f"expected YYYY-MM-DD, got {t!r}")
    return date(int(m[1]), int(m[2]), int(m[3]))


def _clip(value: str, limit: int = 300) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def read_staff(path: Path, extra_aliases: dict[str, str] | None = None, as_of: date | None = None) -> StaffTable:
    """Read and validate the staff CSV. Raises StaffError only when the file as a whole is unusable."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise StaffError(f"{path}: staff CSV is {size // 2**20} MB; the limit is {MAX_CSV_BYTES // 2**20} MB")
        raw = path.read_bytes()
    except StaffError:
        raise
    except OSError as exc:
        raise StaffError(f"{path}: cannot read staff CSV: {exc.strerror or exc}") from None
    text = _decode(raw, str(path))
    if not text.strip():
        raise StaffError(f"{path}: staff CSV is empty (no header row)")
    delimiter = _sniff_delimiter(text)
    bad_lines: list[list[str]] = []  # rows with more fields than the header: reported, not lost
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
            skipinitialspace=True, quoting=csv.QUOTE_MINIMAL, engine="python", on_bad_lines=bad_lines.append,
            index_col=False,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise StaffError(f"{path}: cannot parse staff CSV: {exc}") from None
    headers = [str(h) for h in frame.columns]
    mapping = map_columns(headers, extra_aliases)
    if "employee_id" not in mapping.values():
        shown = ", ".join(repr(h) for h in headers[:12])
        raise StaffError(
            f"{path}: required column 'employee_id' is missing (found: {shown}); "
            "name it employee_id, or map your header to it in the policy's [columns] table"
        )
    frame = frame[list(mapping)].rename(columns=mapping)
    table = _validate_rows(frame, mapping, as_of or date.today())
    for fields in bad_lines:
        shown = delimiter.join(fields)[:120]
        table.issues.append(StaffIssue(
            "DAT006", f"a row has {len(fields)} fields but the header has {len(headers)}; it is skipped: {shown!r}",
            evidence={"fields": [f[:100] for f in fields[:20]]}))
    return table


def _validate_rows(frame: pd.DataFrame, mapping: dict[str, str], as_of: date) -> StaffTable:
    issues: list[StaffIssue] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(frame.to_dict("records")):
        row = i + 2  # the header is row 1
        rec = {k: ("" if v is None else str(v)).strip() for k, v in raw.items()}
        eid = rec.get("employee_id", "")
        if not eid:
            issues.append(StaffIssue("DAT006", f"row {row}: no employee_id; the row is skipped", row=row,
                                     evidence={"row": row, "column": "employee_id"}))
            continue
        eid = _clip(eid, 100)
        if eid in seen:
            issues.append(StaffIssue(
                "DAT005", f"employee_id {eid!r} appears on rows {seen[eid]} and {row}; row {row} is skipped",
                employee_id=eid, row=row, evidence={"rows": [seen[eid], row]}))
            continue
        seen[eid] = row

        def bad(column: str, value: str, why: str) -> None:
            issues.append(StaffIssue(
                "DAT006", f"row {row} ({eid}): {column} {_clip(value, 60)!r} {why}; treated as unknown",
                employee_id=eid, row=row, evidence={"row": row, "column": column, "value": _clip(value, 100)}))

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
                hire_date = parse_date(rec["hire_date"])
            except ValueError:
                bad("hire_date", rec["hire_date"], "is not a valid date (YYYY-MM-DD)")
        out["hire_date"] = hire_date.isoformat() if hire_date else None

        src = rec.get("photo_source", "").lower().replace(" ", "_")
        if src and src not in PHOTO_SOURCES:
            bad("photo_source", rec["photo_source"], "is not one of photographer, ai, self, unknown")
        out["photo_source"] = PHOTO_SOURCES.get(src, "unknown")

        cf = rec.get("client_facing", "").lower()
        if cf in _YES:
            out["client_facing"] = True
        elif cf in _NO:
            out["client_facing"] = False if cf else None
        else:
            bad("client_facing", rec["client_facing"], "is not yes or no")
            out["client_facing"] = None

        sen = rec.get("seniority", "").lower().replace(" ", "_")
        if sen and sen not in SENIORITY:
            bad("seniority", rec["seniority"], "is not one of junior, mid, senior, executive")
        out["seniority"] = SENIORITY.get(sen, "unknown")

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
        records.append(out)

    columns = ["employee_id", "name", "title", "department", "email", "photo", "row", "photo_date",
               "photo_source", "client_facing", "seniority", "platforms", "hire_date"]
    return StaffTable(nulls_to_none(pd.DataFrame.from_records(records, columns=columns)), issues, mapping)
