"""Charts for the report, drawn with matplotlib (Agg, no display) as inline SVG.

Made for print and for a greyscale photocopy: every series differs by hatch pattern or line
style as well as by colour, values are written on the bars, and policy thresholds are labelled
lines, not colours. Text stays text in the SVG (DejaVu Sans), so it is sharp, searchable and
found by pdftotext. Each chart is a string of `<svg>` markup with its ids prefixed, so several
can sit in one HTML page.
"""

from __future__ import annotations

import io
import itertools
import textwrap
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import rcParams  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

ACCENT = "#1f4e79"
# Severity fills run dark to light so they stay apart in greyscale; hatches make sure. Hatches are
# lines only: matplotlib draws a dot hatch ('..') as hundreds of circles in one 68 KB SVG
# pattern, which WeasyPrint parsed and painted again for every bar (40 of the 100 s it spent
# writing a 300-person PDF on a busy machine).
SEVERITY_STYLE = {
    "critical": ("#5c000c", "xxx"),
    "high": ("#b03a2e", "///"),
    "medium": ("#e0a030", "\\\\\\"),
    "low": ("#9fb8d0", "---"),
    "info": ("#e6e6e6", ""),
}
SOURCE_STYLE = {  # photo source -> (fill, hatch, label)
    "photographer": ("#1f4e79", "", "photographer"),
    "ai": ("#e0a030", "///", "AI"),
    "self": ("#9fb8d0", "---", "self-taken"),
    "unknown": ("#d9d9d9", "xx", "unknown"),
}
_counter = itertools.count(1)


def _setup() -> None:
    rcParams.update({
        "font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
        "xtick.labelsize": 7.5, "ytick.labelsize": 7.5, "legend.fontsize": 7.5,
        "svg.fonttype": "none", "svg.hashsalt": "headshot-audit", "hatch.linewidth": 0.6,
        "axes.spines.top": False, "axes.spines.right": False, "axes.edgecolor": "#555",
        "axes.titleweight": "bold", "axes.titlelocation": "left", "hatch.color": "#222",
    })


def _svg(fig: Any, title: str) -> str:
    """The figure as `<svg>` markup: no XML prolog, scalable, ids unique in the page."""
    buf = io.StringIO()
    # Exact figure size (constrained layout, no tight bbox), so 8 pt in the chart is 8 pt on paper.
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    prefix = f"c{next(_counter)}-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    # Drop the fixed size so CSS can scale the chart to its box; keep the viewBox.
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', svg, count=1)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{_attr(title)}" class="chart-svg"', 1)
    return svg


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _fig(width_mm: float, height_mm: float) -> tuple[Any, Any]:
    _setup()
    return plt.subplots(figsize=(width_mm / 25.4, height_mm / 25.4), layout="constrained")


def age_distribution(ages: dict[str, list[float]], staleness: dict[str, dict[str, float]],
                     width_mm: float = 180, height_mm: float = 72) -> str | None:
    """Histogram of photo ages in months, stacked by declared source, with the policy's
    refresh ages as labelled vertical lines."""
    all_ages = [a for v in ages.values() for a in v]
    if not all_ages:
        return None
    top = max(max(all_ages), max(a["refresh"] for a in staleness.values())) + 6
    step = 6
    bins = list(range(0, int(top // step + 2) * step, step))
    fig, ax = _fig(width_mm, height_mm)
    bottom = [0] * (len(bins) - 1)
    import numpy as np

    for src in ("photographer", "self", "unknown", "ai"):
        vals = ages.get(src) or []
        if not vals:
            continue
        counts, _ = np.histogram(vals, bins=bins)
        fill, hatch, label = SOURCE_STYLE[src]
        ax.bar(bins[:-1], counts, width=step, bottom=bottom, align="edge", color=fill, hatch=hatch,
               edgecolor="#222", linewidth=0.4, label=f"{label} ({len(vals)})")
        bottom = [b + c for b, c in zip(bottom, counts)]
    ymax = max(bottom) or 1
    lines = {}
    for src, a in staleness.items():
        lines.setdefault(a["refresh"], []).append(SOURCE_STYLE.get(src, ("", "", src))[2])
    for i, (months, who) in enumerate(sorted(lines.items())):
        ax.axvline(months, color="#000", linestyle=(0, (4, 2)) if i % 2 == 0 else (0, (1, 1.5)), linewidth=1)
        ax.text(months - 0.5, ymax * 1.22, f"{', '.join(who)}: {months:g} mo", rotation=90, fontsize=6.5,
                va="top", ha="right", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
    ax.set_ylim(0, ymax * 1.25)
    ax.set_xlim(0, bins[-1])
    ax.set_xlabel("photo age at the audit date (months)")
    ax.set_ylabel("photos")
    ax.set_title("How old the photos are, against the policy's refresh ages (dashed lines)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(loc="outside right upper", frameon=False, title="declared source", title_fontsize=7.5)
    return _svg(fig, "Photo age distribution")


def findings_by_kind(counts: dict[str, dict[str, int]], width_mm: float = 88, height_mm: float = 66) -> str | None:
    """Horizontal bars per finding category, stacked by severity, total at the end."""
    cats = [c for c in counts if sum(counts[c].values())]
    if not cats:
        return None
    cats.sort(key=lambda c: sum(counts[c].values()))
    fig, ax = _fig(width_mm, height_mm)
    left = [0] * len(cats)
    for sev in ("critical", "high", "medium", "low", "info"):
        vals = [counts[c].get(sev, 0) for c in cats]
        if not any(vals):
            continue
        fill, hatch = SEVERITY_STYLE[sev]
        ax.barh(cats, vals, left=left, color=fill, hatch=hatch, edgecolor="#222", linewidth=0.4, label=sev)
        left = [a + b for a, b in zip(left, vals)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=7.5)
    ax.set_xlim(0, max(left) * 1.18)
    ax.set_title("Findings by kind\nand severity")
    ax.legend(loc="lower right", frameon=False, fontsize=6.8)
    ax.tick_params(axis="y", length=0)
    return _svg(fig, "Findings by kind and severity")


def ai_label(confirmed: int, suspected: int, unknown: int, total: int) -> str:
    """'1 confirmed, 2 suspected, 9 of 11 unconfirmed': never a bare 0% for a group whose
    sources nobody knows."""
    bits = [f"{confirmed} confirmed"]
    if suspected:
        bits.append(f"{suspected} suspected")
    bits.append(f"{unknown} of {total} unconfirmed")
    return ", ".join(bits)


def ai_share_by_department(rows: list[tuple[str, int, int, int, int]], width_mm: float = 88,
                           height_mm: float = 66, limit: int = 12) -> str | None:
    """rows: (department, confirmed AI, suspected AI, source unknown, photos). Stacked bars:
    confirmed AI (solid), suspected by the pixel check (hatched), source unknown (grey: may hold
    AI photos the pixel check missed), with the counts written beside each bar."""
    rows = [r for r in rows if r[4]]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: -r[4])[:limit]
    rows.sort(key=lambda r: ((r[1] + r[2]) / r[4], r[3] / r[4], r[4]))
    fig, ax = _fig(width_mm, height_mm)
    labels = [(r[0] or "(none)")[:22] for r in rows]
    ax.barh(labels, [1] * len(rows), color="white", edgecolor="#999", linewidth=0.4)
    left = [0.0] * len(rows)
    for k, (fill, hatch, name) in ((1, ("#b06000", "", "confirmed AI")), (2, (SOURCE_STYLE["ai"][0], "///", "suspected")),
                                   (3, (SOURCE_STYLE["unknown"][0], "xx", "unconfirmed"))):
        widths = [r[k] / r[4] for r in rows]
        ax.barh(labels, widths, left=left, color=fill, hatch=hatch, edgecolor="#222", linewidth=0.4, label=name)
        left = [a + b for a, b in zip(left, widths)]
    for y, r in enumerate(rows):
        first, last = ai_label(r[1], r[2], r[3], r[4]).rsplit(", ", 1)
        ax.text(1.04, y, f"{first},\n{last}", va="center", fontsize=6, linespacing=1.15)
    ax.set_xlim(0, 2.0)
    ax.set_xticks([0, 0.5, 1.0], ["0", "50%", "100%"])
    ax.set_title("AI photos by department")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.1), ncol=3, fontsize=6, frameon=False, handlelength=1.5)
    ax.tick_params(axis="y", length=0)
    return _svg(fig, "AI photos by department")


def style_groups(styles: list[dict[str, Any]], width_mm: float = 88, height_mm: float = 40) -> str | None:
    """One bar per style group: its share of the set, filled with its backdrop colour."""
    if not styles:
        return None
    fig, ax = _fig(width_mm, max(height_mm, 12 + 9 * len(styles)))
    labels = [f"style {s['label']}" for s in styles][::-1]
    shares = [s.get("share") or 0 for s in styles][::-1]
    colours = [s.get("backdrop_hex") or "#cccccc" for s in styles][::-1]
    ax.barh(labels, shares, color=colours, edgecolor="#222", linewidth=0.6)
    for y, s in enumerate(styles[::-1]):
        extra = "  main style" if y == len(styles) - 1 else ""
        ax.text(s.get("share", 0) + 0.01, y, f"{s.get('share', 0):.0%} ({s['size']} photos){extra}", va="center",
                fontsize=7)
    ax.set_xlim(0, 1.35)
    ax.set_xticks([0, 0.5, 1.0], ["0", "50%", "100%"])
    ax.set_title("Photo styles in the set\n(bar colour = backdrop colour)")
    ax.tick_params(axis="y", length=0)
    return _svg(fig, "Style groups")


def trends(rows: list[dict[str, Any]], series: list[tuple[str, str, str]], width_mm: float = 180,
           height_mm: float = 50) -> str | None:
    """Small multiples: one line per key number over the audits, each point labelled."""
    series = [s for s in series if sum(1 for r in rows if r.get(s[0]) is not None) >= 2]
    if len(rows) < 2 or not series:
        return None
    _setup()
    fig, axes = plt.subplots(1, len(series), figsize=(width_mm / 25.4, height_mm / 25.4), squeeze=False,
                             layout="constrained")
    for ax, (key, label, kind) in zip(axes[0], series):
        pts = [(i, r[key]) for i, r in enumerate(rows) if r.get(key) is not None]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        ax.plot(xs, ys, color="#222", marker="o", markersize=3.5, linewidth=1.2)
        if rows[-1].get(key) is not None:
            ax.plot([xs[-1]], [ys[-1]], marker="o", markersize=6, color=ACCENT, markeredgecolor="#000")
        for x, y in pts:
            ax.annotate(f"{y:.0%}" if kind == "pct" else f"{y:,.0f}", (x, y), textcoords="offset points",
                        xytext=(0, 5), ha="center", fontsize=6.5)
        ax.set_xticks(range(len(rows)), [r["as_of"][:7] for r in rows], rotation=0, fontsize=6.2)
        # From zero: a move from 36 to 37 must not look like a jump.
        ax.set_ylim(0, (max(ys) or 1) * 1.3)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_title(textwrap.fill(label, 24), fontsize=7.5, loc="left")
        ax.set_xlim(-0.5, len(rows) - 0.5)
    return _svg(fig, "Key numbers over past audits")
