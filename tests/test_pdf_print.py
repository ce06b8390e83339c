"""The report PDF printed in two parts at once: the same pages, words and page numbers as one
print of the whole document, errors raised in the parent, and the whole document printed in one
go when it has no cut."""

import io
import re

import pytest
from pypdf import PdfReader

from audit.errors import ReportError
from audit.report.pdf_print import PART_MARK, PdfPrinter, join_pdfs, split_document
from audit.report.templating import html_to_pdf

STYLE = """<style>
@page { size: A6; margin: 12mm 10mm 14mm;
  @bottom-left { content: string(doctitle); font-size: 7pt; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7pt; } }
h1 { string-set: doctitle content(); }
section.new-page { page-break-before: always; string-set: doctitle attr(data-running-title); }
p { margin: 0 0 3mm; }
</style>"""


def document(paras_a: int, paras_b: int, cut: bool = True) -> str:
    a = "".join(f"<p>First part, paragraph {i}: {'words ' * 40}</p>" for i in range(paras_a))
    b = "".join(f"<p>Second part, paragraph {i}: {'words ' * 40}</p>" for i in range(paras_b))
    mark = PART_MARK if cut else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title>{STYLE}</head>"
            f"<body class='x'><h1>Quarterly audit</h1><h2>Part one</h2>{a}\n{mark}"
            f"<section class='new-page' data-running-title='Quarterly audit'><h2>Part two</h2>{b}"
            "</section></body></html>")


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def bookmarks(pdf: bytes) -> list[str]:
    def walk(items):
        for o in items:
            yield from walk(o) if isinstance(o, list) else [o.title]
    return list(walk(PdfReader(io.BytesIO(pdf)).outline))


def test_split_document_gives_whole_documents():
    html = document(2, 2)
    first, second = split_document(html)
    for part in (first, second):
        assert part.startswith("<!DOCTYPE html>") and "<style>" in part and "<body class='x'>" in part
        assert part.rstrip().endswith("</html>")
    assert "First part, paragraph 1" in first and "Second part" not in first
    assert "Second part, paragraph 1" in second and "First part" not in second
    assert split_document(document(2, 2, cut=False)) == [document(2, 2, cut=False)]


def test_two_parts_print_the_same_pages_and_numbers_as_one():
    html = document(7, 9)
    alone = page_texts(html_to_pdf(html))
    with PdfPrinter(None) as printer:
        pdf = printer.pdf(html)
    parts = page_texts(pdf)
    assert len(parts) == len(alone) >= 5
    assert parts == alone  # same words on each page, the footers included
    n = len(parts)
    for k, text in enumerate(parts, start=1):
        assert f"Page {k} of {n}" in text and "Quarterly audit" in text
    first_of_b = next(k for k, t in enumerate(parts) if "Part two" in t)
    assert first_of_b > 0 and "First part" not in parts[first_of_b]
    # the bookmarks of both parts survive the join
    assert bookmarks(pdf) == bookmarks(html_to_pdf(html)) == ["Quarterly audit", "Part one", "Part two"]


def test_a_document_without_a_cut_is_printed_whole():
    html = document(3, 3, cut=False)
    with PdfPrinter(None) as printer:
        pdf = printer.pdf(html)
    assert page_texts(pdf) == page_texts(html_to_pdf(html))


def test_an_error_in_a_part_is_raised_in_the_parent(monkeypatch):
    """A part that cannot be printed raises its error in the parent (the part processes are
    forked, so they print with the function patched here)."""
    import audit.report.pdf_print as pdf_print

    real = pdf_print.html_to_pdf

    def failing(html, root_dir=None, **options):
        if "Second part" in html:
            raise ReportError("cannot print the second part")
        return real(html, root_dir, **options)

    monkeypatch.setattr(pdf_print, "html_to_pdf", failing)
    with PdfPrinter(None) as printer:
        with pytest.raises(ReportError, match="cannot print the second part"):
            printer.pdf(document(2, 2))
    assert printer.proc is None  # the printer is stopped


def test_join_keeps_page_order_and_the_first_documents_title():
    one = html_to_pdf("<html><head><title>Alpha</title></head><body><p>one</p></body></html>")
    two = html_to_pdf("<html><head><title>Beta</title></head><body><p>two</p></body></html>")
    joined = join_pdfs([one, two])
    assert page_texts(joined) == ["one", "two"]
    assert PdfReader(io.BytesIO(joined)).metadata.title == "Alpha"


def test_report_pdf_in_two_parts_numbers_pages_across_the_cut(tmp_path):
    """The real report: printed in two parts (with --jobs 2), its page numbers run on across the
    cut and match the page count; 'Findings by person' starts a page."""
    from tests.test_report import fake_result

    from audit.report.write import write_outputs

    result = fake_result(120, tmp_path)
    result.config.jobs = 2
    write_outputs(result, tmp_path / "out", ("pdf",))
    texts = page_texts((tmp_path / "out" / "report.pdf").read_bytes())
    n = len(texts)
    assert [int(m.group(1)) for t in texts for m in [re.search(r"Page (\d+) of " + str(n), t)] if m] \
        == list(range(1, n + 1))
    start = next(k for k, t in enumerate(texts) if "Findings by person" in t)
    assert texts[start].lstrip().startswith("Findings by person")
    assert all("Headshot portfolio audit" in t for t in texts)


def test_a_weasyprint_without_the_margin_step_prints_the_document_whole(monkeypatch):
    """Another WeasyPrint whose layout has no make_margin_boxes to hook: the printer prints the
    whole document in one process, numbered as usual."""
    import weasyprint.layout

    monkeypatch.delattr(weasyprint.layout, "make_margin_boxes")
    monkeypatch.setattr("audit.report.pdf_print.html_to_pdf", lambda html, root_dir=None, **o: html.encode())
    html = document(3, 3)
    with PdfPrinter(None) as printer:
        assert printer.pdf(html) == html.encode()  # the whole document, uncut, in one print


def test_a_margin_step_of_another_shape_prints_the_document_whole(monkeypatch):
    """Another WeasyPrint whose margin-box step is shaped differently: the page-number hook fails
    in the parts, and the printer prints the whole document instead of losing the report."""
    import audit.report.pdf_print as pdf_print

    def hook_of_another_shape(conn):
        raise TypeError("cannot unpack non-iterable PageState object")

    monkeypatch.setattr(pdf_print, "_numbered", hook_of_another_shape)
    html = document(3, 3)
    with PdfPrinter(None) as printer:
        pdf = printer.pdf(html)
    assert page_texts(pdf) == page_texts(html_to_pdf(html))


def test_a_printer_left_open_does_not_hang_the_exit(tmp_path):
    """A program that starts a printer and exits without closing it ends at once (the printer
    is not a daemon: multiprocessing would wait for it at exit)."""
    import subprocess
    import sys

    code = "from audit.report.pdf_print import PdfPrinter\np = PdfPrinter(None)\nprint('started')\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "started" in done.stdout


def test_a_printer_whose_program_is_killed_ends():
    """The program is killed (no exit handlers run): its printer sees the pipe close and ends,
    instead of waiting for a document for ever."""
    import os
    import signal
    import subprocess
    import sys
    import time

    code = ("import time\nfrom audit.report.pdf_print import PdfPrinter\np = PdfPrinter(None)\n"
            "print(p.proc.pid, flush=True)\ntime.sleep(60)\n")
    prog = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    printer = int(prog.stdout.readline())
    prog.send_signal(signal.SIGKILL)
    prog.wait()
    for _ in range(100):  # up to 20 s: the printer may still be importing WeasyPrint
        try:
            os.kill(printer, 0)
        except ProcessLookupError:
            return
        if open(f"/proc/{printer}/stat").read().split(")")[1].split()[0] == "Z":
            return  # ended, not yet reaped (its parent is gone)
        time.sleep(0.2)
    os.kill(printer, signal.SIGKILL)
    raise AssertionError("the printer outlived its program")
