"""Photo workers started at the command's start, when the cache will not answer the photos.

A cold audit's workers were forked when the photo stage began: after this process had imported
pandas and read the policy, the staff CSV and the portfolio (~0.9 s for 300 photos), and then
imported the extractors and loaded the face models (~1.4 s), all on one core while the other sat
idle. Here a child forked at the start (`EarlyWorkers`, the workers' host) imports and loads
those while this process reads its input, then forks the workers itself, so that they are ready
when the photos are, and this process never loads the models at all. A warm run, whose photos
the cache answers, starts nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..cache import count_unmeasured, options_digest
from ..formats import looks_like_photo_by_name
from . import FEATURE_VERSION, one_opencv_thread

_STOP = None  # sent instead of a task list: the host exits


class WorkersStopped(RuntimeError):
    """The workers' host process ended before the photos were measured."""


def _photo_paths(portfolio: Path, skip: Path | None) -> Iterator[Path]:
    """Files under `portfolio` named like photos (hidden folders and `skip` left out): a cheap
    stand-in for the inventory, enough to tell whether any photo will need measuring."""
    skip_dir = skip.resolve() if skip else None
    for folder, dirs, names in os.walk(portfolio):
        dirs[:] = [d for d in dirs if not d.startswith(".")
                   and (skip_dir is None or Path(folder, d).resolve() != skip_dir)]
        for name in names:
            if looks_like_photo_by_name(name):
                yield Path(folder, name)


def _worker_start(conn: Connection) -> None:
    """In each worker the host forks: drop the host's pipe to the audit (so that the audit sees
    the pipe close when the host dies) and die with the host (Linux: no orphan left waiting)."""
    conn.close()
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _host(conn: Connection, jobs: int, options: dict[str, Any]) -> None:
    """The workers' host: loads what every worker needs, forks them, and passes task lists in
    and feature rows out (in order, one message per row) until told to stop."""
    if "cv2" not in sys.modules:  # else set to one thread before this host was forked
        import cv2

        cv2.setNumThreads(1)  # before the workers fork (see `one_opencv_thread`)
    from . import _extract_star, extractors, keep_freed_memory, preload_models

    extractors()
    preload_models(options)
    keep_freed_memory()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                             initializer=_worker_start, initargs=(conn,)) as pool:
        while True:
            try:
                tasks = conn.recv()
            except EOFError:
                return
            if tasks is _STOP:
                return
            for row in pool.map(_extract_star, tasks, chunksize=2):
                conn.send(row)
            conn.send(_STOP)


class EarlyWorkers(Executor):
    """`jobs` photo workers, being readied by a host process forked now. Only `map` of
    `features._extract_star`, as `extract_all` calls it, is supported."""

    def __init__(self, jobs: int, options: dict[str, Any]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe()
        self._proc = ctx.Process(target=_host, args=(theirs, jobs, options), name="headshot-audit photo workers")
        # OpenCV, when this process has used it already (a library caller, the tests)
        with one_opencv_thread():
            self._proc.start()
        theirs.close()
        self._used = False

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any], timeout: float | None = None,
            chunksize: int = 1) -> Iterator[Any]:
        from . import _extract_star

        if fn is not _extract_star or len(iterables) != 1:
            raise TypeError("EarlyWorkers only measures photos (features._extract_star)")
        tasks = list(iterables[0])
        self._used = True

        def rows() -> Iterator[Any]:
            try:
                self._conn.send(tasks)
                for _ in tasks:
                    row = self._recv()
                    if row is _STOP:
                        break
                    yield row
                else:
                    if self._recv() is _STOP:
                        return
            except (EOFError, OSError):
                pass
            self._proc.join(timeout=1)
            raise WorkersStopped(f"the photo workers stopped unexpectedly (exit status {self._proc.exitcode})")

        return rows()

    def _recv(self) -> Any:
        """The host's next message; EOFError once it has died, even if the pipe is still open."""
        while not self._conn.poll(0.5):
            if not self._proc.is_alive():
                raise EOFError
        return self._conn.recv()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the host: at once if it was never given photos (it may still be loading), else
        after it has shut its workers down."""
        if self._proc.is_alive():
            if self._used:
                try:
                    self._conn.send(_STOP)
                except OSError:
                    pass
                self._proc.join(timeout=30)
            if self._proc.is_alive():
                self._proc.kill()
        self._proc.join()
        self._conn.close()


def early_workers(portfolio: Path, jobs: int, cache_dir: Path | None, options: dict[str, Any],
                  out_dir: Path | None = None) -> EarlyWorkers | None:
    """Workers for the photo stage, being readied now, if at least two photos will need them
    (`extract_all` measures a lone photo in this process); else None. Call before this process
    starts any thread (it forks), and shut the result down when the audit ends."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    digest = options_digest(FEATURE_VERSION, options)
    if count_unmeasured(cache_dir, digest, _photo_paths(portfolio, out_dir), enough=2) < 2:
        return None
    return EarlyWorkers(jobs, options)
