"""The report's charts: SVG that can sit inline in one page, with text kept as text, and series
told apart by pattern as well as colour (legible in greyscale)."""

import re
import xml.etree.ElementTree as ET

from audit.report import charts

STALENESS = {"photographer": {"warn": 24, "refresh": 36}, "ai": {"warn": 6, "refresh": 12},
             "self": {"warn": 12, "refresh": 24}, "unknown": {"warn": 24, "refresh": 36}}


def ids(svg):
    return re.findall(r'\bid="([^"]+)"', svg)


def test_age_chart_shows_policy_lines_and_sources():
    svg = charts.age_distribution({"photographer": [3, 14, 40, 41], "ai": [2, 20]}, STALENESS)
    ET.fromstring(svg)  # well-formed, no XML prolog
    assert svg.startswith("<svg") and "viewBox" in svg
    for text in ("AI: 12 mo", "self-taken: 24 mo", "photographer, unknown: 36 mo", "photographer (4)", "AI (2)"):
        assert text in svg, text
    assert "<pattern" in svg  # the AI bars are hatched, not only coloured


def _texts(svg: str) -> list[tuple[str, float, float, str]]:
    """(text-anchor, x, y, text) of every <text>."""
    return [(e.get("text-anchor", "start"), float(e.get("x")), float(e.get("y")), "".join(e.itertext()).strip())
            for e in ET.fromstring(svg).iter() if e.tag.endswith("text") and e.get("y")]


def _rects(svg: str) -> list[dict[str, float | str]]:
    """The drawn rectangles (not those inside pattern tiles), numbers as floats."""
    root = ET.fromstring(svg)
    inside = {id(r) for p in root.iter() if p.tag.endswith("pattern") for r in p.iter()}
    return [{k: (float(v) if k in ("x", "y", "width", "height") else v) for k, v in e.attrib.items()}
            for e in root.iter() if e.tag.endswith("rect") and id(e) not in inside]


def bar_totals(svg: str) -> dict[str, int]:
    """The total written at the end of each bar, by the bar's label (same height in the chart)."""
    texts = _texts(svg)
    labels = [(y, t) for anchor, x, y, t in texts if anchor == "end" and not t.replace(",", "").isdigit()]
    totals = [(y, int(t.replace(",", ""))) for anchor, x, y, t in texts if anchor == "start" and t.replace(",", "").isdigit()]
    return {t: next(n for y2, n in totals if abs(y2 - y) < 3) for y, t in labels}


def bar_lengths(svg: str) -> dict[str, float]:
    """The drawn length of each labelled bar (its segments added up, hatch overlays not twice)."""
    texts = _texts(svg)
    labels = [(y, t) for anchor, x, y, t in texts if anchor == "end" and not t.replace(",", "").isdigit()]
    out = {}
    for y, t in labels:
        segs = {(r["x"], r["width"]) for r in _rects(svg)
                if r["y"] <= y - 2 <= r["y"] + r["height"] and r.get("fill") != "#fff" and r["width"] > 0}
        out[t] = sum(w for _, w in segs)
    return out


def test_findings_chart_hatches_severities_and_writes_totals():
    svg = charts.findings_by_kind({"stale": {"medium": 4, "low": 2}, "role": {"high": 3}, "data": {}})
    assert bar_totals(svg) == {"stale": 6, "role": 3}
    lengths = bar_lengths(svg)
    assert abs(lengths["stale"] / lengths["role"] - 2.0) < 0.01  # bar length is proportional to the count
    text = re.sub(r"<[^>]+>", " ", svg).split()
    assert "high" in text and "medium" in text and "low" in text and "data" not in text
    assert "critical" not in text  # the legend names only the severities drawn
    assert svg.count("<pattern") >= 2
    # the most frequent kind is on top
    ys = {t: y for anchor, x, y, t in _texts(svg) if anchor == "end"}
    assert ys["stale"] < ys["role"]


def test_age_chart_bins_stack_sources_in_six_month_steps():
    svg = charts.age_distribution({"photographer": [1, 2, 7], "ai": [3]}, STALENESS)
    filled = [r for r in _rects(svg) if r.get("fill") in ("#1f4e79", "#e0a030")]
    bin_width = max(r["width"] for r in filled)  # the legend's swatches are narrower than a bin
    bars = [r for r in filled if r["width"] == bin_width]
    by_x: dict[float, float] = {}
    for r in bars:
        by_x[r["x"]] = by_x.get(r["x"], 0) + r["height"]
    first, second = sorted(by_x)[:2]
    # bin 0-6 months holds three photos (two photographer, one AI), bin 6-12 one
    assert abs(by_x[first] / by_x[second] - 3.0) < 0.01
    assert len(by_x) == 2


def test_ai_chart_bar_segments_are_the_shares():
    svg = charts.ai_share_by_department([("Legal", 1, 1, 2, 4), ("Sales", 0, 0, 5, 5)])
    frame = [r for r in _rects(svg) if r.get("fill") == "#fff"]
    full = frame[0]["width"]
    bars = [r for r in _rects(svg) if r["height"] == frame[0]["height"]]  # not the legend's swatches
    solid = [r for r in bars if r.get("fill") == "#b06000"]
    assert len(solid) == 1 and abs(solid[0]["width"] / full - 0.25) < 0.01  # 1 of 4 confirmed
    grey = [r for r in bars if r.get("fill") == "#d9d9d9"]
    assert sorted(round(r["width"] / full, 3) for r in grey) == [0.5, 1.0]  # 2 of 4, 5 of 5 unconfirmed
    ys = {t: y for anchor, x, y, t in _texts(svg) if anchor == "end"}
    assert ys["Legal"] < ys["Sales"]  # the largest AI share on top


def test_nice_ticks_are_round_and_cover_the_top():
    assert charts.nice_ticks(229, 5) == [0, 50, 100, 150, 200, 250]
    assert charts.nice_ticks(37.5, 7) == [0, 10, 20, 30, 40]
    assert charts.nice_ticks(3, 6) == [0, 0.5, 1, 1.5, 2, 2.5, 3]
    assert charts.nice_ticks(0) == [0, 1]


def test_ai_chart_splits_confirmed_suspected_unknown_and_never_says_zero_percent():
    svg = charts.ai_share_by_department([("Legal", 2, 1, 1, 4), ("Executive", 0, 0, 9, 11), ("Sales", 0, 0, 0, 5),
                                         ("Empty", 0, 0, 0, 0)])
    text = " ".join(re.sub(r"<[^>]+>", " ", svg).split())
    assert "2 confirmed, 1 suspected, 1 of 4 unconfirmed" in text
    assert "0 confirmed, 9 of 11 unconfirmed" in text and "0 confirmed, 0 of 5 unconfirmed" in text
    assert not re.search(r"(?<!\d)0%", text) and "Empty" not in svg


def test_style_chart_and_trend():
    svg = charts.style_groups([{"label": "A", "size": 40, "share": 0.8, "backdrop_hex": "#808080"},
                               {"label": "B", "size": 10, "share": 0.2, "backdrop_hex": "#203050"}])
    assert "style A" in svg and "main style" in svg and "#808080" in svg
    rows = [{"as_of": "2026-05-31", "high_findings": 9, "ai_share": 0.2},
            {"as_of": "2026-08-31", "high_findings": 7, "ai_share": 0.25}]
    svg = charts.trends(rows, [("high_findings", "high or critical findings", "int"), ("ai_share", "AI", "pct")])
    assert "2026-05" in svg and "25%" in svg and "high or critical" in svg


def test_empty_data_gives_no_chart():
    assert charts.age_distribution({}, STALENESS) is None
    assert charts.findings_by_kind({}) is None
    assert charts.ai_share_by_department([]) is None
    assert charts.style_groups([]) is None
    assert charts.trends([{"as_of": "2026-05-31", "high_findings": 1}], [("high_findings", "x", "int")]) is None


def test_ids_are_unique_across_charts_in_one_page():
    a = charts.findings_by_kind({"stale": {"medium": 4}})
    b = charts.findings_by_kind({"stale": {"medium": 4}})
    assert ids(a) and not set(ids(a)) & set(ids(b))
    for ref in re.findall(r"url\(#([^)]+)\)", a):
        assert ref in ids(a)


def test_text_stays_text_in_dejavu():
    svg = charts.findings_by_kind({"stale": {"medium": 4}})
    assert "<text" in svg and "DejaVu Sans" in svg
