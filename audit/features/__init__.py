"""Per-photo features: one flat row of measured values per photo, nothing about rules.

Each extractor is a function `Decoded -> dict` of JSON-safe scalars (str, int, float, bool,
None). Add a measure by writing a module with such a function and listing it in `_EXTRACTORS`.
Checks read these columns; they never open an image.

The extractor modules (OpenCV, dlib, imagehash) are imported on first use, not with this
package: a warm re-run, answered by the cache, never pays for them.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..cache import FeatureCache, worker_cache
from .decode import DecodeError, Decoded, decode

Extractor = Callable[[Decoded], dict[str, Any]]

# (name, module): each module's `extract`, run in this order.
_EXTRACTORS = [
    ("metadata", "metadata"),
    ("provenance", "provenance"),
    ("hashes", "hashes"),
    ("tone", "tone"),
    ("forensic", "forensic"),
    ("face", "face"),
    ("look", "look"),  # after face: reuses its detection
    ("identity", "identity"),  # only with --identity (options["identity"])
]
_loaded: list[tuple[str, Extractor]] = []


def extractors() -> list[tuple[str, Extractor]]:
    """The extractors, importing their modules on the first call."""
    if not _loaded:
        _loaded.extend((name, importlib.import_module(f".{mod}", __name__).extract) for name, mod in _EXTRACTORS)
    return _loaded


def __getattr__(name: str) -> Any:
    if name == "EXTRACTORS":  # the list, for callers that iterate it
        return extractors()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Bump when any extractor's output changes meaning, so cached rows are recomputed.
FEATURE_VERSION = 11


THUMBNAIL_KEY = "_thumbnail"  # not a feature: taken off the row by extract_all


def read_photo(path: Path) -> bytes:
    """The whole file, read once: its bytes are both hashed for the cache and decoded."""
    return path.read_bytes()


def extract_one(root: str, file: str, options: dict[str, Any] | None = None,
                cache: tuple[str, str] | None = None, thumbnail: bool = False) -> dict[str, Any]:
    """All features of one photo. Never raises: a failure is recorded in `error` / `feature_errors`.

    `cache` is (cache folder, options digest): a photo whose bytes were measured before, under
    any name, is answered from the cache without decoding. `thumbnail`: also return the report's
    thumbnail (JPEG bytes) under THUMBNAIL_KEY, made from the pixels already decoded."""
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
        # A photo is a few MB and a worker holds one at a time; the decoder's size guard still applies.
        data = read_photo(path)
    except OSError as exc:
        row["error"] = f"cannot read file: {exc.strerror or exc}"
        return row
    row["sha256"] = hashlib.sha256(data).hexdigest()
    if cache:
        cached = worker_cache(*cache).get(row["sha256"])
        if cached is not None:
            return cached | {"file": file}
    try:
        decoded = decode(path, file, data)
        del data
        decoded.options = dict(options or {})
    except DecodeError as exc:
        row["error"] = str(exc)
        return row
    except Exception as exc:  # a decoder bug on one file must not stop the batch
        row["error"] = f"cannot decode: {type(exc).__name__}: {exc}"
        return row
    problems = []
    for name, extractor in extractors():
        try:
            row.update(extractor(decoded))
        except Exception as exc:  # one broken measure leaves the others
            problems.append(f"{name}: {type(exc).__name__}: {exc}")
    row["feature_errors"] = "; ".join(problems) or None
    if thumbnail:
        from .thumbnail import jpeg

        try:
            row[THUMBNAIL_KEY] = jpeg(decoded)
        except Exception:  # no thumbnail is not a finding; the report draws a placeholder
            pass
    return row


def _extract_star(args: tuple[Any, ...]) -> dict[str, Any]:
    return extract_one(*args)


def preload_models(options: dict[str, Any]) -> None:
    """Load the face and forensic models in this process (see `landmarks.load_models`). A model
    that cannot be loaded is left alone: each photo then records it as its feature error."""
    from .. import forensic_model
    from . import landmarks

    try:
        landmarks.load_models(identity=bool(options.get("identity")))
    except landmarks.ModelsMissing:
        pass
    try:
        forensic_model.load(options.get("forensic_model"))
    except forensic_model.ModelError:
        pass


def keep_freed_memory() -> None:
    """Let this process (and the workers it forks) keep freed buffers for the next photo.

    Every photo allocates and frees the same few-MB buffers (decoded pixels, float working
    copies). glibc hands a buffer that large back to the kernel when it is freed and maps it
    afresh for the next photo, whose first touch of each page is then a page fault: ~2 ms of
    system time per photo (300 camera photos: 3.3 s of 53 s CPU). With the thresholds raised, the
    heap keeps them; a worker's memory stays at its largest photo's needs. No effect off glibc."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    mallopt(m_mmap_threshold, 64 << 20)
    mallopt(m_trim_threshold, 256 << 20)


@contextmanager
def one_opencv_thread() -> Iterator[None]:
    """OpenCV at one thread while worker processes are forked from this one, restored after. The
    workers already use every core, and OpenCV's thread pool on top of them only adds contention.
    It must be set before the fork: a forked child that sets it waits forever for pool threads
    that were not copied. Without OpenCV imported here, nothing to do (a child that imports it
    sets it itself)."""
    cv2 = sys.modules.get("cv2")
    threads = cv2.getNumThreads() if cv2 else 0
    if cv2:
        cv2.setNumThreads(1)
    try:
        yield
    finally:
        if cv2:
            cv2.setNumThreads(threads)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def extract_all(
    root: Path,
    files: Iterable[str],
    jobs: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    options: dict[str, Any] | None = None,
    cache: FeatureCache | None = None,
    thumbnails: dict[str, bytes] | None = None,
    on_measure: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Feature rows for `files`, in the order given. Cached rows are reused without reading
    the photo; the rest run on `executor`, or on `jobs` worker processes. `thumbnails`, when
    given, is filled with each readable photo's report thumbnail (file -> JPEG bytes), made by
    the workers or kept in the cache, so the report need not decode the photos again.
    `on_measure(k)` is called once the cache has answered, with the k photos left to decode."""
    files = list(files)
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for f in files:
        sha = cache.known_hash(root / f) if cache else None
        cached = cache.get(sha) if cache and sha else None
        if cached is not None:
            rows[f] = cached | {"file": f}
            thumb = cache.thumbnail(sha) if thumbnails is not None else None
            if thumb is not None:
                thumbnails[f] = thumb  # type: ignore[index]
            if progress:
                progress(1)
        else:
            todo.append(f)

    def done(row: dict[str, Any]) -> None:
        thumb = row.pop(THUMBNAIL_KEY, None)
        rows[row["file"]] = row
        if cache and row.get("sha256"):
            cache.put(root / row["file"], row["sha256"], row, thumb)
            if thumb is None and thumbnails is not None:  # same bytes measured before, under another name
                thumb = cache.thumbnail(row["sha256"])
        if thumb is not None and thumbnails is not None:
            thumbnails[row["file"]] = thumb
        if progress:
            progress(1)

    where = (str(cache.directory), cache.digest) if cache else None
    tasks = [(str(root), f, options, where, thumbnails is not None) for f in todo]
    if on_measure:
        on_measure(len(tasks))
    if executor is None and tasks:  # measured here or in workers forked from here
        keep_freed_memory()
    if executor is None and (jobs <= 1 or len(tasks) <= 1):
        for t in tasks:
            done(_extract_star(t))
    elif executor is not None:  # workers of their own (features.early, Dask) measure the photos
        for row in executor.map(_extract_star, tasks, chunksize=2):
            done(row)
    else:
        # our own workers are forked from here: they inherit the imported extractors and the
        # loaded models, instead of each loading them
        extractors()
        preload_models(options or {})
        with one_opencv_thread(), ProcessPoolExecutor(max_workers=jobs) as ex:
            # Two photos per task: a photo costs ~0.1 s of CPU against well under 1 ms to send, and
            # small tasks keep the workers busy to the end (with 16 a task, one worker was left with
            # up to 1.6 s of photos while the other sat idle).
            for row in ex.map(_extract_star, tasks, chunksize=2):
                done(row)
    return [rows[f] for f in files]
