"""Print one report PDF on two processes at once.

Why: laying out and writing the 300-staff PDF took about 6.5 s of one core, the longest wait of
a warm run, while the other core sat idle (the photo workers are done by then). With the
policy's `[report] pdf_in_two_parts`, the report's PDF starts a new page before "Findings by
person", and it is cut there (the template marks the place with `PART_MARK`) into two whole
documents that WeasyPrint lays out side by side.

Page numbers run across the parts: each part lays out its pages, tells the printer how many it
has, and draws its footers only once it knows where it starts and how many pages the whole
report has (WeasyPrint draws the page-margin boxes after pagination; `_numbered` shifts the
page counters it hands them). The parts' PDFs are then joined (pypdf), bookmarks included.

The printer process is forked before the report context is built and imports WeasyPrint
meanwhile; it forks the part processes when the document comes, so WeasyPrint is imported once.
A WeasyPrint without that margin-box step prints the document whole, and a printer that died
is replaced by printing in the parent.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import ReportError
from .templating import html_to_pdf

PART_MARK = "<!-- pdf-part -->"
PDF_OPTIONS = {"optimize_images": True, "jpeg_quality": 70, "dpi": 150}  # images embedded once, compressed


def split_document(html: str) -> list[str]:
    """The document cut at each `PART_MARK` into whole documents: the first keeps what comes
    before the first mark, each later one the head and <body> tag, then its own stretch."""
    pieces = html.split(PART_MARK)
    if len(pieces) == 1:
        return [html]
    body = html.index(">", html.index("<body")) + 1
    head, close = html[:body], "\n</body>\n</html>\n"
    return [pieces[0] + close] + [head + p if i == len(pieces) - 1 else head + p + close
                                  for i, p in enumerate(pieces[1:], start=1)]


class _Unsupported(Exception):
    """This WeasyPrint has no page-margin step to hook: print the whole document in one go."""


def _numbered_supported() -> None:
    import weasyprint.layout as layout

    if not callable(getattr(layout, "make_margin_boxes", None)):
        raise _Unsupported("weasyprint.layout.make_margin_boxes is missing")


def _numbered(conn: Connection) -> None:
    """Make WeasyPrint's margin boxes (the footers) number the pages as part of a larger
    document: at the first page, report this part's page count and wait for (offset, total)."""
    import weasyprint.layout as layout

    _numbered_supported()
    original = layout.make_margin_boxes
    agreed: dict[str, int] = {}

    def make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
        counters = dict(state[1])
        if not agreed:
            conn.send(("pages", counters["pages"][0]))
            agreed["offset"], agreed["total"] = conn.recv()
        counters["page"] = [counters["page"][0] + agreed["offset"]]
        counters["pages"] = [agreed["total"]]
        return original(context, page, (state[0], counters, *state[2:]))

    layout.make_margin_boxes = make_margin_boxes


def _close_all(inherited: list[Connection]) -> None:
    """Close the pipe ends a forked process inherited but does not use: while it holds the other
    end of its own pipe, it would never see its parent die, and wait for ever."""
    for c in inherited:
        c.close()


def _part(conn: Connection, html: str, root_dir: Path | None, options: dict[str, Any],
          inherited: list[Connection]) -> None:
    """A part process (forked by the printer, WeasyPrint already imported): print one part."""
    try:
        _close_all(inherited)
        _numbered(conn)
        conn.send(("pdf", html_to_pdf(html, root_dir, **options)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return
    except Exception as exc:  # sent up, and raised in the parent
        _send_error(conn, exc)


def _send_error(conn: Connection, exc: Exception) -> None:
    try:
        conn.send(("error", exc if isinstance(exc, ReportError) else ReportError(f"printing the PDF: {exc}")))
    except Exception:
        pass


def _receive(conn: Connection, wanted: str) -> Any:
    kind, value = conn.recv()
    if kind == "error":
        raise value
    if kind != wanted:
        raise ReportError(f"printing the PDF: expected {wanted}, got {kind}")
    return value


def print_parts(html: str, root_dir: Path | None, options: dict[str, Any]) -> bytes:
    """The PDF of `html`, each of its marked parts printed by a process of its own (forked from
    this one, so WeasyPrint is imported once), numbered as one document and joined."""
    parts = split_document(html)
    try:
        _numbered_supported()
    except _Unsupported:
        parts = [html]
    if len(parts) == 1:
        return html_to_pdf(html, root_dir, **options)
    ctx = multiprocessing.get_context("fork")
    conns, procs = [], []
    try:
        for part in parts:
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_part, args=(theirs, part, root_dir, options, [*conns, ours, *_UPWARD]),
                               daemon=True)
            proc.start()
            theirs.close()
            conns.append(ours)
            procs.append(proc)
        counts = [_receive(conn, "pages") for conn in conns]
        total = sum(counts)
        for k, conn in enumerate(conns):
            conn.send((sum(counts[:k]), total))
        return join_pdfs([_receive(conn, "pdf") for conn in conns])
    except Exception:
        # A part process died (killed?), or failed: print the document whole instead, below. The
        # page-number hook reaches into WeasyPrint's layout, which another version may shape
        # differently; a report must not be lost to that. An error of the document itself comes
        # back from the whole print.
        pass
    finally:
        _stop(conns, procs)
    return html_to_pdf(html, root_dir, **options)


def _stop(conns: list[Connection], procs: list[Any]) -> None:
    for conn in conns:
        conn.close()  # a process still waiting on its pipe ends
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()
            proc.join()


_UPWARD: list[Connection] = []  # in the printer: its pipe to the parent (the parts close it)


def _printer(conn: Connection, root_dir: Path | None, options: dict[str, Any], inherited: list[Connection]) -> None:
    """The printer process: import WeasyPrint now (while the parent builds the report), then
    print the one document it is sent (None: stop)."""
    _UPWARD[:] = [conn]
    try:
        _close_all(inherited)
        import pypdf  # noqa: F401 (imported once here, while the parent is busy, and
        import weasyprint  # noqa: F401 inherited by the part processes)

        html = conn.recv()
        if html is None:
            return
        conn.send(("pdf", print_parts(html, root_dir, options)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return
    except Exception as exc:
        _send_error(conn, exc)


def join_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF of the given PDFs' pages in order, with their bookmarks and the first one's
    document information (title, author)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(p)) for p in pdfs]
    for reader in readers:
        writer.append(reader)
    if readers[0].metadata:
        writer.add_metadata(dict(readers[0].metadata))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class PdfPrinter:
    """A process that prints one report PDF, its marked parts side by side (see `print_parts`).
    Start it early: it imports WeasyPrint meanwhile. Call `pdf(html)` once (or `send(html)`, other
    work, then `pdf()`); always `close()` (a with-block does). Linux only (it forks); elsewhere the caller prints in-process."""

    def __init__(self, root_dir: Path | None, **options: Any) -> None:
        self.root_dir, self.options = root_dir, options
        self.html = ""
        ctx = multiprocessing.get_context("fork")
        self.conn, theirs = ctx.Pipe()
        # not a daemon: it forks the part processes itself
        self.proc: Any = ctx.Process(target=_printer, args=(theirs, root_dir, options, [self.conn]))
        self.proc.start()
        theirs.close()
        # a caller that exits without close() must not hang in multiprocessing's exit-time join
        # of this (non-daemon) process; this runs before it
        atexit.register(self.close)

    def __enter__(self) -> "PdfPrinter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def send(self, html: str) -> None:
        """Start printing `html` (its parts side by side when it has any); `pdf()` returns it."""
        self.html = html
        try:
            self.conn.send(html)
        except (OSError, ValueError):
            pass  # the printer died: pdf() prints it here

    def pdf(self, html: str | None = None) -> bytes:
        """The PDF of `html`, or of the document given to `send()`."""
        if html is not None:
            self.send(html)
        try:
            return _receive(self.conn, "pdf")
        except (EOFError, ConnectionError):  # the printer died (killed?): print it here instead
            self.close()
            return html_to_pdf(self.html, self.root_dir, **self.options)

    def close(self) -> None:
        """Stop the printer (it ends by itself once it has printed)."""
        if self.proc is None:
            return
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        _stop([self.conn], [self.proc])
        self.proc = None
        atexit.unregister(self.close)


def pdf_printer(report_policy: dict[str, Any], jobs: int, out_dir: Path) -> PdfPrinter | None:
    """A started printer for the report PDF when the policy's `[report] pdf_in_two_parts` asks
    for it and the run's --jobs allows two processes; None otherwise (the PDF is then printed
    in the calling process). Start it early (the command line does, before the audit, when
    the process is still small to fork), and close it (it is a context manager)."""
    if jobs < 2 or not report_policy.get("pdf_in_two_parts", True) or not sys.platform.startswith("linux"):
        return None  # it forks: elsewhere the PDF is printed in-process
    return PdfPrinter(out_dir, **PDF_OPTIONS)
