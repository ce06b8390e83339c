"""Pseudonymous outputs (`--anonymize`): for reports that leave the company.

Every employee id becomes `P-XXXXXXXX`, every name a neutral two-word pseudonym
("Amber Heron"), every e-mail `p-xxxxxxxx@example.invalid`, every photo path
`photo-xxxxxxxxxx.jpg`, and photo hashes are re-keyed, in every output (JSON, CSV, HTML, PDF).
The PDF shows initials tiles of the pseudonym instead of faces.

**Stable pseudonyms.** A pseudonym is an HMAC-SHA256 of the real value under a secret key, so
the same person gets the same pseudonym every quarter and `--previous` still matches findings
across anonymised audits. The key is *not* per run (that would break the history) and is never
written to any output (with it, a reader could test guesses of ids and names). It is read from
the file named by the policy's `[report] pseudonym_key_file`, else from
`<user data dir>/headshot-audit/pseudonym.key`, created with 32 random bytes on first use.
Share that file between machines that must produce matching pseudonyms; delete it to unlink
future reports from past ones.

**What is scrubbed.** Structured fields (ids, names, e-mails, files, hashes) are replaced
outright; free text (finding messages, reasons, evidence) is scanned for every known id, name,
e-mail, e-mail local part, file path, file name and file stem, and each is replaced. Free-text
metadata of the photo files that could hold anything (PNG text chunks, XMP) and perceptual
hashes of the faces are dropped. Limits: purely numeric ids shorter than 4 digits are replaced
in structured fields but not in free text (they cannot be told apart from measurements).
Departments and shared job titles are kept (the report needs them); a job title only one
person holds would name them, so it becomes their level ("Executive", "Senior staff"), or
their department when they have no level, in every field and text.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from .errors import AnonymizeError
from .findings import Finding

KEY_FILE_NAME = "pseudonym.key"
_ADJECTIVES = ("Amber", "Azure", "Birch", "Bright", "Calm", "Cedar", "Clear", "Copper", "Coral", "Crisp",
               "Dawn", "Deep", "Ember", "Fern", "Frost", "Golden", "Granite", "Hazel", "Indigo", "Ivory",
               "Jade", "Juniper", "Linen", "Maple", "Meadow", "Misty", "North", "Oak", "Ochre", "Olive",
               "Pearl", "Pine", "Quiet", "River", "Rowan", "Russet", "Sage", "Sand", "Silver", "Slate",
               "Spruce", "Steady", "Stone", "Summit", "Swift", "Teal", "Umber", "Violet", "Willow", "Winter")
_NOUNS = ("Badger", "Bison", "Crane", "Dolphin", "Eagle", "Falcon", "Finch", "Fox", "Gazelle", "Heron",
          "Ibis", "Jay", "Kestrel", "Kingfisher", "Lark", "Lynx", "Marten", "Merlin", "Moose", "Newt",
          "Osprey", "Otter", "Owl", "Panda", "Pelican", "Plover", "Puffin", "Quail", "Raven", "Robin",
          "Salmon", "Seal", "Sparrow", "Stork", "Swan", "Swift", "Tern", "Thrush", "Toucan", "Trout",
          "Turtle", "Walrus", "Weasel", "Whale", "Wolf", "Wren", "Yak", "Zebra", "Ermine", "Hare")
# Staff columns kept as they are; every other free-text column is replaced or dropped.
_STAFF_KEEP = {"title", "department", "row", "photo_date", "photo_source", "client_facing", "seniority",
               "platforms", "match_rule"}
# Photo columns that may hold arbitrary text from the file (author, captions, paths): dropped.
_PHOTO_DROP = ("text_chunks", "phash", "dhash", "face_phash")
_WORD = re.compile(r"[\w.@/+'’\-]+")
_TRAIL = ".,;:)!?'\"’"
_LEAD = "'\"‘’("  # quotes around a value ("employee_id '100550' appears...") are not part of it
_LEVELS = {"junior": "Junior staff", "mid": "Mid-level staff", "senior": "Senior staff", "executive": "Executive"}


def default_key_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("headshot-audit", appauthor=False)) / KEY_FILE_NAME


def load_key(path: Path | None = None) -> bytes:
    """The secret pseudonym key from `path`, or the per-user default (created on first use)."""
    create = path is None
    path = Path(path) if path else default_key_path()
    if create and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass
        except OSError as exc:
            raise AnonymizeError(f"{path}: cannot create the pseudonym key: {exc.strerror or exc}") from None
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise AnonymizeError(f"{path}: cannot read the pseudonym key: {exc.strerror or exc}") from None
    if len(key) < 16:
        raise AnonymizeError(f"{path}: the pseudonym key must hold at least 16 characters of secret")
    return key


class Pseudonymizer:
    """Stable pseudonyms under one secret key, plus a scrubber for free text."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._tokens: dict[str, str] = {}  # real text -> replacement (lowercased keys too)
        self._max_words = 1

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}\x00{value}".encode("utf-8"), hashlib.sha256).digest()

    def _b32(self, kind: str, value: str, n: int) -> str:
        return base64.b32encode(self._digest(kind, value)).decode("ascii")[:n]

    def id(self, employee_id: Any) -> str | None:
        if employee_id is None:
            return None
        return "P-" + self._b32("id", str(employee_id), 8)

    def name(self, employee_id: Any) -> str | None:
        """A readable pseudonym for the person (not unique on its own: print it with the id)."""
        if employee_id is None:
            return None
        d = self._digest("name", str(employee_id))
        return f"{_ADJECTIVES[d[0] % len(_ADJECTIVES)]} {_NOUNS[d[1] % len(_NOUNS)]}"

    def email(self, employee_id: Any) -> str | None:
        pid = self.id(employee_id)
        return None if pid is None else pid.lower() + "@example.invalid"

    def file(self, path: Any) -> str | None:
        if path is None:
            return None
        suffix = PurePosixPath(str(path)).suffix.lower()
        suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""
        return "photo-" + self._b32("file", str(path), 10).lower() + suffix

    def sha(self, value: Any) -> str | None:
        if value is None:
            return None
        return self._digest("sha", str(value)).hex()

    def key(self, finding_key: str) -> str:
        code, eid, file = (finding_key.split("|", 2) + ["", ""])[:3]
        return f"{code}|{self.id(eid) if eid else ''}|{self.file(file) if file else ''}"

    # -- free text ---------------------------------------------------------------------------
    def learn(self, staff: pd.DataFrame, photos: pd.DataFrame) -> None:
        """Collect every real id, name, e-mail and file so free text can be scrubbed."""
        def add(real: Any, repl: str | None, min_len: int = 3) -> None:
            if real is None or repl is None:
                return
            real = str(real).strip()
            if len(real) < min_len:
                return
            self._tokens.setdefault(real, repl)
            self._tokens.setdefault(real.lower(), repl)
            self._max_words = max(self._max_words, len(real.split()))

        for p in staff.to_dict("records"):
            eid = p.get("employee_id")
            sid = None if eid is None else str(eid)
            if sid is not None:
                add(sid, self.id(sid), min_len=4 if sid.isdigit() else 2)
            for col in ("name", "first_name", "last_name"):
                if col == "name":
                    add(p.get(col), self.name(sid))
            email = p.get("email")
            if email:
                add(email, self.email(sid))
                add(str(email).split("@")[0], self.id(sid))
            for col in ("file", "photo"):
                self._add_file(p.get(col), add)
        for f in photos["file"] if "file" in photos else []:
            self._add_file(f, add)
        for title, general in self.unique_titles(staff).items():
            add(title, general, min_len=4)

    @staticmethod
    def unique_titles(staff: pd.DataFrame) -> dict[str, str]:
        """Job titles held by one person -> their level (or, without one, their department when
        others share it): a title only one person holds names that person."""
        if "title" not in staff:
            return {}
        titles = [str(t).strip() for t in staff["title"] if isinstance(t, str) and t.strip()]
        counts: dict[str, int] = {}
        for t in titles:
            counts[t.lower()] = counts.get(t.lower(), 0) + 1
        depts: dict[str, int] = {}
        for d in staff["department"] if "department" in staff else []:
            if isinstance(d, str) and d.strip():
                depts[d.strip().lower()] = depts.get(d.strip().lower(), 0) + 1
        out = {}
        for p in staff.to_dict("records"):
            t = p.get("title")
            if not isinstance(t, str) or counts.get(t.strip().lower(), 0) != 1:
                continue
            dept = (p.get("department") or "").strip()
            level = _LEVELS.get(p.get("seniority") or "")
            out[t.strip()] = level or (dept if dept and depts.get(dept.lower(), 0) > 1 else "Staff member")
        return out

    def _add_file(self, f: Any, add: Any) -> None:
        if not f:
            return
        repl = self.file(f)
        pp = PurePosixPath(str(f))
        add(str(f), repl)
        add(pp.name, repl)
        if len(pp.stem) >= 4:
            add(pp.stem, repl.rsplit(".", 1)[0])

    def text(self, value: str) -> str:
        """`value` with every known real token replaced (longest match first)."""
        if not value or not self._tokens:
            return value
        words = list(_WORD.finditer(value))
        out, pos, i = [], 0, 0
        while i < len(words):
            hit = None
            for n in range(min(self._max_words + 1, len(words) - i), 0, -1):
                start, end = words[i].start(), words[i + n - 1].end()
                while start < end and value[start] in _LEAD:
                    start += 1
                cand = value[start:end]
                while True:
                    repl = self._tokens.get(cand) or self._tokens.get(cand.lower())
                    if repl or not cand or cand[-1] not in _TRAIL:
                        break
                    cand = cand[:-1]
                if repl and cand:
                    hit = (start, start + len(cand), repl, n)
                    break
            if hit:
                out.append(value[pos:hit[0]])
                out.append(hit[2])
                pos = hit[1]
                i += hit[3]
            else:
                i += 1
        out.append(value[pos:])
        return "".join(out)

    def deep(self, value: Any) -> Any:
        """Scrub every string inside dicts and lists."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.deep(v) for v in value]
        return value


def _map_col(frame: pd.DataFrame, col: str, fn: Any) -> None:
    if col in frame:
        frame[col] = [fn(v) if v is not None and not (isinstance(v, float) and v != v) else None for v in frame[col]]


def anonymize_result(result: Any, pseudo: Pseudonymizer) -> Any:
    """A copy of an AuditResult with pseudonyms everywhere; `result` is left as it was."""
    staff = result.staff.copy()
    photos = result.photos.copy()
    leavers = result.inventory.leavers  # their names are in findings too (a leaver's photo still up)
    pseudo.learn(pd.concat([staff, leavers], ignore_index=True) if len(leavers) else staff, photos)

    general = pseudo.unique_titles(staff)
    if "title" in staff:
        staff["title"] = [general.get(t.strip(), t) if isinstance(t, str) else t for t in staff["title"]]
    for col in list(staff.columns):
        if col == "employee_id":
            continue
        if col == "name":
            staff["name"] = [pseudo.name(e) for e in staff["employee_id"]]
        elif col == "email":
            staff["email"] = [pseudo.email(e) if v else None for e, v in zip(staff["employee_id"], staff["email"])]
        elif col in ("file", "photo"):
            _map_col(staff, col, pseudo.file)
        elif col in ("first_name", "last_name"):
            staff = staff.drop(columns=[col])
        elif col not in _STAFF_KEEP:
            _map_col(staff, col, lambda v: pseudo.text(v) if isinstance(v, str) else v)
    _map_col(staff, "employee_id", pseudo.id)

    _map_col(photos, "file", pseudo.file)
    _map_col(photos, "employee_id", pseudo.id)
    _map_col(photos, "sha256", pseudo.sha)
    if "claimed_by" in photos:
        photos["claimed_by"] = [";".join(pseudo.id(x) for x in v.split(";") if x) if isinstance(v, str) else None
                                for v in photos["claimed_by"]]
    for col in _PHOTO_DROP:
        if col in photos:
            photos[col] = None
    for col in photos.columns:
        if col in ("file", "employee_id", "sha256", "claimed_by"):
            continue
        if photos[col].dtype == object:
            photos[col] = [pseudo.deep(v) if isinstance(v, (str, list, dict)) else v for v in photos[col]]

    findings = [Finding(
        code=f.code, name=f.name, category=f.category, severity=f.severity, message=pseudo.text(f.message),
        employee_id=pseudo.id(f.employee_id), file=pseudo.file(f.file),
        related_files=[pseudo.file(r) for r in f.related_files], evidence=pseudo.deep(f.evidence),
        recommendation=pseudo.text(f.recommendation), action=f.action) for f in result.findings]
    recs = [dataclasses.replace(r, employee_id=pseudo.id(r.employee_id), name=pseudo.name(r.employee_id),
                                reason=pseudo.text(r.reason)) for r in result.recommendations]
    inventory = dataclasses.replace(result.inventory, staff=staff, photos=photos, facts=[],
                                    leavers=leavers.iloc[0:0], leaver_files=[], on_disk={})
    extra = {}
    style = getattr(result, "style_summary", None)
    if isinstance(style, dict):  # the house-style summary lists files: map them too
        style = copy.deepcopy(style)
        for st in style.get("styles") or []:
            st["files"] = [pseudo.file(f) for f in st.get("files") or []]
        for k in ("outlier_files", "order"):
            if k in style:
                style[k] = [pseudo.file(f) for f in style[k] or []]
        extra["style_summary"] = style
    return dataclasses.replace(result, inventory=inventory, photos=photos, findings=findings,
                               recommendations=recs, budget=copy.deepcopy(result.budget),
                               _photo_records=None, thumbnails={},  # never the real names' records, nor faces
                               **extra)


def policy_key_path(policy: Any) -> Path | None:
    """The key file the policy names (`[report] pseudonym_key_file`, relative to the policy
    file), or None for the per-user default."""
    name = (policy["report"].get("pseudonym_key_file") or "").strip()
    if not name:
        return None
    path = Path(name).expanduser()
    if not path.is_absolute() and getattr(policy, "base_dir", None) is not None:
        path = policy.base_dir / path
    return path
