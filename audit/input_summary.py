"""What was read: the staff CSV's headers and what each was read as, the rows, and how photos
were matched to people. Every run prints it, `audit.json` keeps it as `input`, the report's
method page shows it, and `headshot-audit inspect` prints nothing else (no image is decoded),
so that a wrong column or an unmatched folder shows before anyone trusts a finding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .dialects import looks_important
from .inventory import MATCH_RULES, Inventory, InventoryError, build_inventory
from .policy import Policy
from .staff import StaffError, StaffTable, read_staff

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Lists longer than this are cut in the printed summary (audit.json keeps them whole).
SHOWN = 8


@dataclass
class InputRead:
    staff: StaffTable
    inventory: Inventory
    summary: dict[str, Any]


def read_input(portfolio: Path, staff_csv: Path | None, policy: Policy, as_of: date,
               exclude: Path | None = None, sources_csv: Path | None = None) -> InputRead:
    """Read the staff CSV and the folder, join them, and say what was read. Raises StaffError
    or InventoryError when either cannot be used at all. Decodes no image. `sources_csv`: HR's
    answers to sources_to_confirm.csv (`audit.sources`), read as declared photo sources."""
    portfolio = Path(portfolio)
    if not portfolio.is_dir():
        raise InventoryError(f"{portfolio}: portfolio folder does not exist or is not a folder")
    csv_path = Path(staff_csv) if staff_csv else portfolio / "staff.csv"
    if not csv_path.is_file():
        raise StaffError(f"{csv_path}: staff CSV not found (pass --staff CSV)")
    staff = read_staff(csv_path, policy["columns"], as_of=as_of, values=policy["values"])
    if sources_csv is not None:
        from .sources import apply_sources, read_sources

        answers, facts = read_sources(sources_csv, policy)
        staff.frame, more = apply_sources(staff.frame, answers, sources_csv)
        staff.facts.extend(facts + more)
    inventory = build_inventory(portfolio, staff, exclude=exclude)
    return InputRead(staff, inventory, summarise(staff, inventory))


def summarise(staff: StaffTable, inventory: Inventory) -> dict[str, Any]:
    """The `input` section of audit.json (plain JSON types only)."""
    r = staff.reading
    used_as = {h: c for c, hs in r.used.items() for h in hs}
    headers = []
    warnings = []
    for h in r.headers:
        entry: dict[str, Any] = {"header": h.header, "read_as": used_as.get(h.header)}
        if h.canonical and h.header not in used_as:
            entry["note"] = f"also means {h.canonical}; empty, so not read"
        elif h.canonical and r.used[h.canonical][0] != h.header:
            entry["note"] = f"fills {h.canonical} where {r.used[h.canonical][0]!r} is empty"
        if h.source:
            entry["by"] = h.source
        if not h.canonical:
            entry["known"] = h.known
            word = looks_important(h.header)
            if word and not h.known:
                warnings.append(f"header {h.header!r} was ignored but looks like it matters ({word!r}); "
                                "map it in the policy's [columns] table if the audit should read it")
        headers.append(entry)
    if "employee_id" not in r.used:
        warnings.append("no employee id column: each person's e-mail address is used as their id")
    staff_frame, photos = inventory.staff, inventory.photos
    matched = Counter(m for m in staff_frame["match_rule"] if m)
    nobody = sorted(photos.loc[photos["employee_id"].isna(), "file"]) if len(photos) else []
    extra = int((photos["employee_id"].notna() & ~photos["is_primary"].astype(bool)).sum()) if len(photos) else 0
    without = staff_frame[staff_frame["file"].isna()]
    skipped = sum(1 for f in staff.facts if f.kind in ("no_id", "duplicate_id", "extra_fields"))
    return {
        "staff_csv": r.file,
        "encoding": r.encoding,
        "delimiter": _DELIMITERS.get(r.delimiter, r.delimiter),
        "system": r.system,
        "headers": headers,
        "ignored": [h["header"] for h in headers if h["read_as"] is None and "note" not in h],
        "warnings": warnings,
        "rows": {"read": r.rows, "staff": int(len(staff_frame)), "leavers": int(len(inventory.leavers)),
                 "skipped": skipped, "label_row_skipped": r.label_row, "id_from_email": r.id_from_email},
        "photos": {
            "files": int(len(photos)) + len(inventory.leaver_files),
            "matched": {rule: int(matched.get(rule, 0)) for rule in MATCH_RULES},
            "extra_files_of_staff": extra,
            "leaver_files": list(inventory.leaver_files),
            "matched_to_nobody": nobody,
        },
        "staff_without_photo": [{"employee_id": e, "name": n, "row": int(w)}
                                for e, n, w in zip(without["employee_id"], without["name"], without["row"])],
    }


def public(summary: dict[str, Any] | None, anonymized: bool) -> dict[str, Any] | None:
    """The summary for an output: anonymised outputs keep the counts, not the names and files."""
    if summary is None or not anonymized:
        return summary
    out = dict(summary, staff_csv=Path(summary["staff_csv"]).name)
    out["photos"] = dict(summary["photos"], leaver_files=len(summary["photos"]["leaver_files"]),
                         matched_to_nobody=len(summary["photos"]["matched_to_nobody"]))
    out["staff_without_photo"] = len(summary["staff_without_photo"])
    return out


def _some(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f", ... ({len(items) - SHOWN} more)" if len(items) > SHOWN else "")


def format_summary(s: dict[str, Any]) -> list[str]:
    """The summary as lines for a terminal."""
    kind = f", read as a {s['system']} export" if s["system"] else ""
    lines = [f"Staff CSV: {s['staff_csv']} ({s['encoding']}, {s['delimiter']}-separated){kind}"]
    width = max((len(h["header"]) for h in s["headers"] if h["read_as"] or h.get("note")), default=0)
    for h in s["headers"]:
        if h["read_as"]:
            note = f"  ({h['note']})" if h.get("note") else ""
            lines.append(f"  {h['header']:<{width}} -> {h['read_as']}{note}")
        elif h.get("note"):
            lines.append(f"  {h['header']:<{width}}    not read ({h['note']})")
    if s["ignored"]:
        lines.append(f"  ignored: {', '.join(s['ignored'])}")
    lines += [f"warning: {w}" for w in s["warnings"]]
    rows = s["rows"]
    skipped = f", {rows['skipped']} skipped" if rows["skipped"] else ""
    label = " (a second header row of labels was skipped)" if rows["label_row_skipped"] else ""
    leavers = f"{rows['leavers']} leaver" + ("" if rows["leavers"] == 1 else "s")
    lines.append(f"Rows: {rows['read']} read: {rows['staff']} staff, {leavers}{skipped}{label}")
    p = s["photos"]
    by_rule = ", ".join(f"{rule} {n}" for rule, n in p["matched"].items() if n) or "none"
    leaver_files = p["leaver_files"] if isinstance(p["leaver_files"], int) else len(p["leaver_files"])
    nobody = p["matched_to_nobody"]
    n_nobody = nobody if isinstance(nobody, int) else len(nobody)
    lines.append(f"Photos: {p['files']} files; staff matched by {by_rule}; {p['extra_files_of_staff']} extra files "
                 f"of staff; {leaver_files} of leavers; {n_nobody} matched to nobody")
    if isinstance(nobody, list) and nobody:
        lines.append(f"  matched to nobody: {_some(nobody)}")
    without = s["staff_without_photo"]
    if isinstance(without, list):
        people = [f"{w['name']} ({w['employee_id']})" if w["name"] else w["employee_id"] for w in without]
        lines.append(f"Staff without a photo: {len(without)}" + (f": {_some(people)}" if people else ""))
    else:
        lines.append(f"Staff without a photo: {without}")
    return lines
