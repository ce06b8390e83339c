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


def bar_totals(svg: str) -> dict[str, int]:
    """The total written at the end of each bar, by the bar's label (same height in the chart)."""
    texts = [(e.get("style", ""), float(e.get("y")), "".join(e.itertext()).strip())
             for e in ET.fromstring(svg).iter() if e.tag.endswith("text") and e.get("y")]
    labels = [(y, t) for style, y, t in texts if "text-anchor: end" in style]
    totals = [(y, int(t)) for style, y, t in texts if "text-anchor: start" in style and t.isdigit()]
    return {t: next(n for y2, n in totals if abs(y2 - y) < 3) for y, t in labels}


def test_findings_chart_hatches_severities_and_writes_totals():
    svg = charts.findings_by_kind({"stale": {"medium": 4, "low": 2}, "role": {"high": 3}, "data": {}})
    assert bar_totals(svg) == {"stale": 6, "role": 3}
    assert "high" in svg and "medium" in svg and "data" not in re.sub(r"<[^>]+>", "", svg).split()
    assert svg.count("<pattern") >= 2


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
