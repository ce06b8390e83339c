"""CPU seconds of each part of drawing the report (PDF + HTML) after a warm audit, in one process.

    nice -n 10 .venv/bin/python bench/drawing.py [--root DIR] [--cache DIR] [--repeat 3]

Defaults: the bench's camera corpus of 300 staff and the feature cache of its first repeat (run
bench/bench.py first, so the cache is warm). Each repeat runs in a fresh interpreter; the
figures are the minimum over repeats (CPU time, so a busy machine inflates them less than wall
time, though not nothing). The PDF's two parts are printed one after the other here, so each
part's cost shows; the command line prints them side by side, so the drawing's critical path is
the context, the PDF's HTML, the larger part and the join (report.html is drawn meanwhile).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(tempfile.gettempdir()) / "headshot-audit-bench"
AS_OF = date(2026, 11, 29)  # the bench's audit date


def one_run(root: Path, cache: Path) -> dict[str, float]:
    from audit.cli import _policy
    from audit.pipeline import AuditConfig, run_audit

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        result = run_audit(AuditConfig(portfolio=root, policy=_policy(root, None, False, (), (), ()), as_of=AS_OF,
                                       jobs=2, out_dir=out_dir, cache_dir=cache))

        def timed(name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.process_time()
            value = fn(*args, **kwargs)
            out[name] = time.process_time() - t
            return value

        timed("import weasyprint", __import__, "weasyprint")
        timed("import pypdf", __import__, "pypdf")
        from audit.report.options import ReportOptions
        from audit.report.pdf_print import join_pdfs, split_document
        from audit.report.render import build_context, render_html
        from audit.report.templating import local_only_fetcher
        from weasyprint import HTML

        opts = ReportOptions()
        ctx = timed("context (charts, thumbnails)", build_context, result, None, opts, full=True)
        timed("render report.html", render_html, result, options=opts, medium="html", context=ctx)
        pdf_html = timed("render the PDF's HTML", render_html, result, options=opts, medium="pdf", context=ctx)
        pdfs = []
        for k, part in enumerate(split_document(pdf_html)):
            name = f"part {'AB'[k]}"
            doc = timed(f"{name}: parse", HTML, string=part, base_url=out_dir.as_uri() + "/",
                        url_fetcher=local_only_fetcher(out_dir))
            rendering = timed(f"{name}: layout", doc.render, optimize_images=True, jpeg_quality=70, dpi=150)
            pdfs.append(timed(f"{name}: write", rendering.write_pdf))
            out[f"{name}: pages"] = len(rendering.pages)
        if len(pdfs) > 1:
            timed("join", join_pdfs, pdfs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", type=Path, default=BENCH / "camera-300")
    ap.add_argument("--cache", type=Path, default=BENCH / "runs" / "cache-0")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a single run, as JSON
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_run(args.root, args.cache)))
        return
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        run = subprocess.run([sys.executable, __file__, "--one", "--root", str(args.root), "--cache", str(args.cache)],
                             capture_output=True, text=True, check=True)
        for k, v in json.loads(run.stdout.strip().splitlines()[-1]).items():
            best[k] = min(best.get(k, v), v)
    for k, v in best.items():
        print(f"{k:32s} {v:6.2f}" if "pages" not in k else f"{k:32s} {v:6.0f}")
    parts = [sum(v for k, v in best.items() if k.startswith(p) and "pages" not in k) for p in ("part A", "part B")]
    path = best["context (charts, thumbnails)"] + best["render the PDF's HTML"] + max(parts) + best.get("join", 0)
    print(f"{'critical path, 2 free cores':32s} {path:6.2f}   (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
