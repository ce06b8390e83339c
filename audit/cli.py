"""The command line. Only this module knows about Click and exit codes: the core raises plain
exceptions, and here they become one-line messages with exit status 2."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .findings import SEVERITIES, severity_rank

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class InputError(click.ClickException):
    """A usage, input or policy error: one line on stderr, exit status 2."""

    exit_code = EXIT_ERROR


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="headshot-audit")
def cli() -> None:
    """Audit a staff headshot portfolio: stale, inconsistent, AI-generated, duplicated and
    misused photos, with a PDF recommendation report."""


@cli.command()
@click.argument("portfolio", type=click.Path(file_okay=False, path_type=Path))
@click.option("--staff", "staff_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="Staff CSV. Default: PORTFOLIO/staff.csv.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Policy TOML file (a copy of rules/default.toml with your changes).")
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
        anonymize: bool, client_name: str | None, consultant: str | None, logo: Path | None,
        accent: str | None) -> None:
    """Audit PORTFOLIO (a folder of photos, with staff.csv at its root) and write the report."""
    from .anonymize import AnonymizeError
    from .cache import CacheError, default_cache_dir
    from .features import default_jobs
    from .history import HistoryError, load_history
    from .inventory import InventoryError
    from .pipeline import AuditConfig, run_audit
    from .policy import PolicyError
    from .report.atomic import OutputError
    from .report.render import ReportError, ReportOptions, check_accent
    from .report.write import write_outputs
    from .staff import StaffError

    fmt = _parse_formats(formats)
    if accent is not None:
        try:
            check_accent(accent, "--accent")
        except ReportError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1], param_hint="'--accent'") from None
    try:
        previous = load_history(previous_path) if previous_path else None
    except HistoryError as exc:
        raise InputError(str(exc)) from None
    options = ReportOptions(template_dir=template_dir, client=client_name, consultant=consultant, logo=logo,
                            accent=accent, anonymize=anonymize)
    config = AuditConfig(portfolio=portfolio, staff_csv=staff_csv, policy_path=policy_path,
                         as_of=_parse_date(as_of), jobs=jobs or default_jobs(), out_dir=out_dir,
                         cache_dir=None if no_cache else (cache_dir or default_cache_dir()),
                         options={"ai_model": str(ai_model.resolve())} if ai_model else {})
    progress = _Progress()
    client = _connect(scheduler) if scheduler else None
    try:
        if client is not None:
            config.executor = client.get_executor()
        result = run_audit(config, progress=progress.step, on_start=progress.start)
        progress.close()
        written = write_outputs(result, out_dir, fmt, template_dir, previous=previous, options=options)
    except (PolicyError, StaffError, InventoryError, OutputError, ReportError, CacheError, HistoryError,
            AnonymizeError) as exc:
        progress.close()
        raise InputError(str(exc)) from None
    finally:
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


def _connect(address: str):  # type: ignore[no-untyped-def]
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs the Dask extra: pip install 'headshot-audit[dask]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {address}: cannot connect: {exc}") from None


@cli.command()
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Show the rules as this policy file sets them.")
def rules(policy_path: Path | None) -> None:
    """List every rule: code, severity, category and what it checks."""
    from .policy import PolicyError, load_policy

    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        raise InputError(str(exc)) from None
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

    from .evaluate import EvaluationError, evaluate_dir, format_text
    from .onnx_detector import OnnxModelError, check_model

    try:
        if ai_model:
            check_model(ai_model)
        result = evaluate_dir(folder, launder=launder, options={"ai_model": str(ai_model)} if ai_model else None)
    except (EvaluationError, OnnxModelError) as exc:
        raise InputError(str(exc)) from None
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
    from .brief import BriefError, write_brief
    from .features import default_jobs
    from .policy import PolicyError
    from .staff import StaffError

    try:
        written = write_brief(portfolio, staff_csv, out_dir, formats, policy_path, jobs=default_jobs())
    except (BriefError, PolicyError, StaffError) as exc:
        raise InputError(str(exc)) from None
    for path in written:
        click.echo(f"  wrote {path}", err=True)


def main() -> None:
    """Console entry point."""
    cli(prog_name="headshot-audit")
