"""The command line. Only this module knows about Click and exit codes: the core raises plain
exceptions (`audit.errors`), and `_Commands.invoke` turns them into exit statuses in one place:
an input error is one line and exit 2, anything unexpected one line, a saved traceback and exit 3."""

from __future__ import annotations

import atexit
import logging
import os
import sys
import tempfile
import time
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
        except BrokenPipeError:  # the reader of a pipe (`| head`) has had enough: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_OK)
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
    """Progress on stderr, only when stderr is a terminal: a bar for each stage that takes time
    (measuring the photos, checking the set, drawing the report), so the screen never sits at
    100% while work goes on. The time left is measured, not guessed: for the photos, from the
    rate since the first photo came back (photos the cache answers are counted at once, not as
    speed, and the workers' start-up is left out);
    for the drawing, from the parts drawn so far, each weighted by its usual share of the
    drawing time (measured by bench/bench.py on 300 camera photos)."""

    # "report": the context and the PDF's HTML; "html": report.html, drawn while the PDF prints;
    # "pdf": waiting for the PDF's two parts (2026-12-02, 300 staff: ~0.3, ~0.25, ~3.7 s CPU)
    DRAWING_PARTS = {"json": 0.01, "csv": 0.01, "report": 0.07, "html": 0.06, "pdf": 0.85}

    def __init__(self, enabled: bool = True) -> None:
        self.bar = None
        self.tty = enabled and sys.stderr.isatty()
        self.started = 0.0
        self.done = self.left_from = 0
        self.first: tuple[float, int] | None = None  # (time, photos) at the first measured photo
        self.parts: list[str] = []

    def _open(self, label: str, length: int) -> None:
        self.close(finished=True)
        self.started = time.monotonic()
        if self.tty and length:
            self.bar = click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False,
                                         item_show_func=lambda text: text)
            self.bar.__enter__()

    def _left(self, fraction_done: float) -> str | None:
        spent = time.monotonic() - self.started
        if fraction_done <= 0 or spent < 0.5:
            return None
        return f"about {_duration(spent / fraction_done * (1 - fraction_done))} left"

    def start(self, total: int) -> None:
        """The photo stage begins with `total` photos."""
        self.done = self.left_from = 0
        self._open("Measuring photos", total)

    def stage(self, name: str, count: int) -> None:
        """A stage of the audit begins: "measure" (`count` photos the cache cannot answer) or
        "check" (house style and rules over `count` photos)."""
        if name == "measure":
            self.left_from, self.first = self.done, None
        elif name == "check":
            self._open("Checking the set", 1)

    def step(self, n: int) -> None:
        self.done += n
        if not self.bar:
            return
        measured, todo = self.done - self.left_from, self.bar.length - self.left_from
        left = None
        if measured > 0 and self.first is None:
            # The first photo back also carries the workers' start-up: time the rest from here.
            self.first = (time.monotonic(), measured)
        elif self.first is not None:
            t0, m0 = self.first
            spent = time.monotonic() - t0
            if spent < 0.05:  # the same batch as the first photo (workers return several at once)
                self.first = (t0, measured)
            elif spent >= 0.5:
                left = f"about {_duration(spent / (measured - m0) * (todo - measured))} left"
        self.bar.update(n, left)

    def drawing(self, formats: list[str]) -> None:
        """Writing `formats` begins (the parts in the order write_outputs draws them)."""
        wanted = set(formats) | ({"report"} if {"html", "pdf"} & set(formats) else set())
        self.parts = [p for p in self.DRAWING_PARTS if p in wanted]
        self._open("Drawing the report" if {"html", "pdf"} & set(self.parts) else "Writing the outputs", 100)

    def part(self, name: str) -> None:
        """write_outputs starts drawing part `name`: the bar moves past the parts before it."""
        if not self.bar or name not in self.parts:
            return
        total = sum(self.DRAWING_PARTS[p] for p in self.parts)
        done = sum(self.DRAWING_PARTS[p] for p in self.parts[: self.parts.index(name)]) / total
        self.bar.update(round(100 * done) - self.bar.pos, self._left(done) or name)

    def close(self, finished: bool = False) -> None:
        """End the current bar; `finished` fills it first (not when an error stops the run)."""
        if self.bar:
            if finished:
                self.bar.update(self.bar.length - self.bar.pos)
            self.bar.__exit__(None, None, None)
            self.bar = None


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="headshot-audit")
def cli() -> None:
    """Audit a staff headshot portfolio: stale, inconsistent, AI-generated, duplicated and
    misused photos, with a PDF recommendation report."""
    _show_warnings()


class _WarningLine(logging.Handler):
    """The core's warnings (and, with --verbose, its progress notes) from the `audit` logger,
    one line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        kind = "warning: " if record.levelno >= logging.WARNING else ""
        click.echo(f"headshot-audit: {kind}{' '.join(record.getMessage().split())}", err=True)


def _show_warnings(level: int = logging.WARNING) -> None:
    log = logging.getLogger("audit")
    log.setLevel(level)
    log.propagate = False
    if not any(isinstance(h, _WarningLine) for h in log.handlers):
        log.addHandler(_WarningLine())


def _policy_options(fn: Any) -> Any:
    fn = click.option("--isolated", is_flag=True,
                      help="Do not look for headshot-audit.toml or a pyproject.toml: the default policy "
                           "(or --policy) only.")(fn)
    return click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
                        help="Policy TOML file (a copy of rules/default.toml with your changes). Default: "
                             "PORTFOLIO/headshot-audit.toml, else [tool.headshot-audit] in the pyproject.toml of "
                             "the current folder or a parent, else the built-in defaults.")(fn)


def _selection_options(fn: Any) -> Any:
    what = "by code (ROL001), prefix (STL) or category (consistency); comma-separated or repeated"
    fn = click.option("--ignore", multiple=True, metavar="RULES", help=f"Switch these rules off, {what}.")(fn)
    fn = click.option("--extend-select", multiple=True, metavar="RULES",
                      help=f"Switch these rules on in addition to the policy's, {what}.")(fn)
    return click.option("--select", multiple=True, metavar="RULES",
                        help=f"Run only these rules (instead of those the policy switches on), {what}.")(fn)


def _verbosity_options(fn: Any) -> Any:
    fn = click.option("-v", "--verbose", is_flag=True, help="Also say what the run is doing (on stderr).")(fn)
    return click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")(fn)


def _verbosity(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise UsageError("--quiet and --verbose contradict each other; give one")
    _show_warnings(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)


def _split(values: tuple[str, ...]) -> list[str]:
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def _policy(portfolio: Path | None, policy_path: Path | None, isolated: bool, select: tuple[str, ...] = (),
            extend_select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> Any:
    """The run's policy: --policy, else the one found beside the work (unless --isolated), with
    the command line's rule selection applied."""
    from .policy import discover_policy, load_policy, select_rules

    if policy_path is not None or isolated:
        policy = load_policy(policy_path)
    else:
        policy = discover_policy(portfolio, Path.cwd())
    return select_rules(policy, _split(select) if select else None, _split(extend_select), _split(ignore))


def _input_arguments(command: Any) -> Any:
    """PORTFOLIO, --staff, --policy and --isolated: what `run` and `inspect` read."""
    command = _policy_options(command)
    command = click.option("--staff", "staff_csv", type=click.Path(dir_okay=False, path_type=Path),
                           help="Staff CSV. Default: PORTFOLIO/staff.csv.")(command)
    return click.argument("portfolio", type=click.Path(file_okay=False, path_type=Path))(command)


@cli.command()
@_input_arguments
@_selection_options
@_verbosity_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, allow_dash=True, path_type=Path),
              default=Path("audit-report"), show_default=True,
              help="Output folder (created if missing); '-' writes the one machine format given with --format "
                   "(json: audit.json, csv: findings.csv) to stdout.")
@click.option("--format", "formats", default="pdf,html,json,csv", show_default=True,
              help="Comma-separated outputs: pdf, html, json, csv, xlsx (report.xlsx: actions, findings, photos).")
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
@click.option("--identity", is_flag=True,
              help="Compare the faces (a face descriptor per photo, about 0.15 s each, cached): one face under "
                   "two people; with --previous, a new photo of someone else. The descriptors go into "
                   "audit.json (biometric data: keep it as confidential as the photos; --anonymize leaves "
                   "them out).")
@click.option("--client", "client_name", default=None,
              help="Client name on the cover (overrides the policy's [report] client).")
@click.option("--consultant", default=None, help="Consultant name on the cover (overrides [report] consultant).")
@click.option("--logo", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Logo for the cover, PNG, JPEG or SVG (overrides [report] logo).")
@click.option("--accent", default=None, metavar="#RRGGBB",
              help="Accent colour of the report (overrides [report] accent_color).")
@click.option("--split-by", "split_by", default=None, metavar="COLUMN",
              help="Also write one report per value of this staff column (e.g. department): "
                   "by-COLUMN/VALUE/report.html, and .pdf when pdf is among the formats.")
def run(portfolio: Path, staff_csv: Path | None, policy_path: Path | None, isolated: bool, select: tuple[str, ...],
        extend_select: tuple[str, ...], ignore: tuple[str, ...], quiet: bool, verbose: bool, out_dir: Path, formats: str,
        as_of: str | None, jobs: int | None, fail_on: str | None, scheduler: str | None, ai_model: Path | None,
        cache_dir: Path | None, no_cache: bool, template_dir: Path | None, previous_path: Path | None,
        sources_csv: Path | None, relearn_style: bool, anonymize: bool, identity: bool,
        client_name: str | None, consultant: str | None, logo: Path | None,
        accent: str | None, split_by: str | None) -> None:
    """Audit PORTFOLIO (a folder of photos, with staff.csv at its root) and write the report.

    The summary (findings by severity, the most frequent rules, the first people in line, where
    the report is) goes to stdout; progress and warnings go to stderr."""
    from .cache import default_cache_dir
    from .features import default_jobs
    from .features.early import early_workers
    from .report.options import STREAM_FORMATS, ReportError, ReportOptions, check_accent

    _verbosity(quiet, verbose)
    fmt = _parse_formats(formats)
    if relearn_style and previous_path is None:
        raise click.BadParameter("only means something with --previous (the earlier audit whose house style is kept)",
                                 param_hint="'--relearn-style'")
    to_stdout = str(out_dir) == "-"
    if to_stdout and (len(fmt) != 1 or fmt[0] not in STREAM_FORMATS):
        raise UsageError(f"--out - writes one machine format to stdout: give --format "
                         f"{' or --format '.join(STREAM_FORMATS)} (got {','.join(fmt)})")
    if accent is not None:
        try:
            check_accent(accent, "--accent")
        except ReportError as exc:
            raise click.BadParameter(str(exc).split(": ", 1)[-1], param_hint="'--accent'") from None
    jobs = jobs or default_jobs()
    cache_dir = None if no_cache else (cache_dir or default_cache_dir())
    measure = ({"ai_model": str(ai_model.resolve())} if ai_model else {}) | ({"identity": True} if identity else {})
    # forked first, before this process has threads or imports pandas: they load the face models
    # while the input is read (features/early.py)
    workers = None if scheduler else early_workers(portfolio, jobs, cache_dir, measure, None if to_stdout else out_dir)
    progress = _Progress(enabled=not quiet)
    printer = client = None
    try:
        from .console import summary_lines
        from .history import load_history
        from .pipeline import AuditConfig, run_audit
        from .report.write import stream_output, write_outputs

        policy = _policy(portfolio, policy_path, isolated, select, extend_select, ignore)
        previous = load_history(previous_path) if previous_path else None
        options = ReportOptions(template_dir=template_dir, client=client_name, consultant=consultant, logo=logo,
                                accent=accent, anonymize=anonymize)
        config = AuditConfig(portfolio=portfolio, staff_csv=staff_csv, policy=policy, as_of=_parse_date(as_of),
                             jobs=jobs, out_dir=None if to_stdout else out_dir, cache_dir=cache_dir, options=measure,
                             sources_csv=sources_csv, executor=workers,
                             previous_faces=previous[-1].faces() if identity and previous else {})
        if previous and not relearn_style:
            from .history import kept_style

            config.style_baseline, config.style_baseline_from = kept_style(previous, config.as_of)
        if "pdf" in fmt and not to_stdout:
            from .report.pdf_print import pdf_printer

            # forked now, while this process is small and has no threads: it imports WeasyPrint
            # during the audit, and forks the PDF's two part processes when the report is drawn
            printer = pdf_printer(policy["report"], config.jobs, out_dir)
        client = _connect(scheduler) if scheduler else None
        if client is not None:
            config.executor = client.get_executor()
        split = {"by": split_by}

        def on_input(summary: dict) -> None:  # type: ignore[type-arg]
            if not quiet:
                _echo_input(summary)
            if split_by:  # the CSV's header or the column's name; a misspelt one stops here, before any decoding
                from .report.split import resolve_column

                read = {h["header"]: h["read_as"] for h in summary["headers"] if h.get("read_as")}
                split["by"] = resolve_column(split_by, read | {c: c for c in read.values()})

        result = run_audit(config, progress=progress.step, on_start=progress.start, on_input=on_input,
                           on_stage=progress.stage)
        if to_stdout:
            progress.close(finished=True)
            click.echo(stream_output(result, fmt[0], previous=previous, options=options), nl=False)
            written = []
        else:
            progress.drawing(list(fmt))
            written = write_outputs(result, out_dir, fmt, template_dir, previous=previous, options=options,
                                    on_part=progress.part, split_by=split["by"], printer=printer)
            progress.close(finished=True)
    finally:
        progress.close()
        if printer is not None:
            printer.close()
        if client is not None:
            client.close()
        if workers is not None:
            workers.shutdown()
    if not quiet:
        # stdout is the data when it is a pipe for --out -; the summary then goes to stderr
        click.echo("\n".join(summary_lines(result, written)), err=to_stdout)
    worst = result.worst_severity()
    if fail_on and worst and severity_rank(worst) >= severity_rank(fail_on.lower()):
        click.get_current_context().exit(EXIT_FINDINGS)


def _echo_input(summary: dict) -> None:  # type: ignore[type-arg]
    from .input_summary import format_summary

    for line in format_summary(summary):
        click.echo(line, err=True)


@cli.command()
@_input_arguments
def inspect(portfolio: Path, staff_csv: Path | None, policy_path: Path | None, isolated: bool) -> None:
    """Show how the staff CSV and the photo files are read (each header, leavers, how photos
    match people) without decoding any image: run it before the first audit."""
    from .input_summary import format_summary, read_input

    read = read_input(portfolio, staff_csv, _policy(portfolio, policy_path, isolated), date.today())
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
@_policy_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: for reading; json: every rule's policy entry with its parameters, for tools.")
def rules(policy_path: Path | None, isolated: bool, fmt: str) -> None:
    """List every rule: code, severity, category, action, what it checks and its parameters, as
    the policy in use sets them (found like `run` finds it, from the current folder)."""
    import json

    from .checks import rule_record

    policy = _policy(None, policy_path, isolated)
    records = [rule_record(r) for _c, r in sorted(policy.rules.items())]
    if fmt == "json":
        click.echo(json.dumps({"policy": policy.source, "rules": records}, indent=1, ensure_ascii=False))
        return
    for r in records:
        state = "" if r["enabled"] else "  (disabled)"
        click.echo(f"{r['code']:<7} {r['severity']:<8} {r['category']:<12} {r['action']:<8} {r['name']}{state}")
        click.echo(f"        {r['summary']}")
        for name, param in r["params"].items():
            click.echo(f"        {name} = {param['value']!r}  ({param['help']}; {param['valid']})")


@cli.command()
@click.argument("code")
@_policy_options
def explain(code: str, policy_path: Path | None, isolated: bool) -> None:
    """Explain rule CODE (e.g. STL001, or its name stale-photo): what it checks, why it matters,
    what to do, its severity, action and parameters in the policy in use."""
    import difflib

    from .checks import rule_record
    from .recommend import ACTION_LABELS

    policy = _policy(None, policy_path, isolated)
    by_name = {r.name: c for c, r in policy.rules.items()}
    found = code.strip().upper() if code.strip().upper() in policy.rules else by_name.get(code.strip().lower())
    if found is None:
        near = difflib.get_close_matches(code.strip().upper(), list(policy.rules), n=3) or \
            difflib.get_close_matches(code.strip().lower(), list(by_name), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else "; `headshot-audit rules` lists them"
        raise UsageError(f"no rule {code!r}{hint}")
    r = rule_record(policy.rules[found])
    lines = [f"{r['code']} {r['name']}" + ("" if r["enabled"] else " (disabled in this policy)"), "",
             r["summary"], "", f"What to do: {r['recommendation']}", "",
             f"Category:  {r['category']}", f"Severity:  {r['severity']}",
             f"Action:    {r['action']} ({ACTION_LABELS[r['action']]})", f"Check:     {r['check']}"]
    if r["params"]:
        lines += ["", f"Parameters ([rules.{found}.params]):"]
        lines += [f"  {n} = {p['value']!r}: {p['help']} ({p['valid']})" for n, p in r["params"].items()]
    for table in r["tables"]:
        lines += ["", f"Also reads the policy's [{table}] table (see rules/default.toml)."]
    lines += ["", f"Policy: {policy.source}"]
    click.echo("\n".join(lines))


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
@_policy_options
@_verbosity_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("brief"),
              show_default=True, help="Output folder (created if missing).")
@click.option("--format", "formats", default="md,pdf", show_default=True, help="Comma-separated outputs: md, pdf.")
def brief(portfolio: Path, staff_csv: Path | None, policy_path: Path | None, isolated: bool, quiet: bool,
          verbose: bool, out_dir: Path, formats: str) -> None:
    """Write a one-page house-style brief (backdrop colour, crop, head size, eye line, light,
    minimum size) of PORTFOLIO's main style, for a photographer or an AI headshot service."""
    from .brief import write_brief
    from .features import default_jobs

    _verbosity(quiet, verbose)
    policy = _policy(portfolio, policy_path, isolated)
    written = write_brief(portfolio, staff_csv, out_dir, formats, policy, jobs=default_jobs())
    if not quiet:
        click.echo("\n".join(f"wrote {path}" for path in written))


def main() -> None:
    """Console entry point. The process ends without Python's teardown, which frees every object
    and module one by one (~0.35 s of a 2 s warm audit) for nothing: by then the outputs are
    written and closed and the child processes ended; the exit handlers still run, and the
    streams are flushed."""
    try:
        cli(prog_name="headshot-audit")
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), or a closed stream
            pass
    os._exit(code or 0)
