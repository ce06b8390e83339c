"""Per-photo features: one flat row of measured values per photo, nothing about rules.

Each extractor is a function `Decoded -> dict` of JSON-safe scalars (str, int, float, bool,
None). Add a measure by writing a module with such a function and listing it in `EXTRACTORS`.
Checks read these columns; they never open an image.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import face, hashes, look, metadata, provenance, tone
from .decode import DecodeError, Decoded, decode

Extractor = Callable[[Decoded], dict[str, Any]]

EXTRACTORS: list[tuple[str, Extractor]] = [
    ("metadata", metadata.extract),
    ("provenance", provenance.extract),
    ("hashes", hashes.extract),
    ("tone", tone.extract),
    ("face", face.extract),
    ("look", look.extract),  # after face: reuses its detection
]

# Bump when any extractor's output changes meaning, so cached rows are recomputed.
FEATURE_VERSION = 2


def extract_one(root: str, file: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """All features of one photo. Never raises: a failure is recorded in `error` / `feature_errors`."""
    path = Path(root) / file
    row: dict[str, Any] = {"file": file, "error": None, "feature_errors": None}
    try:
        row["bytes"] = path.stat().st_size
    except OSError as exc:
        row["error"] = f"cannot read file: {exc.strerror or exc}"
        return row
    if row["bytes"] == 0:
        row["error"] = "empty file (0 bytes)"
        return row
    try:
        decoded = decode(path, file)
        decoded.options = dict(options or {})
    except DecodeError as exc:
        row["error"] = str(exc)
        return row
    except PermissionError as exc:
        row["error"] = f"cannot read file: {exc.strerror or exc}"
        return row
    except Exception as exc:  # a decoder bug on one file must not stop the batch
        row["error"] = f"cannot decode: {type(exc).__name__}: {exc}"
        return row
    problems = []
    for name, extractor in EXTRACTORS:
        try:
            row.update(extractor(decoded))
        except Exception as exc:  # one broken measure leaves the others
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    row["feature_errors"] = "; ".join(problems) or None
    return row


def _extract_star(args: tuple[str, str, dict[str, Any] | None]) -> dict[str, Any]:
    return extract_one(*args)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def extract_all(
    root: Path,
    files: Iterable[str],
    jobs: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    options: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Feature rows for `files`, in the order given. `jobs > 1` uses processes."""
    tasks = [(str(root), f, options) for f in files]
    if executor is None and (jobs <= 1 or len(tasks) <= 1):
        for t in tasks:
            yield _extract_star(t)
            if progress:
                progress(1)
        return
    own = executor is None
    ex = executor or ProcessPoolExecutor(max_workers=jobs)
    try:
        chunk = max(1, min(16, len(tasks) // (4 * max(jobs, 1)) or 1))
        for row in ex.map(_extract_star, tasks, chunksize=chunk):
            yield row
            if progress:
                progress(1)
    finally:
        if own:
            ex.shutdown()
