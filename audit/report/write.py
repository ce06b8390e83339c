"""Write the requested outputs of one audit into one folder, each file atomically.

Order of work: anonymise the result first when asked (so no later step can see a real name),
compare with the earlier audits, then export and render from that one result.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from ..history import History, Snapshot, build_history, snapshot_from_result
from ..pipeline import AuditResult
from .atomic import OutputError, write_atomic
from .exports import actions_csv, findings_csv, photos_csv, sources_csv, to_json
from .options import STREAM_FORMATS, ReportOptions
from .split import folder_name, group_results, group_row, resolve_column, staff_columns

if TYPE_CHECKING:
    from .pdf_print import PdfPrinter

FORMATS = ("pdf", "html", "json", "csv", "xlsx")
DEFAULT_FORMATS = ("pdf", "html", "json", "csv")
# The formats that can go to stdout (`--out -`, STREAM_FORMATS): audit.json, or findings.csv for "csv".


def prepare(result: AuditResult, previous: list[Snapshot] | None = None,
            options: ReportOptions | None = None, pseudonym_key: bytes | None = None) -> tuple[AuditResult, History | None]:
    """The result to print (anonymised when `options.anonymize`) and its history."""
    options = options or ReportOptions()
    pseudo = None
    out = result
    if options.anonymize:
        from ..anonymize import Pseudonymizer, load_key, policy_key_path

        pseudo = Pseudonymizer(pseudonym_key or load_key(policy_key_path(result.policy)))
        from ..anonymize import anonymize_result

        out = anonymize_result(result, pseudo)
    history = build_history(previous, snapshot_from_result(result), pseudo) if previous else None
    return out, history


def write_outputs(result: AuditResult, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS,
                  template_dir: Path | None = None, previous: list[Snapshot] | None = None,
                  options: ReportOptions | None = None, pseudonym_key: bytes | None = None,
                  on_part: Callable[[str], None] | None = None, split_by: str | None = None,
                  printer: PdfPrinter | None = None) -> list[Path]:
    """Write `formats` into `out_dir`; return the paths written. Each file is replaced only
    once its new version is complete, so an interrupted run leaves the previous report.
    `previous`: earlier audits (audit.history.load_history) to compare with. `on_part(name)`
    is called as each part begins: "json", "csv", "report" (thumbnails, charts), "html", "pdf",
    "split". `split_by`: a staff column; each of its values also gets
    `by-<column>/<value>/report.html` (and .pdf when pdf is among `formats`) with only that
    group's people. `printer`: a started `pdf_print.PdfPrinter` for report.pdf (the caller
    closes it); without one, one is started here when the policy and --jobs allow."""
    part = on_part or (lambda name: None)
    options = options or ReportOptions(template_dir=template_dir)
    if template_dir and not options.template_dir:
        options.template_dir = template_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from None
    if split_by:
        split_by = resolve_column(split_by, staff_columns(result))  # before anything is written
    shown, history = prepare(result, previous, options, pseudonym_key)
    written: list[Path] = []

    def put(name: str | Path, data: str | bytes) -> None:
        path = out_dir / name
        write_atomic(path, data)
        written.append(path)

    if "json" in formats:
        part("json")
        put("audit.json", to_json(shown, history, anonymized=options.anonymize))
    if "csv" in formats:
        part("csv")
        put("findings.csv", findings_csv(shown))
        put("photos.csv", photos_csv(shown))
        put("actions.csv", actions_csv(shown))
        put("sources_to_confirm.csv", sources_csv(shown))
    if "xlsx" in formats:
        from .workbook import report_xlsx  # openpyxl: imported only when a workbook is asked for

        put("report.xlsx", report_xlsx(shown))
    if "html" in formats or "pdf" in formats or split_by:
        # the renderer (Jinja2, WeasyPrint, charts) only when a report is drawn: a json,csv
        # run, such as a warm re-run in a script, never pays for its imports
        from .pdf_print import pdf_printer
        from .render import build_context, render_html, render_index, render_pdf
    if "html" in formats or "pdf" in formats:
        part("report")
        own = printer is None and "pdf" in formats
        if own:
            printer = pdf_printer(result.policy["report"], result.config.jobs, out_dir)
        with printer if own and printer else nullcontext():
            context = build_context(shown, history, options, full="html" in formats)
            pdf_html = render_html(shown, options=options, medium="pdf", context=context) if "pdf" in formats else ""
            if printer and "pdf" in formats:
                printer.send(pdf_html)  # printed in its processes while report.html is written
            if "html" in formats:
                part("html")
                put("report.html", render_html(shown, options=options, medium="html", context=context))
            if "pdf" in formats:
                part("pdf")
                put("report.pdf", render_pdf(pdf_html, out_dir, printer))
    if split_by:
        part("split")
        base = Path(f"by-{folder_name(split_by)}")
        staff_total = len(shown.staff)
        groups = []
        for value, name, group in group_results(shown, split_by):
            folder = out_dir / base / name
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{folder}: cannot create the folder: {exc.strerror or exc}") from None
            scope = {"column": split_by, "value": value, "staff_total": staff_total}
            context = build_context(group, None, options, full=True, scope=scope)
            put(base / name / "report.html", render_html(group, options=options, medium="html", context=context))
            if "pdf" in formats:
                html = render_html(group, options=options, medium="pdf", context=context)
                put(base / name / "report.pdf", render_pdf(html, folder))
            groups.append(group_row(value, name, group, pdf="pdf" in formats))
        put(base / "index.html", render_index(shown, split_by, groups, options))
    return written


def stream_output(result: AuditResult, fmt: str, previous: list[Snapshot] | None = None,
                  options: ReportOptions | None = None) -> str:
    """One machine format as text, for a pipe: audit.json for "json", findings.csv for "csv"."""
    options = options or ReportOptions()
    shown, history = prepare(result, previous, options)
    if fmt == "json":
        return to_json(shown, history, anonymized=options.anonymize)
    if fmt == "csv":
        return findings_csv(shown)
    raise ValueError(f"{fmt!r} cannot be written to stdout; choose from {', '.join(STREAM_FORMATS)}")
