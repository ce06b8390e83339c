"""What a run says on the terminal when it is done: the findings by severity, the most frequent
rule codes with their counts (like `ruff --statistics`), the first people in line and where the
report is. Plain text; the command line decides where it goes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .findings import SEVERITIES
from .recommend import ACTION_LABELS, priority_sorted

TOP_CODES = 10
FIRST_PEOPLE = 5


def summary_lines(result: Any, written: list[Path] | None = None, top_codes: int = TOP_CODES,
                  first_people: int = FIRST_PEOPLE) -> list[str]:
    s = result.summary()
    sev = s["by_severity"]
    lines = [f"Audited {s['photos']} photos for {s['staff']} staff: {s['findings']} findings ("
             + ", ".join(f"{sev[k]} {k}" for k in reversed(SEVERITIES)) + ")."]
    counts = Counter(f.code for f in result.findings)
    if counts:
        lines.append("")
        width = len(str(max(counts.values())))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        for code, n in ranked[:top_codes]:
            rule = result.policy.rules[code]
            lines.append(f"  {n:>{width}}  {code:<7} {rule.name:<30} {rule.severity}")
        if len(ranked) > top_codes:
            rest = sum(n for _c, n in ranked[top_codes:])
            lines.append(f"  ... {len(ranked) - top_codes} more codes ({rest} findings)")
    todo = [r for r in priority_sorted(result.recommendations, result.findings) if r.action != "keep"]
    if todo:
        lines += ["", f"First in line ({len(todo)} people need an action):"]
        for i, r in enumerate(todo[:first_people], start=1):
            who = f"{r.name} ({r.employee_id})" if r.name else r.employee_id
            reason = r.reason.removeprefix(f"{who}: ").removeprefix(f"{who} ")  # most messages start with who
            lines.append(f"  {i}. {who}: {ACTION_LABELS[r.action].lower()} ({r.priority}): {_clip(reason)}")
    if written:
        main = min(written, key=lambda p: {".pdf": 0, ".html": 1}.get(p.suffix, 2))
        lines += ["", f"Report: {main}"]
        others = [p.name for p in written if p != main]
        if others:
            lines.append(f"  also {', '.join(others)} in {main.parent}")
    return lines


def _clip(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
