"""A content-addressed cache of feature rows, so an unchanged photo is never decoded again.

Rows are keyed by the SHA-256 of the file's bytes, the feature code version, the shipped forensic
model and the run options that change features (a user's AI model). A second table remembers
which content hash a path had at a given (size, mtime, inode), so a warm re-run does not even
read unchanged files; a changed file, or new feature code or model, misses exactly where it must.

The cache holds measurements of photos, not the photos: no pixels, no names.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from . import forensic_model
from .findings import plain

SCHEMA = """
CREATE TABLE IF NOT EXISTS features (key TEXT PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stat_index (path TEXT PRIMARY KEY, stat TEXT NOT NULL, sha256 TEXT NOT NULL);
"""


class CacheError(OSError):
    """The cache folder cannot be used."""


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("headshot-audit"))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def stat_signature(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def options_digest(feature_version: int, options: dict[str, Any]) -> str:
    """What, besides the bytes, decides a feature row: the code version, the shipped forensic
    model (rows hold its score: a retrained model must not be answered with the old one's) and
    the options (for a model file, its content, not its path)."""
    shipped = forensic_model.DEFAULT_MODEL
    parts: dict[str, Any] = {"v": feature_version, "forensic": file_sha256(shipped) if shipped.is_file() else None}
    for k, v in sorted(options.items()):
        if v and k.endswith("model") and Path(str(v)).is_file():
            parts[k] = file_sha256(Path(str(v)))
        else:
            parts[k] = v
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _lookup(db: sqlite3.Connection, sha256: str, digest: str) -> dict[str, Any] | None:
    row = db.execute("SELECT row FROM features WHERE key = ?", (f"{sha256}:{digest}",)).fetchone()
    return json.loads(row[0]) if row else None


class FeatureCache:
    def __init__(self, directory: Path, digest: str) -> None:
        self.directory = directory
        self.digest = digest
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(directory / "features.sqlite3", timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"{directory}: cannot use the feature cache: {exc}") from None

    def known_hash(self, path: Path) -> str | None:
        """The content hash of `path` if it has not changed since we last hashed it."""
        sig = stat_signature(path)
        row = self.db.execute("SELECT stat, sha256 FROM stat_index WHERE path = ?", (str(path.resolve()),)).fetchone()
        return row[1] if row and sig and row[0] == sig else None

    def get(self, sha256: str) -> dict[str, Any] | None:
        return _lookup(self.db, sha256, self.digest)

    def put(self, path: Path, sha256: str, features: dict[str, Any]) -> None:
        """Store a row (committed by `close`, in one transaction for the whole run)."""
        self.db.execute("INSERT OR REPLACE INTO features VALUES (?, ?)",
                        (f"{sha256}:{self.digest}", json.dumps(plain(features))))
        sig = stat_signature(path)
        if sig:
            self.db.execute("INSERT OR REPLACE INTO stat_index VALUES (?, ?, ?)", (str(path.resolve()), sig, sha256))

    def close(self) -> None:
        try:
            self.db.commit()
        finally:
            self.db.close()



_WORKER_CACHES: dict[tuple[str, str], "_ReadOnly"] = {}


def worker_cache(directory: str, digest: str) -> "_ReadOnly":
    """A per-process read-only view of the cache, for worker processes to look rows up by
    content hash (they never write: the main process stores results in one transaction)."""
    key = (directory, digest)
    if key not in _WORKER_CACHES:
        _WORKER_CACHES[key] = _ReadOnly(Path(directory) / "features.sqlite3", digest)
    return _WORKER_CACHES[key]


class _ReadOnly:
    def __init__(self, db_path: Path, digest: str) -> None:
        self.digest = digest
        try:
            self.db: sqlite3.Connection | None = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            self.db = None  # no cache yet, or not reachable from this worker: measure

    def get(self, sha256: str) -> dict[str, Any] | None:
        if self.db is None:
            return None
        try:
            return _lookup(self.db, sha256, self.digest)
        except sqlite3.Error:
            return None
