"""Charts for the report, written directly as small inline SVG.

Made for print and for a greyscale photocopy: every series differs by hatch pattern as well as
by colour, values are written on or beside the bars, and policy thresholds are labelled lines, not
colours. Text stays text (DejaVu Sans), so it is sharp, searchable and found by pdftotext. Each
chart is a string of `<svg>` markup with its ids prefixed, so several can sit in one HTML page.

Why by hand and not with a plotting library: these five charts are bars, lines and labels, and
the report is drawn on every run. matplotlib cost about 0.7 s to import and wrote hundreds of
nodes per chart that WeasyPrint then parsed and painted; here a chart is a few dozen elements.
Sizes are in points (1/72 inch), so 8 in the chart is 8 pt on paper when the chart fills the
width it was drawn for (CSS scales it to its box; the viewBox keeps the proportions).
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import Any

ACCENT = "#1f4e79"
FONT = "DejaVu Sans"
PT_PER_MM = 72 / 25.4
# Severity fills run dark to light so they stay apart in greyscale; the hatches make sure.
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
AI_STYLE = (("#b06000", "", "confirmed AI"), (SOURCE_STYLE["ai"][0], "///", "suspected"),
            (SOURCE_STYLE["unknown"][0], "xx", "unconfirmed"))
_counter = itertools.count(1)

# DejaVu Sans advance widths in em, coarse classes: enough to place labels and legends without
# reading the font file (a label is given room for its estimated width plus a margin).
_NARROW = set("iljtfr.,:;'|!()[] ")
_WIDE = set("mwMW%@")


def text_width(text: str, size: float) -> float:
    """Estimated width in points of `text` set in DejaVu Sans at `size` points."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.34
        elif ch in _WIDE:
            em += 0.92
        elif ch.isdigit():
            em += 0.64
        elif ch.isupper():
            em += 0.7
        else:
            em += 0.62
    return em * size


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _num(v: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def nice_ticks(top: float, most: int = 6) -> list[float]:
    """Round tick values from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten apart),
    at most `most` + 1 of them."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _tick_label(v: float) -> str:
    return f"{v:g}"


class Canvas:
    """One chart being drawn: SVG elements in points, hatch patterns defined once each."""

    def __init__(self, width_mm: float, height_mm: float, title: str) -> None:
        self.w = width_mm * PT_PER_MM
        self.h = height_mm * PT_PER_MM
        self.title = title
        self.prefix = f"c{next(_counter)}-"
        self.defs: dict[str, str] = {}
        self.parts: list[str] = []

    def hatch(self, hatch: str) -> str | None:
        """A url() to a pattern of dark hatch lines ('///', '\\\\\\', '---', 'xx', 'xxx': more
        characters, denser lines) on a transparent ground, laid over a solid fill; None for no hatch."""
        if not hatch:
            return None
        if hatch not in self.defs:
            pid = f"{self.prefix}h{len(self.defs) + 1}"
            size = 5.0 if len(hatch) >= 3 else 7.0
            lines = {"/": [(0, size, size, 0)], "\\": [(0, 0, size, size)], "-": [(0, size / 2, size, size / 2)],
                     "x": [(0, size, size, 0), (0, 0, size, size)]}[hatch[0]]
            # the diagonals run over the tile's corners, so neighbouring tiles join without gaps
            strokes = "".join(f'<line x1="{_num(a)}" y1="{_num(b)}" x2="{_num(c)}" y2="{_num(d)}"/>'
                              for a, b, c, d in lines)
            self.defs[hatch] = (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{_num(size)}" '
                                f'height="{_num(size)}"><g stroke="#222" stroke-width="0.55">{strokes}</g></pattern>')
        return f"url(#{self.defs[hatch].split(chr(34), 2)[1]})"

    def bar(self, x: float, y: float, w: float, h: float, colour: str, hatch: str = "", width: float = 0.4) -> None:
        """A filled rectangle with a dark outline, hatched when `hatch` is given."""
        pattern = self.hatch(hatch)
        self.rect(x, y, w, h, colour, stroke=None if pattern else "#222", width=width)
        if pattern:
            self.rect(x, y, w, h, pattern, width=width)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, stroke: str | None = "#222",
             width: float = 0.4) -> None:
        line = f' stroke="{stroke}" stroke-width="{_num(width)}"' if stroke else ""
        self.parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" '
                          f'height="{_num(max(h, 0))}" fill="{fill}"{line}/>')

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = "#555", width: float = 0.8,
             dash: str | None = None) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
                          f'stroke="{colour}" stroke-width="{_num(width)}"{d}/>')

    def text(self, x: float, y: float, text: str, size: float = 7.5, anchor: str = "start", bold: bool = False,
             rotate: bool = False, middle: bool = False, colour: str = "#222") -> None:
        """Text with its baseline at y (or centred on y when `middle`); `rotate` turns it to read upwards."""
        if middle:
            y += size * 0.35
        attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
        attrs += ' font-weight="bold"' if bold else ""
        attrs += f' fill="{colour}"' if colour != "#222" else ""
        attrs += f' transform="rotate(-90 {_num(x)} {_num(y)})"' if rotate else ""
        self.parts.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}"{attrs}>{_esc(text)}</text>')

    def title_lines(self, lines: list[str], x: float = 2.0, size: float = 9.0) -> float:
        """A bold title, left-aligned at the top; returns the y below it."""
        y = size + 2
        for line in lines:
            self.text(x, y, line, size=size, bold=True)
            y += size * 1.2
        return y

    def legend_row(self, entries: list[tuple[str, str, str]], x: float, y: float, size: float = 7.0,
                   centre: bool = False) -> float:
        """Swatches with labels in one row (wrapping when needed; centred on the chart when
        `centre`); returns the y below."""
        widths = [12 + text_width(label, size) + 9 for _, _, label in entries]
        if centre:
            x = max(2.0, (self.w - sum(widths)) / 2)
        left = x
        for (fill, hatch, label), need in zip(entries, widths):
            if x + need > self.w and x > left:
                x, y = left, y + size * 1.6
            self.bar(x, y - size * 0.8, 9, size * 0.9, fill, hatch)
            self.text(x + 12, y, label, size=size)
            x += need
        return y + size * 0.9

    def svg(self) -> str:
        defs = f"<defs>{''.join(self.defs.values())}</defs>" if self.defs else ""
        return (f'<svg role="img" aria-label="{_esc(self.title)}" class="chart-svg" xmlns="http://www.w3.org/2000/svg" '
                f'viewBox="0 0 {_num(self.w)} {_num(self.h)}" font-family="{FONT}" fill="#222">'
                f"<title>{_esc(self.title)}</title>{defs}{''.join(self.parts)}</svg>")


def _value_axis(c: Canvas, x0: float, x1: float, y: float, top: float, labels: list[tuple[float, str]]) -> None:
    """A horizontal value axis at y from x0 (value 0) to x1 (value `top`), ticks labelled."""
    c.line(x0, y, x1, y)
    for v, label in labels:
        x = x0 + (x1 - x0) * v / top
        c.line(x, y, x, y + 2.5)
        c.text(x, y + 10.5, label, size=7.5, anchor="middle")


def age_distribution(ages: dict[str, list[float]], staleness: dict[str, dict[str, float]],
                     width_mm: float = 180, height_mm: float = 72) -> str | None:
    """Histogram of photo ages in months (6-month bins), stacked by declared source, with the
    policy's refresh ages as labelled dashed lines."""
    all_ages = [a for v in ages.values() for a in v]
    if not all_ages:
        return None
    step = 6
    top_age = max(max(all_ages), max(a["refresh"] for a in staleness.values())) + 6
    n_bins = int(top_age // step + 1)
    xmax = n_bins * step
    order = [s for s in ("photographer", "self", "unknown", "ai") if ages.get(s)]
    counts = {s: [0] * n_bins for s in order}
    for s in order:
        for a in ages[s]:
            counts[s][min(int(a // step), n_bins - 1)] += 1
    totals = [sum(counts[s][i] for s in order) for i in range(n_bins)]
    ymax = max(totals) or 1
    c = Canvas(width_mm, height_mm, "Photo age distribution")
    c.title_lines(["How old the photos are, against the policy's refresh ages (dashed lines)"], x=36)
    legend = [(SOURCE_STYLE[s][0], SOURCE_STYLE[s][1], f"{SOURCE_STYLE[s][2]} ({len(ages[s])})") for s in order]
    legend_w = max(max(text_width(label, 7.5) for _, _, label in legend) + 22, text_width("declared source", 7.5))
    x0, x1 = 36.0, c.w - legend_w - 14
    y0, y1 = 22.0, c.h - 28  # plot top and bottom
    yticks = nice_ticks(ymax * 1.25, 7)
    ytop = yticks[-1]

    def sx(v: float) -> float:
        return x0 + (x1 - x0) * v / xmax

    def sy(v: float) -> float:
        return y1 - (y1 - y0) * v / ytop

    for v in yticks:
        c.line(x0 - 2.5, sy(v), x0, sy(v))
        c.text(x0 - 4, sy(v), _tick_label(v), anchor="end", middle=True)
    c.text(10, (y0 + y1) / 2, "photos", rotate=True, anchor="middle", middle=True, size=8)
    for i in range(n_bins):
        base = 0
        for s in order:
            n = counts[s][i]
            if n:
                fill, hatch, _ = SOURCE_STYLE[s]
                c.bar(sx(i * step), sy(base + n), sx(step) - sx(0), sy(base) - sy(base + n), fill, hatch)
                base += n
    lines: dict[float, list[str]] = {}
    for src, a in staleness.items():
        lines.setdefault(a["refresh"], []).append(SOURCE_STYLE.get(src, ("", "", src))[2])
    for i, (months, who) in enumerate(sorted(lines.items())):
        if months > xmax:
            continue
        label = f"{', '.join(who)}: {months:g} mo"
        c.line(sx(months), y0, sx(months), y1, colour="#000", width=1, dash="4 2" if i % 2 == 0 else "1 1.5")
        w = text_width(label, 6.5)
        c.rect(sx(months) - 8.6, y0 + 1, 7.6, w + 3, "#fff", stroke=None)
        c.text(sx(months) - 2.5, y0 + 2.5, label, size=6.5, rotate=True, anchor="end")
    c.line(x0, y0, x0, y1)
    _value_axis(c, x0, x1, y1, xmax, [(v, _tick_label(v)) for v in nice_ticks(xmax, 10) if v <= xmax])
    c.text((x0 + x1) / 2, c.h - 4, "photo age at the audit date (months)", size=8, anchor="middle")
    lx = x1 + 14
    c.text(lx, y0 + 2, "declared source", size=7.5)
    for k, (fill, hatch, label) in enumerate(legend):
        y = y0 + 14 + k * 11
        c.bar(lx, y - 6.5, 12, 7.5, fill, hatch)
        c.text(lx + 16, y, label)
    return c.svg()


def _bar_labels(labels: list[str], size: float = 7.5) -> float:
    return max(text_width(label, size) for label in labels) + 8


def findings_by_kind(counts: dict[str, dict[str, int]], width_mm: float = 88, height_mm: float = 66) -> str | None:
    """Horizontal bars per finding category, stacked by severity, the total at each bar's end;
    the most frequent category on top."""
    cats = [k for k in counts if sum(counts[k].values())]
    if not cats:
        return None
    cats.sort(key=lambda k: -sum(counts[k].values()))
    sevs = [s for s in ("critical", "high", "medium", "low", "info") if any(counts[k].get(s) for k in cats)]
    c = Canvas(width_mm, height_mm, "Findings by kind and severity")
    y = c.title_lines(["Findings by kind and severity"])
    y = c.legend_row([(SEVERITY_STYLE[s][0], SEVERITY_STYLE[s][1], s) for s in sevs], 2, y + 3)
    x0 = _bar_labels(cats)
    x1 = c.w - 24
    y0, y1 = y + 6, c.h - 16
    totals = [sum(counts[k].values()) for k in cats]
    ticks = nice_ticks(max(totals), 5)
    top = ticks[-1]
    band = (y1 - y0) / len(cats)
    bar = min(band * 0.72, 22)
    for i, k in enumerate(cats):
        yc = y0 + band * (i + 0.5)
        c.text(x0 - 5, yc, k, anchor="end", middle=True)
        left = 0
        for s in sevs:
            n = counts[k].get(s, 0)
            if n:
                fill, hatch = SEVERITY_STYLE[s]
                c.bar(x0 + (x1 - x0) * left / top, yc - bar / 2, (x1 - x0) * n / top, bar, fill, hatch)
                left += n
        c.text(x0 + (x1 - x0) * left / top + 3, yc, f"{left:,}", middle=True)
    c.line(x0, y0, x0, y1)
    _value_axis(c, x0, x1, y1, top, [(v, f"{v:,g}") for v in ticks])
    return c.svg()


def ai_label(confirmed: int, suspected: int, unknown: int, total: int) -> str:
    """'1 confirmed, 2 suspected, 9 of 11 unconfirmed': never a bare 0% for a group whose
    sources nobody knows."""
    bits = [f"{confirmed} confirmed"]
    if suspected:
        bits.append(f"{suspected} suspected")
    bits.append(f"{unknown} of {total} unconfirmed")
    return ", ".join(bits)


def _share_axis(c: Canvas, x0: float, x1: float, y: float) -> None:
    _value_axis(c, x0, x1, y, 1.0, [(0, "0"), (0.5, "50%"), (1.0, "100%")])


def ai_share_by_department(rows: list[tuple[str, int, int, int, int]], width_mm: float = 88,
                           height_mm: float = 66, limit: int = 12) -> str | None:
    """rows: (department, confirmed AI, suspected AI, source unknown, photos). Stacked bars:
    confirmed AI (solid), suspected by the pixel check (hatched), source unknown (grey: may hold
    AI photos the pixel check missed), with the counts written beside each bar. The largest
    share of AI photos on top."""
    rows = [r for r in rows if r[4]]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: -r[4])[:limit]
    rows.sort(key=lambda r: ((r[1] + r[2]) / r[4], r[3] / r[4], r[4]), reverse=True)
    c = Canvas(width_mm, height_mm, "AI photos by department")
    y = c.title_lines(["AI photos by department"])
    labels = [(r[0] or "(none)")[:22] for r in rows]
    x0 = _bar_labels(labels)
    y0, y1 = y + 2, c.h - 30
    band = (y1 - y0) / len(rows)
    bar = min(band * 0.78, 24)
    # the counts beside each bar, one clause a line when the band has room for them
    notes = []
    for r in rows:
        bits = ai_label(*r[1:]).split(", ")
        while len(bits) > 1 and len(bits) * 7 > max(band, 14):
            bits[:2] = [f"{bits[0]}, {bits[1]}"]
        notes.append([b + ("," if i < len(bits) - 1 else "") for i, b in enumerate(bits)])
    note_w = max(text_width(line, 6) for lines in notes for line in lines) + 6
    x1 = max(x0 + 60, c.w - note_w - 4)
    for i, (label, r, lines) in enumerate(zip(labels, rows, notes)):
        yc = y0 + band * (i + 0.5)
        c.text(x0 - 5, yc, label, anchor="end", middle=True)
        c.rect(x0, yc - bar / 2, x1 - x0, bar, "#fff", stroke="#999")
        left = 0.0
        for k, (fill, hatch, _) in zip((1, 2, 3), AI_STYLE):
            share = r[k] / r[4]
            if share:
                c.bar(x0 + (x1 - x0) * left, yc - bar / 2, (x1 - x0) * share, bar, fill, hatch)
                left += share
        for j, line in enumerate(lines):
            c.text(x1 + 4, yc + 2.1 + 7 * (j - (len(lines) - 1) / 2), line, size=6)
    c.line(x0, y0, x0, y1)
    _share_axis(c, x0, x1, y1)
    c.legend_row(list(AI_STYLE), 0, c.h - 5, size=6.5, centre=True)
    return c.svg()


def style_groups(styles: list[dict[str, Any]], width_mm: float = 88, height_mm: float = 40) -> str | None:
    """One bar per style group: its share of the set, filled with its backdrop colour; the main
    style on top."""
    if not styles:
        return None
    c = Canvas(width_mm, max(height_mm, 12 + 9 * len(styles)), "Style groups")
    y = c.title_lines(["Photo styles in the set", "(bar colour = backdrop colour)"])
    labels = [f"style {s['label']}" for s in styles]
    x0 = _bar_labels(labels)
    notes = [f"{s.get('share', 0):.0%} ({s['size']} photos)" + ("  main style" if i == 0 else "")
             for i, s in enumerate(styles)]
    x1 = max(x0 + 50, c.w - max(text_width(n, 7) for n in notes) - 8)
    y0, y1 = y + 2, c.h - 16
    band = (y1 - y0) / len(styles)
    bar = min(band * 0.72, 20)
    for i, (label, s, note) in enumerate(zip(labels, styles, notes)):
        yc = y0 + band * (i + 0.5)
        share = s.get("share") or 0
        c.text(x0 - 5, yc, label, anchor="end", middle=True)
        c.rect(x0, yc - bar / 2, (x1 - x0) * share, bar, s.get("backdrop_hex") or "#cccccc", width=0.6)
        c.text(x0 + (x1 - x0) * share + 3, yc, note, size=7, middle=True)
    c.line(x0, y0, x0, y1)
    _share_axis(c, x0, x1, y1)
    return c.svg()


def trends(rows: list[dict[str, Any]], series: list[tuple[str, str, str]], width_mm: float = 180,
           height_mm: float = 50) -> str | None:
    """Small multiples: one line per key number over the audits, each point labelled; the
    large dot is this audit. Each panel starts from zero, so a move from 36 to 37 does not look
    like a jump."""
    series = [s for s in series if sum(1 for r in rows if r.get(s[0]) is not None) >= 2]
    if len(rows) < 2 or not series:
        return None
    c = Canvas(width_mm, height_mm, "Key numbers over past audits")
    pw = c.w / len(series)
    for j, (key, label, kind) in enumerate(series):
        left = j * pw + 8
        right = (j + 1) * pw - 8
        y = 10.0
        for line in textwrap.wrap(label, 24):
            c.text(left, y, line, size=7.5, bold=True)
            y += 9
        y0, y1 = y + 8, c.h - 14
        pts = [(i, r[key]) for i, r in enumerate(rows) if r.get(key) is not None]
        top = (max(v for _, v in pts) or 1) * 1.3

        def sx(i: float) -> float:
            return left + (right - left) * (i + 0.5) / len(rows)

        def sy(v: float) -> float:
            return y1 - (y1 - y0) * v / top

        c.line(left, y1, right, y1)
        for i, r in enumerate(rows):
            c.line(sx(i), y1, sx(i), y1 + 2.5)
            c.text(sx(i), y1 + 9.5, r["as_of"][:7], size=6.2, anchor="middle")
        path = " ".join(f"{'M' if k == 0 else 'L'}{_num(sx(i))} {_num(sy(v))}" for k, (i, v) in enumerate(pts))
        c.parts.append(f'<path d="{path}" fill="none" stroke="#222" stroke-width="1.2"/>')
        for i, v in pts:
            last = i == len(rows) - 1
            c.parts.append(f'<circle cx="{_num(sx(i))}" cy="{_num(sy(v))}" r="{3 if last else 1.75}" '
                           f'fill="{ACCENT if last else "#222"}" stroke="#000" stroke-width="0.6"/>')
            c.text(sx(i), sy(v) - 5, f"{v:.0%}" if kind == "pct" else f"{v:,.0f}", size=6.5, anchor="middle")
    return c.svg()
