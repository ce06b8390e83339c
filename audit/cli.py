"""The command line. Only this module knows about Click and exit codes: the core raises plain
exceptions (`audit.errors`), and `_Commands.invoke` turns them into exit statuses in one place:
an input error is one line and exit 2, anything unexpected one line, a saved traceback and exit 3."""

from __future__ import annotations

import logging
import sys
import tempfile
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import AuditError, UsageError
from .findings import SEVERITIES, severity_rank

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_CRASH = 3


class _Failure(click.ClickException):
    """An AuditError as Click prints it: "Error: <one line>" on stderr, exit status 2."""

    exit_code = EXIT_ERROR


def save_traceback(exc: BaseException) -> Path | None:
    """Write the traceback of an unexpected error to a file a user can attach to a bug report:
    the user's state folder, else the temporary folder. None if neither is writable."""
    from platformdirs import user_state_dir

    text = "".join(traceback.format_exception(exc))
    name = f"crash-{datetime.now():%Y%m%d-%H%M%S}-{id(exc):x}.txt"
    for folder in (Path(user_state_dir("headshot-audit")), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(f"headshot-audit {__version__}\n{' '.join(sys.argv)}\n\n{text}", encoding="utf-8")
            return path
        except OSError:
            continue
    return None


class _Commands(click.Group):
    """The one place where errors become exit statuses."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuditError as exc:
            raise _Failure(" ".join(str(exc).split())) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the details in a file
            path = save_traceback(exc)
            where = f"the traceback is in {path}" if path else "no traceback could be saved"
            first = (str(exc).splitlines() or [""])[0][:200]
            click.echo(f"headshot-audit: internal error ({type(exc).__name__}: {first}); {where}. "
                       "Please report it with that file.", err=True)
            ctx.exit(EXIT_CRASH)


def _parse_formats(value: str) -> tuple[str, ...]:
    from .report.write import FORMATS

    parts = tuple(dict.fromkeys(p.strip().lower() for p in value.split(",") if p.strip()))
    bad = [p for p in parts if p not in FORMATS]
    if bad or not parts:
        raise click.BadParameter(f"{', '.join(bad) or value!r} is not a format; choose from {', '.join(FORMATS)}",
                                 param_hint="'--format'")
    return parts


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint="'--as-of'") from None


class _Progress:
    """A progress bar on stderr for the photo stage, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(length=total, label="Auditing photos", file=sys.stderr)
            self.bar.__enter__()

    def step(self, n: int) -> None:
        if self.bar:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="headshot-audit")
def cli() -> None:
    """Audit a staff headshot portfolio: stale, inconsistent, AI-generated, duplicated and
    misused photos, with a PDF recommendation report."""
    _show_warnings()


class _WarningLine(logging.Handler):
    """The core's warnings (the `audit` logger) as one line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"headshot-audit: warning: {' '.join(record.getMessage().split())}", err=True)


def _show_warnings(level: int = logging.WARNING) -> None:
    log = logging.getLogger("audit")
    log.setLevel(level)
    log.propagate = False
    if not any(isinstance(h, _WarningLine) for h in log.handlers):
        log.addHandler(_WarningLine())


def _input_arguments(command: Any) -> Any:
    """PORTFOLIO, --staff and --policy: what `run` and `inspect` read."""
    command = click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
                           help="Policy TOML file (a copy of rules/default.toml with your changes).")(command)
    command = click.option("--staff", "staff_csv", type=click.Path(dir_okay=False, path_type=Path),
                           help="Staff CSV. Default: PORTFOLIO/staff.csv.")(command)
    return click.argument("portfolio", type=click.Path(file_okay=False, path_type=Path))(command)


@cli.command()
@_input_arguments
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("audit-report"),
              show_default=True, help="Output folder (created if missing).")
@click.option("--format", "formats", default="pdf,html,json,csv", show_default=True,
              help="Comma-separated outputs: pdf, html, json, csv.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Audit date for photo ages. Default: today.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Parallel worker processes for the photo stage. Default: all cores.")
@click.option("--fail-on", type=click.Choice(SEVERITIES, case_sensitive=False), default=None,
              help="Exit 1 if any finding is at or above this severity.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Send the per-photo work to a Dask distributed scheduler (tcp://host:8786); its workers "
                   "must see the portfolio at the same path. Needs headshot-audit[dask].")
@click.option("--ai-model", "ai_model", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Your own ONNX AI-image classifier, added to the forensic evidence (needs "
                   "headshot-audit[onnx]; see docs/ai-detection.md for the input/output convention).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Feature cache folder, so unchanged photos are not decoded again. Default: the user cache dir.")
@click.option("--no-cache", is_flag=True, help="Measure every photo afresh and store nothing.")
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Folder with your own report.html / report.css; package templates fill the rest.")
@click.option("--previous", "previous_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="An earlier audit.json, or a folder of them (audit history): report what changed and the trends.")
@click.option("--sources", "sources_csv", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A filled-in sources_to_confirm.csv from an earlier run: its photo_source answers count as "
                   "declared sources (where the staff CSV has none).")
@click.option("--relearn-style", is_flag=True,
              help="With --previous: learn the house style afresh from this set instead of keeping last "
                   "quarter's (use after a deliberate change of style).")
@click.option("--anonymize", is_flag=True,
              help="Stable pseudonyms for names, ids, e-mails and files in every output; no faces in the report.")
@click.option("--client", "client_name", default=None,
              help="Client name on the cover (overrides the policy's [report] client).")
@click.option("--consultant", default=None, help="Consultant name on the cover (overrides [report] consultant).")
@click.option("--logo", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Logo for the cover, PNG, JPEG or SVG (overrides [report] logo).")
@click.option("--accent", default=None, metavar="#RRGGBB",
              help="Accent colour of the report (overrides [report] accent_color).")
def run(portfolio: Path, staff_csv: Path | None, policy_path: Path | None, out_dir: Path, formats: str,
        as_of: str | None, jobs: int | None, fail_on: str | None, scheduler: str | None, ai_model: Path | None,
        cache_dir: Path | None, no_cache: bool, template_dir: Path | None, previous_path: Path | None,
        sources_csv: Path | None, relearn_style: bool, anonymize: bool, client_name: str | None, consultant: str | None, logo: Path | None,
        accent: str | None) -> None:
    """Audit PORTFOLIO (a folder of photos, with staff.csv at its root) and write the report."""
    from .cache import default_cache_dir
    from .features import default_jobs
    from .history import load_history
    from .pipeline import AuditConfig, run_audit
    from .report.render import ReportError, ReportOptions, check_accent
    from .report.write import write_outputs

    fmt = _parse_formats(formats)
    if relearn_style and previous_path is None:
        raise click.BadParameter("only means something with --previous (the earlier audit whose house style is kept)",
                                 param_hint="'--relearn-style'")
    if accent is not None:
        try:
            check_accent(accent, "--accent")
        except ReportError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1], param_hint="'--accent'") from None
    previous = load_history(previous_path) if previous_path else None
    options = ReportOptions(template_dir=template_dir, client=client_name, consultant=consultant, logo=logo,
                            accent=accent, anonymize=anonymize)
    config = AuditConfig(portfolio=portfolio, staff_csv=staff_csv, policy_path=policy_path,
                         as_of=_parse_date(as_of), jobs=jobs or default_jobs(), out_dir=out_dir,
                         cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
                         options={"ai_model": str(ai_model.resolve())} if ai_model else {},
                         sources_csv=sources_csv)
    if previous and not relearn_style:
        from .history import kept_style

        config.style_baseline, config.style_baseline_from = kept_style(previous, config.as_of)
    progress = _Progress()
    client = _connect(scheduler) if scheduler else None
    try:
        if client is not None:
            config.executor = client.get_executor()
        result = run_audit(config, progress=progress.step, on_start=progress.start, on_input=_echo_input)
        progress.close()
        written = write_outputs(result, out_dir, fmt, template_dir, previous=previous, options=options)
    finally:
        progress.close()
        if client is not None:
            client.close()
    s = result.summary()
    sev = s["by_severity"]
    click.echo(f"Audited {s['photos']} photos for {s['staff']} staff: {s['findings']} findings "
               f"({sev['critical']} critical, {sev['high']} high, {sev['medium']} medium, {sev['low']} low, "
               f"{sev['info']} info).", err=True)
    for path in written:
        click.echo(f"  wrote {path}", err=True)
    worst = result.worst_severity()
    if fail_on and worst and severity_rank(worst) >= severity_rank(fail_on.lower()):
        click.get_current_context().exit(EXIT_FINDINGS)


def _echo_input(summary: dict) -> None:  # type: ignore[type-arg]
    from .input_summary import format_summary

    for line in format_summary(summary):
        click.echo(line, err=True)


@cli.command()
@_input_arguments
def inspect(portfolio: Path, staff_csv: Path | None, policy_path: Path | None) -> None:
    """Show how the staff CSV and the photo files are read (each header, leavers, how photos
    match people) without decoding any image: run it before the first audit."""
    from .input_summary import format_summary, read_input
    from .policy import load_policy

    read = read_input(portfolio, staff_csv, load_policy(policy_path), date.today())
    for line in format_summary(read.summary):
        click.echo(line)


def _connect(address: str):  # type: ignore[no-untyped-def]
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs the Dask extra: pip install 'headshot-audit[dask]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--scheduler {address}: cannot connect: {exc}") from None


@cli.command()
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Show the rules as this policy file sets them.")
def rules(policy_path: Path | None) -> None:
    """List every rule: code, severity, category and what it checks."""
    from .policy import load_policy

    policy = load_policy(policy_path)
    for code, r in sorted(policy.rules.items()):
        state = "" if r.enabled else "  (disabled)"
        click.echo(f"{code}  {r.severity:<8} {r.category:<11} {r.name}{state}")
        click.echo(f"        {r.summary}")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--launder", is_flag=True, help="Remove format cues first: square crop, 512 px, no metadata, JPEG q70-95.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--ai-model", "ai_model", type=click.Path(dir_okay=False, path_type=Path),
              help="A user ONNX detector to run alongside the built-in forensic model.")
def evaluate(folder: Path, launder: bool, as_json: bool, ai_model: Path | None) -> None:
    """Measure the AI detector on FOLDER (manifest.csv with file,label[,source_repo], or real/ and ai/)."""
    import json

    from .evaluate import evaluate_dir, format_text
    from .onnx_detector import check_model

    if ai_model:
        check_model(ai_model)
    result = evaluate_dir(folder, launder=launder, options={"ai_model": str(ai_model)} if ai_model else None)
    click.echo(json.dumps(result, indent=1) if as_json else format_text(result))


@cli.command()
@click.argument("portfolio", type=click.Path(file_okay=False, path_type=Path))
@click.option("--staff", "staff_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="Staff CSV: learn from each person's primary photo. Default: every photo in PORTFOLIO.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Policy TOML file (its [consistency] settings are used).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("brief"),
              show_default=True, help="Output folder (created if missing).")
@click.option("--format", "formats", default="md,pdf", show_default=True, help="Comma-separated outputs: md, pdf.")
def brief(portfolio: Path, staff_csv: Path | None, policy_path: Path | None, out_dir: Path, formats: str) -> None:
    """Write a one-page house-style brief (backdrop colour, crop, head size, eye line, light,
    minimum size) of PORTFOLIO's main style, for a photographer or an AI headshot service."""
    from .brief import write_brief
    from .features import default_jobs

    written = write_brief(portfolio, staff_csv, out_dir, formats, policy_path, jobs=default_jobs())
    for path in written:
        click.echo(f"  wrote {path}", err=True)


def main() -> None:
    """Console entry point."""
    cli(prog_name="headshot-audit")
