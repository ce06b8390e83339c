"""A content-addressed cache of feature rows, so an unchanged photo is never decoded again.

Rows are keyed by the SHA-256 of the file's bytes, the feature code version, the shipped forensic
model and the run options that change features (a user's AI model). A second table remembers
which content hash a path had at a given (size, mtime, inode), so a warm re-run does not even
read unchanged files; a changed file, or new feature code or model, misses exactly where it must.

The cache holds measurements of photos and, for the report's contact sheet, the same 128 px
thumbnail the report embeds (so drawing a report after a warm run decodes no photo); never the
photos themselves, and no names (paths only in the stat index, to skip unchanged files). It is
disposable: a damaged database is moved aside and a new one started, an unusable folder is
skipped, each with one warning (the `audit` logger); neither stops an audit, which then
measures afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import forensic_model
from .errors import CacheError
from .findings import plain

log = logging.getLogger("audit")
DB_NAME = "features.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS features (key TEXT PRIMARY KEY, row TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stat_index (path TEXT PRIMARY KEY, stat TEXT NOT NULL, sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS thumbnails (key TEXT PRIMARY KEY, jpeg BLOB NOT NULL);
"""
THUMBNAIL_VERSION = 1  # bump when the thumbnail's size or encoding changes


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


def _known_hash(db: sqlite3.Connection, path: Path) -> str | None:
    sig = stat_signature(path)
    if not sig:
        return None
    row = db.execute("SELECT stat, sha256 FROM stat_index WHERE path = ?", (_path_key(path),)).fetchone()
    return row[1] if row and row[0] == sig else None


def _path_key(path: Path) -> str:
    """The stat index's key for a file: its absolute path, printable even when the name on disk
    is not valid UTF-8 (SQLite text must be)."""
    return os.fsencode(path.resolve()).decode("utf-8", "backslashreplace")


class FeatureCache:
    """The main process's read-write view. Use `FeatureCache.open`, which never raises."""

    def __init__(self, directory: Path, digest: str) -> None:
        self.directory = directory.resolve()
        self.digest = digest
        self.db: sqlite3.Connection | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.db = _connect(self.directory / DB_NAME)
        except OSError as exc:
            raise CacheError(f"{directory}: cannot use the feature cache: {exc.strerror or exc}") from None
        except sqlite3.Error as exc:
            raise CacheError(f"{directory / DB_NAME}: cannot use the feature cache: {exc}") from None

    @classmethod
    def open(cls, directory: Path, digest: str) -> "FeatureCache | None":
        """The cache in `directory`, or None (with one warning) when it cannot be used. A file
        that is not a working database is moved aside (never deleted) and a new one started."""
        try:
            return cls(directory, digest)
        except CacheError as exc:
            db = directory / DB_NAME
            if not (db.is_file() and _damaged(db)):
                log.warning("%s; measuring every photo without it", exc)
                return None
            aside = db.with_name(f"{DB_NAME}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                os.replace(db, aside)
                for extra in ("-wal", "-shm"):
                    Path(f"{db}{extra}").unlink(missing_ok=True)
                cache = cls(directory, digest)
            except (OSError, CacheError) as again:
                log.warning("%s; measuring every photo without it (%s)", exc, again)
                return None
            log.warning("%s: the feature cache was damaged; moved it to %s and started a new one", db, aside.name)
            return cache

    def _failed(self, exc: Exception) -> None:
        """A database error in mid-run: stop using the cache (the audit goes on) and say so once."""
        if self.db is not None:
            log.warning("%s: the feature cache failed (%s); the rest of the run does not use it",
                        self.directory / DB_NAME, exc)
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None

    def known_hash(self, path: Path) -> str | None:
        """The content hash of `path` if it has not changed since we last hashed it."""
        if self.db is None:
            return None
        try:
            return _known_hash(self.db, path)
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def get(self, sha256: str) -> dict[str, Any] | None:
        if self.db is None:
            return None
        try:
            return _lookup(self.db, sha256, self.digest)
        except (sqlite3.Error, ValueError) as exc:
            self._failed(exc)
            return None

    def thumbnail(self, sha256: str) -> bytes | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT jpeg FROM thumbnails WHERE key = ?", (f"{sha256}:{THUMBNAIL_VERSION}",)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return bytes(row[0]) if row else None

    def put(self, path: Path, sha256: str, features: dict[str, Any], thumbnail: bytes | None = None) -> None:
        """Store a row and its thumbnail (committed by `close`, in one transaction for the whole run)."""
        if self.db is None:
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO features VALUES (?, ?)",
                            (f"{sha256}:{self.digest}", json.dumps(plain(features))))
            if thumbnail is not None:
                self.db.execute("INSERT OR REPLACE INTO thumbnails VALUES (?, ?)",
                                (f"{sha256}:{THUMBNAIL_VERSION}", thumbnail))
            sig = stat_signature(path)
            if sig:
                self.db.execute("INSERT OR REPLACE INTO stat_index VALUES (?, ?, ?)", (_path_key(path), sig, sha256))
        except sqlite3.Error as exc:
            self._failed(exc)

    def close(self) -> None:
        if self.db is None:
            return
        try:
            self.db.commit()
            self.db.close()
        except sqlite3.Error as exc:
            self._failed(exc)
        self.db = None


def _connect(db_path: Path) -> sqlite3.Connection:
    """Open (or create) the database and prove it works: a damaged file fails here, not mid-run."""
    db = sqlite3.connect(db_path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        db.execute("SELECT key, row FROM features LIMIT 1").fetchall()
        db.execute("SELECT path, stat, sha256 FROM stat_index LIMIT 1").fetchall()
    except sqlite3.Error:
        db.close()
        raise
    return db


def _damaged(db_path: Path) -> bool:
    """True if the file is there and readable but is not a database we can use (as opposed to a
    folder or file we may not write: that is skipped, never moved)."""
    if not os.access(db_path, os.R_OK | os.W_OK) or not os.access(db_path.parent, os.W_OK):
        return False
    try:
        db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db.execute("SELECT key, row FROM features LIMIT 1").fetchall()
            db.execute("SELECT path, stat, sha256 FROM stat_index LIMIT 1").fetchall()
            return db.execute("PRAGMA quick_check").fetchone()[0] != "ok"
        finally:
            db.close()
    except sqlite3.Error:
        return True


def count_unmeasured(directory: Path | None, digest: str, paths: Iterable[Path], enough: int) -> int:
    """How many of `paths` the cache in `directory` holds no row for (file unchanged since it was
    hashed, same options), counting up to `enough`. Read-only and creates nothing: asked at the
    command's start, to decide whether photo workers will be needed."""
    db_path = directory / DB_NAME if directory else None
    if db_path is None or not db_path.is_file():
        return sum(1 for _ in zip(range(enough), paths))
    missing = 0
    try:
        db = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            for path in paths:
                if missing >= enough:
                    break
                sha = _known_hash(db, path)
                if not (sha and db.execute("SELECT 1 FROM features WHERE key = ?", (f"{sha}:{digest}",)).fetchone()):
                    missing += 1
        finally:
            db.close()
    except sqlite3.Error:
        return enough  # a cache we cannot read answers nothing
    return missing


_WORKER_CACHES: dict[tuple[str, str], "_ReadOnly"] = {}


def worker_cache(directory: str, digest: str) -> "_ReadOnly":
    """A per-process read-only view of the cache, for worker processes to look rows up by
    content hash (they never write: the main process stores results in one transaction)."""
    key = (directory, digest)
    if key not in _WORKER_CACHES:
        _WORKER_CACHES[key] = _ReadOnly(Path(directory) / DB_NAME, digest)
    return _WORKER_CACHES[key]


class _ReadOnly:
    def __init__(self, db_path: Path, digest: str) -> None:
        self.digest = digest
        try:
            self.db: sqlite3.Connection | None = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True,
                                                                 timeout=30)
        except sqlite3.Error:
            self.db = None  # no cache yet, or not reachable from this worker: measure

    def get(self, sha256: str) -> dict[str, Any] | None:
        if self.db is None:
            return None
        try:
            return _lookup(self.db, sha256, self.digest)
        except (sqlite3.Error, ValueError):
            return None
