"""The exports and the report: the JSON contract, spreadsheet-safe CSVs, escaped HTML, a PDF
that has every section, atomic writes, and a renderer that loads nothing from outside."""

import csv
import os
import stat
import json
import subprocess
from datetime import date

import pytest

from audit.pipeline import AuditConfig, run_audit
from audit.report.atomic import OutputError, write_atomic
from audit.report.exports import safe_cell
from audit.report.render import ReportError, render_pdf
from audit.report.templating import local_only_fetcher
from audit.report.write import write_outputs

HOSTILE = ("employee_id,name,title,department,photo,photo_date,photo_source,client_facing,seniority,platforms\n"
           'E1,"=HYPERLINK(""http://x"",""y"")",<script>alert(1)</script>,+SUM(A1),,2024-01-01,photographer,no,mid,website\n'
           "E2,Bo Chan,Partner,Legal,,2021-01-01,ai,yes,executive,website;press\n"
           "E3,@cmd,Dev,-2+3,,2026-01-01,photographer,no,junior,internal\n")


@pytest.fixture
def result(make_portfolio):
    root = make_portfolio(HOSTILE, {"E1.jpg": 1, "E2.jpg": 2, "E3.jpg": 3, "orphan.jpg": 4})
    return run_audit(AuditConfig(portfolio=root, as_of=date(2026, 11, 29)))


def test_audit_json_contract(result, tmp_path):
    write_outputs(result, tmp_path, ("json",))
    doc = json.loads((tmp_path / "audit.json").read_text())
    assert doc["schema_version"] == 1 and doc["as_of"] == "2026-11-29"
    assert {p["file"] for p in doc["photos"]} == {"E1.jpg", "E2.jpg", "E3.jpg", "orphan.jpg"}
    for p in doc["photos"]:
        assert {"file", "employee_id", "ai_score"} <= set(p)
        assert p["ai_score"] is None or 0 <= p["ai_score"] <= 1
        assert "\\" not in p["file"]
    for f in doc["findings"]:
        assert {"code", "category", "severity", "employee_id", "file", "related_files", "message"} <= set(f)
        assert f["category"] in ("data", "stale", "consistency", "ai", "role", "duplicate")
        assert f["severity"] in ("info", "low", "medium", "high", "critical")
        assert isinstance(f["related_files"], list)
    codes = {(f["code"], f["employee_id"]) for f in doc["findings"]}
    assert ("ROL001", "E2") in codes and ("STL001", "E2") in codes and ("DAT002", None) in codes


def test_csvs_neutralise_formulas(result, tmp_path):
    write_outputs(result, tmp_path, ("csv",))
    for name in ("findings.csv", "photos.csv", "actions.csv"):
        with open(tmp_path / name, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if _is_number(cell):
                        continue
                    assert not cell.startswith(("=", "+", "-", "@")), (name, cell)
    text = (tmp_path / "findings.csv").read_text()
    assert "'=HYPERLINK" in text


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"),
                                             ("\tx", "'\tx"), ("plain", "plain"), (3, 3), (None, None)])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_html_escapes_names(result, tmp_path):
    write_outputs(result, tmp_path, ("html",))
    html = (tmp_path / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pdf_has_every_section(result, tmp_path):
    write_outputs(result, tmp_path, ("pdf",))
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("Executive summary", "What to do, person by person", "Contact sheet", "Findings by person",
                    "Budget", "Method and limits", "Bo Chan", "<script>alert(1)</script>"):
        assert heading in text, heading


def test_renderer_refuses_remote_and_outside_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret.png").write_bytes(b"x")
    fetcher = local_only_fetcher(out)
    for url in ("http://example.com/x.png", "https://example.com/x.css", f"file://{tmp_path}/secret.png",
                "ftp://example.com/x"):
        with pytest.raises((ReportError, ValueError)):
            fetcher.fetch(url) if hasattr(fetcher, "fetch") else fetcher(url)


def test_pdf_with_remote_image_renders_without_fetching(tmp_path, no_network):
    html = '<html><body><p>Hi</p><img src="http://example.com/track.png"><img src="file:///etc/hostname"></body></html>'
    assert render_pdf(html, tmp_path).startswith(b"%PDF")


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old report")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OutputError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_outputs_get_ordinary_file_modes(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.pdf", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.pdf").stat().st_mode) == 0o644


def test_xlsx_workbook(result, tmp_path):
    """report.xlsx opens with openpyxl: three sheets, frozen bold headers with filters, widths,
    dates as dates, costs as numbers in the currency's format, formulas neutralised."""
    import datetime as dt

    from openpyxl import load_workbook

    write_outputs(result, tmp_path, ("xlsx", "csv"))
    book = load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["Actions", "Findings", "Photos"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.bold for c in ws[1])
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(4 <= w <= 60 for w in widths) and len(set(widths)) > 1
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), (ws.title, c.value)
    actions = book["Actions"]
    head = {c.value: c.column for c in actions[1]}
    rows = list(actions.iter_rows(min_row=2))
    with open(tmp_path / "actions.csv", newline="", encoding="utf-8") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert len(rows) == len(csv_rows) == 3  # the same people, the same order as actions.csv
    assert [r[head["employee_id"] - 1].value for r in rows] == [r["employee_id"] for r in csv_rows]
    costs = [r[head["cost_high"] - 1] for r in rows if r[head["cost_high"] - 1].value is not None]
    assert costs and all(isinstance(c.value, (int, float)) and "USD" in c.number_format for c in costs)
    dates = [r[head["photo_date"] - 1] for r in rows]
    assert all(isinstance(c.value, dt.datetime) and c.is_date for c in dates)  # openpyxl reads dates back as datetimes
    assert {c.value.date() for c in dates} == {dt.date(2024, 1, 1), dt.date(2021, 1, 1), dt.date(2026, 1, 1)}
    names = [r[head["name"] - 1].value for r in rows]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names  # text, as in the CSV
    findings = book["Findings"]
    assert findings.max_row == len(result.findings) + 1


def test_xlsx_cells():
    import datetime as dt

    from audit.report.workbook import as_date, cell_value

    assert as_date("2024-02-29") == dt.date(2024, 2, 29) and as_date("2023-13-45") == "2023-13-45"
    assert as_date("2024-02-29T10:30:00") == dt.datetime(2024, 2, 29, 10, 30)
    assert cell_value(float("nan")) is None and cell_value(3.5) == 3.5 and cell_value("=1+1") == "'=1+1"
    assert cell_value(["a", "b"]) == '["a", "b"]' and cell_value(True) is True
