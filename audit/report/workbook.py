"""report.xlsx: the action list, the findings and the photos as one workbook HR opens without
Excel's import wizard (sheets Actions, Findings, Photos).

Each sheet has a frozen, bold header row with filters on, column widths from the contents, dates
stored as dates and costs as numbers in the budget's currency, so sorting and summing work.
Text cells go through the same formula neutralisation as the CSVs (`exports.safe_cell`): a name
like `=HYPERLINK(...)` stays text. Written with openpyxl in write-only mode, which streams rows
and keeps memory flat for large staff lists.
"""

from __future__ import annotations

import io
import json
import math
import re
from datetime import date, datetime
from typing import Any

import pandas as pd

from ..pipeline import AuditResult
from .exports import actions_table, findings_table, photos_table, safe_cell

COST_COLUMNS = ("cost_low", "cost_high")
MAX_WIDTH = 60
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def is_date_column(name: str) -> bool:
    """Columns that hold dates: photo_date, capture_date, exif_date, xmp_date..."""
    return name == "date" or name.endswith("_date")


def as_date(value: Any) -> Any:
    """An ISO date (or date-time) string as a date (datetime); anything else unchanged."""
    if isinstance(value, str):
        try:
            if _ISO_DATE.fullmatch(value):
                return date.fromisoformat(value)
            if _ISO_DATETIME.fullmatch(value):
                return datetime.fromisoformat(value)
        except ValueError:  # "2023-13-45": shown as the text it is
            return value
    return value


def cell_value(value: Any) -> Any:
    """A value openpyxl stores as itself: numbers, booleans, dates, neutralised text; lists and
    mappings as JSON text; NaN and None as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | float | date):
        return value
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    elif not isinstance(value, str):
        value = str(value)
    return safe_cell(value)


def _width(header: str, values: list[Any]) -> float:
    lengths = sorted(len(v.isoformat()) if isinstance(v, date) else len(str(v)) for v in values if v is not None)
    typical = lengths[int(len(lengths) * 0.9)] if lengths else 0  # the long tail does not set the width
    return min(max(len(header), typical) + 2, MAX_WIDTH)


def _add_sheet(book: Any, title: str, frame: pd.DataFrame, currency: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    columns = [str(c) for c in frame.columns]
    rows = [[cell_value(as_date(v) if is_date_column(c) else v) for c, v in zip(columns, rec)]
            for rec in frame.itertuples(index=False, name=None)]
    for i, c in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _width(c, [r[i - 1] for r in rows])
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=safe_cell(c))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    money = f'"{currency}" #,##0' if re.fullmatch(r"[A-Za-z]{1,5}", currency or "") else "#,##0"
    for r in rows:
        out = []
        for c, v in zip(columns, r):
            if c in COST_COLUMNS and isinstance(v, (int, float)) or isinstance(v, date):
                cell = WriteOnlyCell(sheet, value=v)
                cell.number_format = money if c in COST_COLUMNS else (
                    "yyyy-mm-dd hh:mm" if isinstance(v, datetime) else "yyyy-mm-dd")
                out.append(cell)
            else:
                out.append(v)
        sheet.append(out)


def report_xlsx(result: AuditResult) -> bytes:
    """The workbook's bytes: sheets Actions (most urgent first), Findings and Photos."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    currency = str(result.budget.get("currency") or "")
    _add_sheet(book, "Actions", actions_table(result), currency)
    _add_sheet(book, "Findings", findings_table(result), currency)
    _add_sheet(book, "Photos", photos_table(result), currency)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
