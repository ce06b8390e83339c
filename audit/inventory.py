"""Inventory: which photo files exist, who each one belongs to, and what cannot be joined.

The portfolio is read-only to us and may contain anything: links out of the folder, URLs and
`../` paths in the CSV. Nothing outside the portfolio root is ever opened.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from .errors import InventoryError
from .staff import StaffIssue, StaffTable
from .tables import nulls_to_none

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".gif", ".tif", ".tiff", ".bmp"}


@dataclass
class Inventory:
    root: Path
    staff: pd.DataFrame  # one row per person, with `file` and `match_rule`
    photos: pd.DataFrame  # one row per photo file: file, employee_id, is_primary
    issues: list[StaffIssue] = field(default_factory=list)


def slugify(text: str) -> str:
    """'José  O'Neil' -> 'jose-oneil': how directory exports usually name files."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"['’]", "", t.lower())
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def scan_photos(root: Path, exclude: Path | None = None) -> tuple[list[str], list[StaffIssue]]:
    """Image files below `root` as sorted portfolio-relative POSIX paths; links that lead
    outside the portfolio are reported, not followed."""
    issues: list[StaffIssue] = []
    files: list[str] = []
    exclude_resolved = exclude.resolve() if exclude else None
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=None):
        d = Path(dirpath)
        dirnames[:] = sorted(
            n for n in dirnames
            if not n.startswith(".") and (exclude_resolved is None or (d / n).resolve() != exclude_resolved)
        )
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            p = d / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink() and not _inside(root, p):
                issues.append(StaffIssue("DAT004", f"{rel}: a link to a file outside the portfolio; not read",
                                         evidence={"file": rel}))
                continue
            if not p.is_file():  # a FIFO, socket or device named like a photo would block a read
                issues.append(StaffIssue("DAT003", f"{rel}: not a regular file; not read", evidence={"file": rel}))
                continue
            files.append(rel)
    return files, issues


_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://|^(data|javascript|mailto):", re.I)


def resolve_photo_path(root: Path, value: str) -> tuple[str | None, str | None]:
    """(relative POSIX path, None) for a safe path inside the portfolio, or (None, reason)."""
    v = value.strip().replace("\\", "/")
    if _URL_RE.match(v):
        return None, "is a URL; photos are never fetched, put the file in the portfolio"
    if v.startswith("/") or re.match(r"^[a-zA-Z]:/", v):
        return None, "is an absolute path; give a path relative to the portfolio"
    parts = PurePosixPath(v).parts
    if ".." in parts:
        return None, "leaves the portfolio folder ('..')"
    rel = PurePosixPath(*[p for p in parts if p not in (".", "")]).as_posix()
    if not _inside(root, root / rel):
        return None, "leads outside the portfolio folder (through a link)"
    return rel, None


def build_inventory(root: Path, staff: StaffTable, exclude: Path | None = None) -> Inventory:
    """Join staff rows to photo files: the CSV's `photo` column first, then directory-export
    naming (employee id, e-mail, e-mail local part, slugified name)."""
    root = root.resolve()
    if not root.is_dir():
        raise InventoryError(f"{root}: portfolio folder does not exist or is not a folder")
    files, issues = scan_photos(root, exclude)
    issues = list(staff.issues) + issues
    on_disk = set(files)
    by_lower = {f.lower(): f for f in files}
    by_stem: dict[str, list[str]] = {}
    for f in files:
        by_stem.setdefault(PurePosixPath(f).stem.lower(), []).append(f)

    frame = staff.frame.copy()
    resolved: list[str | None] = []
    rules: list[str | None] = []
    claimed: dict[str, list[str]] = {}
    for rec in frame.itertuples(index=False):
        eid, photo = rec.employee_id, rec.photo
        file, rule = None, None
        if photo:
            rel, why = resolve_photo_path(root, photo)
            if why:
                issues.append(StaffIssue("DAT004", f"row {rec.row} ({eid}): photo path {photo[:120]!r} {why}; not read",
                                         employee_id=eid, row=rec.row, evidence={"photo": photo[:300]}))
            elif rel in on_disk or rel.lower() in by_lower:
                file, rule = by_lower.get(rel.lower(), rel), "csv"
            else:
                issues.append(StaffIssue("DAT007", f"row {rec.row} ({eid}): photo {rel!r} does not exist in the portfolio",
                                         employee_id=eid, row=rec.row, evidence={"photo": rel}))
        else:
            email = (rec.email or "").lower()
            candidates = [("employee id", eid.lower()), ("e-mail", email),
                          ("e-mail local part", email.split("@")[0] if "@" in email else ""),
                          ("name", slugify(rec.name or ""))]
            for label, key in candidates:
                hits = by_stem.get(key, []) if key else []
                if not hits and label == "name" and key:
                    hits = [f for f in files if slugify(PurePosixPath(f).stem) == key]
                if hits:
                    file, rule = sorted(hits)[0], label
                    break
        resolved.append(file)
        rules.append(rule)
        if file:
            claimed.setdefault(file, []).append(eid)
    frame["file"] = pd.Series(resolved, index=frame.index, dtype=object)
    frame["match_rule"] = pd.Series(rules, index=frame.index, dtype=object)

    # Extra files of a known person ("E1005_old.jpg") are information, not orphans.
    ids = {str(e).lower(): e for e in frame["employee_id"]}
    rows = []
    for f in files:
        owners = claimed.get(f)
        if owners:
            rows.append({"file": f, "employee_id": owners[0], "is_primary": True, "claimed_by": ";".join(owners)})
            continue
        stem = PurePosixPath(f).stem.lower()
        prefix = re.split(r"[_\-. ]", stem, maxsplit=1)[0]
        owner = ids.get(prefix) if prefix != stem else None
        rows.append({"file": f, "employee_id": owner, "is_primary": False, "claimed_by": owner or ""})
    photos = nulls_to_none(pd.DataFrame.from_records(rows, columns=["file", "employee_id", "is_primary", "claimed_by"]))
    return Inventory(root=root, staff=frame, photos=photos, issues=issues)
