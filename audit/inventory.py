"""Inventory: which photo files exist, who each one belongs to, and what cannot be joined.

The portfolio is read-only to us and may contain anything: links out of the folder, URLs and
`../` paths in the CSV, department sub-folders, names that are not valid UTF-8 (an archive made
on Windows and unpacked here). Nothing outside the portfolio root is ever opened.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from . import formats
from .errors import InventoryError
from .facts import InputFact
from .formats import looks_like_photo_by_name
from .staff import StaffTable
from .tables import nulls_to_none

# How a person's photo was found, in the order tried when the CSV names no photo.
MATCH_RULES = ("csv", "employee id", "e-mail", "e-mail local part", "name")


@dataclass
class Inventory:
    root: Path
    staff: pd.DataFrame  # one row per current staff member, with `file` and `match_rule`
    photos: pd.DataFrame  # one row per photo file of current staff or of nobody: file, employee_id, is_primary
    facts: list[InputFact] = field(default_factory=list)
    leavers: pd.DataFrame = field(default_factory=pd.DataFrame)  # people who left, with `file` and `match_rule`
    leaver_files: list[str] = field(default_factory=list)  # photos of leavers: not audited, to be taken down
    on_disk: dict[str, str] = field(default_factory=dict)  # shown name -> name on disk, where they differ

    def disk_name(self, file: str) -> str:
        """The name to open `file` by (differs only for names that are not valid UTF-8)."""
        return self.on_disk.get(file, file)


@dataclass
class Scan:
    files: list[str]  # portfolio-relative POSIX paths, printable (valid UTF-8)
    facts: list[InputFact]
    on_disk: dict[str, str]  # printable name -> name on disk, for names that are not valid UTF-8


def slugify(text: str) -> str:
    """'José  O'Neil' -> 'jose-oneil': how directory exports usually name files."""
    t = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = re.sub(r"['’]", "", t.lower())
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError, RuntimeError):
        return False


def _latin_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"))


def printable_name(name: str) -> str:
    """A file name as a person would read it. Names that are not valid UTF-8 arrive with their
    bad bytes escaped; we read those bytes as Windows-1252 or as the DOS code page 437 (what
    Windows' own zip writes), whichever gives more Latin letters: 'Jos\\x82.jpg' -> 'José.jpg'."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(name)
    candidates = []
    for codec in ("cp1252", "cp437"):
        try:
            candidates.append(raw.decode(codec))
        except UnicodeDecodeError:
            continue
    return max(candidates, key=_latin_letters) if candidates else raw.decode("utf-8", "backslashreplace")


def scan_folder(root: Path, exclude: Path | None = None, named: set[str] | None = None) -> Scan:
    """Photo files below `root`, in every sub-folder; links that lead outside the portfolio are
    recorded, not followed.

    A photo is what its content is (audit.formats): a known image extension, or, where the name
    says nothing, a header Pillow identifies. Design files beside their exported image, sidecars
    and thumbnail caches are recorded once (one `companions` fact), not audited as people. A file
    the staff CSV names (`named`, lower-case relative paths) is always audited, whatever it is,
    so that its finding says what it is instead of "does not exist"."""
    facts: list[InputFact] = []
    files: list[str] = []
    on_disk: dict[str, str] = {}
    companions: dict[str, list[str]] = {}
    named = named or set()
    exclude_resolved = exclude.resolve() if exclude else None

    # One directory read per folder and no stat per ordinary file (the directory entry knows its
    # kind): 10,000 photos take a fraction of a second.
    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        dirs = [e for e in entries if e.is_dir(follow_symlinks=False)]
        others = [e for e in entries if not e.is_dir(follow_symlinks=False)]
        by_names = {e.name: looks_like_photo_by_name(e.name) for e in others}
        stems = {e.name.lower() for e in others if by_names[e.name] and not formats.is_design(e.name)}
        stems |= {PurePosixPath(n).stem for n in stems}
        for e in others:
            name, real = e.name, prefix + e.name
            rel = "/".join(printable_name(part) for part in real.split("/"))
            wanted = rel.lower() in named
            kind = None if wanted else formats.companion_kind(name, stems)
            if kind:
                companions.setdefault(kind, []).append(rel)
                continue
            by_name = by_names[name]
            if not wanted and (name.startswith(".") or by_name is False):
                continue
            if e.is_symlink() and not _inside(root, Path(e.path)):
                if by_name or wanted:
                    facts.append(InputFact("outside_link", file=rel))
                continue
            if not e.is_file():  # a FIFO, socket or device named like a photo would block a read
                if by_name or wanted:
                    facts.append(InputFact("not_a_file", file=rel))
                continue
            if by_name is None and not wanted and formats.identify(Path(e.path)) is None:
                continue
            if rel != real:
                if rel in on_disk or rel in files:  # two bad names read alike: keep them apart
                    rel = real.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                on_disk[rel] = real
            files.append(rel)
        for e in dirs:
            if not e.name.startswith(".") and (exclude_resolved is None or Path(e.path).resolve() != exclude_resolved):
                walk(e.path, prefix + e.name + "/")

    walk(str(root), "")
    if companions:
        facts.append(InputFact("companions", extra={"companions": companions}))
    return Scan(sorted(files), facts, on_disk)


def scan_photos(root: Path, exclude: Path | None = None,
                named: set[str] | None = None) -> tuple[list[str], list[InputFact]]:
    """Photo files below `root` as sorted portfolio-relative POSIX paths, and what was seen."""
    scan = scan_folder(root, exclude, named)
    return scan.files, scan.facts


_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://|^(data|javascript|mailto):", re.I)


def plain_path(value: str) -> str:
    """'./photos//a.jpg' or 'photos\\a.jpg' -> 'photos/a.jpg' (no check that it is safe)."""
    parts = [p for p in PurePosixPath(value.strip().replace("\\", "/")).parts if p not in (".", "")]
    return PurePosixPath(*parts).as_posix() if parts else ""


def resolve_photo_path(root: Path, value: str) -> tuple[str | None, str | None]:
    """(relative POSIX path, None) for a safe path inside the portfolio, or (None, reason)."""
    v = value.strip().replace("\\", "/")
    if _URL_RE.match(v):
        return None, "is a URL; photos are never fetched, put the file in the portfolio"
    if v.startswith("/") or re.match(r"^[a-zA-Z]:/", v):
        return None, "is an absolute path; give a path relative to the portfolio"
    if ".." in PurePosixPath(v).parts:
        return None, "leaves the portfolio folder ('..')"
    rel = plain_path(v)
    if not _inside(root, root / rel):
        return None, "leads outside the portfolio folder (through a link)"
    return rel, None


class _FileIndex:
    """The portfolio's files by the keys people are matched on: built once, so matching 10,000
    people is a dictionary look-up each, not a walk over every file."""

    def __init__(self, files: list[str]) -> None:
        self.by_lower = {f.lower(): f for f in files}
        self.by_stem: dict[str, list[str]] = {}
        self.by_slug: dict[str, list[str]] = {}
        for f in files:
            stem = os.path.splitext(f.rpartition("/")[2])[0]
            self.by_stem.setdefault(stem.lower(), []).append(f)
            self.by_slug.setdefault(slugify(stem), []).append(f)

    def match(self, eid: str, email: str, name: str) -> tuple[str | None, str | None]:
        email = email.lower()
        names = [name]
        if "," in name:  # "Lee, Ann" (ADP's Payroll Name) -> also "Ann Lee"
            last, _, first = name.partition(",")
            names.append(f"{first.strip()} {last.strip()}")
        elif len(name.split()) == 2:  # files named "Lee Ann.jpg", family name first
            names.append(" ".join(reversed(name.split())))
        ids = [eid.lower()] if eid.lower() != email else []
        if eid.isdigit() and eid.lstrip("0") != eid:  # ADP's File Number 000123 -> 123.jpg
            ids.append(eid.lstrip("0"))
        candidates = [("employee id", self.by_stem, lambda i=i: i) for i in ids]
        candidates += [("e-mail", self.by_stem, lambda: email),
                       ("e-mail local part", self.by_stem, lambda: email.split("@")[0] if "@" in email else "")]
        candidates += [("name", self.by_slug, lambda n=n: slugify(n)) for n in names]
        for label, index, make_key in candidates:  # keys made only as far as needed
            key = make_key()
            hits = index.get(key, []) if key else []
            if hits:
                return sorted(hits)[0], label
        return None, None


def _match_people(frame: pd.DataFrame, root: Path, index: _FileIndex, present: set[str],
                  facts: list[InputFact] | None) -> tuple[list[str | None], list[str | None]]:
    """Each person's file and the rule that found it. `facts` None: record nothing (leavers)."""
    resolved: list[str | None] = []
    rules: list[str | None] = []
    for rec in frame.itertuples(index=False):
        eid, photo = rec.employee_id, rec.photo
        file, rule = None, None
        if photo:
            rel, why = resolve_photo_path(root, photo)
            if why:
                if facts is not None:
                    facts.append(InputFact("unsafe_path", row=rec.row, employee_id=eid, value=photo[:300], reason=why))
            elif rel in present or rel.lower() in index.by_lower:
                file, rule = index.by_lower.get(rel.lower(), rel), "csv"
            elif facts is not None:
                facts.append(InputFact("photo_not_found", row=rec.row, employee_id=eid, value=rel))
        else:
            file, rule = index.match(eid, rec.email or "", rec.name or "")
        resolved.append(file)
        rules.append(rule)
    return resolved, rules


def build_inventory(root: Path, staff: StaffTable, exclude: Path | None = None) -> Inventory:
    """Join staff rows to photo files: the CSV's `photo` column first, then directory-export
    naming (employee id, e-mail, e-mail local part, slugified name). Leavers are matched too,
    so that their photos can be named for taking down, but they are not part of the audit."""
    root = root.resolve()
    if not root.is_dir():
        raise InventoryError(f"{root}: portfolio folder does not exist or is not a folder")
    scan = scan_folder(root, exclude, {plain_path(v).lower() for v in staff.frame["photo"] if v})
    files = scan.files
    facts = list(staff.facts) + scan.facts
    index = _FileIndex(files)
    present = set(files)

    frame = staff.frame.copy()
    resolved, rules = _match_people(frame, root, index, present, facts)
    frame["file"] = pd.Series(resolved, index=frame.index, dtype=object)
    frame["match_rule"] = pd.Series(rules, index=frame.index, dtype=object)
    claimed: dict[str, list[str]] = {}
    for eid, f in zip(frame["employee_id"], resolved):
        if f:
            claimed.setdefault(f, []).append(eid)

    leavers = staff.leavers.copy()
    left_files, left_rules = _match_people(leavers, root, index, present, None)
    left_files = [f if f and f not in claimed else None for f in left_files]  # current staff keep theirs
    leavers["file"] = pd.Series(left_files, index=leavers.index, dtype=object)
    leavers["match_rule"] = pd.Series([r if f else None for f, r in zip(left_files, left_rules)],
                                      index=leavers.index, dtype=object)

    # Extra files of a known person ("E1005_old.jpg") are information, not orphans.
    ids = {str(e).lower(): e for e in frame["employee_id"]}
    leaver_ids = {str(e).lower(): e for e in leavers["employee_id"]}
    leaver_of: dict[str, str] = {f: e for f, e in zip(left_files, leavers["employee_id"]) if f}
    rows = []
    for f in files:
        owners = claimed.get(f)
        if owners:
            rows.append({"file": f, "employee_id": owners[0], "is_primary": True, "claimed_by": ";".join(owners)})
            continue
        if f in leaver_of:
            continue
        stem = PurePosixPath(f).stem.lower()
        prefix = re.split(r"[_\-. ]", stem, maxsplit=1)[0]
        owner = ids.get(prefix) if prefix != stem else None
        if owner is None and prefix != stem and prefix in leaver_ids:
            leaver_of[f] = leaver_ids[prefix]
            continue
        rows.append({"file": f, "employee_id": owner, "is_primary": False, "claimed_by": owner or ""})
    photos = nulls_to_none(pd.DataFrame.from_records(rows, columns=["file", "employee_id", "is_primary", "claimed_by"]))

    by_id = {r["employee_id"]: r for r in leavers.to_dict("records")}
    for f, eid in sorted(leaver_of.items()):
        person = by_id[eid]
        facts.append(InputFact("leaver_photo", row=person["row"], employee_id=eid, file=f, column="status",
                               value=person["status"], extra={"name": person["name"] or ""}))
    return Inventory(root=root, staff=frame, photos=photos, facts=facts, leavers=leavers,
                     leaver_files=sorted(leaver_of), on_disk=scan.on_disk)
