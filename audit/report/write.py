"""Write the requested outputs of one audit into one folder, each file atomically."""

from __future__ import annotations

from pathlib import Path

from ..pipeline import AuditResult
from .atomic import OutputError, write_atomic
from .exports import actions_csv, findings_csv, photos_csv, to_json
from .render import render_html, render_pdf

FORMATS = ("pdf", "html", "json", "csv")


def write_outputs(result: AuditResult, out_dir: Path, formats: tuple[str, ...] = FORMATS,
                  template_dir: Path | None = None) -> list[Path]:
    """Write `formats` into `out_dir`; return the paths written. Each file is replaced only
    once its new version is complete, so an interrupted run leaves the previous report."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the output folder: {exc.strerror or exc}") from None
    written: list[Path] = []

    def put(name: str, data: str | bytes) -> None:
        path = out_dir / name
        write_atomic(path, data)
        written.append(path)

    if "json" in formats:
        put("audit.json", to_json(result))
    if "csv" in formats:
        put("findings.csv", findings_csv(result))
        put("photos.csv", photos_csv(result))
        put("actions.csv", actions_csv(result))
    if "html" in formats or "pdf" in formats:
        html = render_html(result, template_dir)
        if "html" in formats:
            put("report.html", html)
        if "pdf" in formats:
            put("report.pdf", render_pdf(html, out_dir))
    return written
