"""Print one report PDF on two processes at once.

Why: laying out and writing the 300-staff PDF took about 6.5 s of one core, the longest wait of
a warm run, while the other core sat idle (the photo workers are done by then). The report's
PDF starts a new page before "Findings by person" anyway, so it is cut there (the template marks
the place with `PART_MARK`) into two whole documents that WeasyPrint lays out side by side.

Page numbers run across the parts: each part lays out its pages, tells the parent how many it
has, and draws its footers only once it knows where it starts and how many pages the whole
report has (WeasyPrint draws the page-margin boxes after pagination; `_numbered` shifts the
page counters it hands them). The parts' PDFs are then joined (pypdf), bookmarks included.

A printer is started before the report context is built, so the processes import WeasyPrint
while the parent gathers the data. Anything the parts cannot do (an older WeasyPrint without
that step, a part process that died) falls back to printing the whole document in the parent.
"""

from __future__ import annotations

import io
import multiprocessing
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..errors import ReportError
from .templating import html_to_pdf

PART_MARK = "<!-- pdf-part -->"


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


def _numbered(conn: Connection) -> None:
    """Make WeasyPrint's margin boxes (the footers) number the pages as part of a larger
    document: at the first page, report this part's page count and wait for (offset, total)."""
    import weasyprint.layout as layout

    original = getattr(layout, "make_margin_boxes", None)
    if original is None:
        raise _Unsupported("weasyprint.layout.make_margin_boxes is missing")
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


def _part(conn: Connection, root_dir: Path | None, options: dict[str, Any]) -> None:
    """A part process: import WeasyPrint now, then print the one part it is sent (None: stop)."""
    try:
        try:
            _numbered(conn)
        except _Unsupported as exc:
            conn.recv()
            conn.send(("unsupported", str(exc)))
            return
        html = conn.recv()
        if html is None:
            return
        conn.send(("pdf", html_to_pdf(html, root_dir, **options)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return
    except Exception as exc:  # sent to the parent, which raises it there
        try:
            conn.send(("error", exc if isinstance(exc, ReportError) else ReportError(f"printing the PDF: {exc}")))
        except Exception:
            pass


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
    """`parts` processes that each print one part of a report PDF; start it early, call
    `pdf(html)` once, always `close()` (a with-block does)."""

    def __init__(self, root_dir: Path | None, parts: int = 2, **options: Any) -> None:
        self.root_dir, self.options = root_dir, options
        # fork on Linux, as the photo workers: quick, and no re-import of the caller's main
        # module (which spawn would run again in every part process)
        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(parts):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=_part, args=(theirs, root_dir, options), daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(ours)
            self.procs.append(proc)

    def __enter__(self) -> "PdfPrinter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def pdf(self, html: str) -> bytes:
        """The PDF of `html`, its marked parts printed side by side."""
        parts = split_document(html)
        if len(parts) != len(self.conns):
            return self._alone(html)
        try:
            for conn, part in zip(self.conns, parts):
                conn.send(part)
            counts = [self._receive(conn, "pages") for conn in self.conns]
            if None in counts:
                return self._alone(html)
            total = sum(counts)
            for k, conn in enumerate(self.conns):
                conn.send((sum(counts[:k]), total))
            pdfs = [self._receive(conn, "pdf") for conn in self.conns]
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError):
            return self._alone(html)  # a part process died: print it here instead
        return join_pdfs(pdfs)

    def _receive(self, conn: Connection, wanted: str) -> Any:
        kind, value = conn.recv()
        if kind == "error":
            raise value
        if kind == "unsupported":
            return None
        if kind != wanted:
            raise ReportError(f"printing the PDF: expected {wanted}, got {kind}")
        return value

    def _alone(self, html: str) -> bytes:
        self.close()
        return html_to_pdf(html, self.root_dir, **self.options)

    def close(self) -> None:
        """Stop the part processes (they end by themselves once their part is printed)."""
        for conn in self.conns:
            try:
                conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            conn.close()
        for proc in self.procs:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        self.conns, self.procs = [], []
