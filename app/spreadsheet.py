"""The spreadsheet writer every export uses (reports, the rating list, fraud flags): CSV with a BOM
and Chinese headers, and XLSX people open in Excel: numbers stay numbers (sums and filters
work), money shows two decimals, rates show as percentages, the header is bold and frozen, an
autofilter covers the data, column widths follow the widest text (a Chinese character counts
double), a 合计 row sums the money and count columns with SUM formulas (so an edited cell moves the
total), and a 说明 sheet holds notes (period, version, tariff). Writes in openpyxl's write-only mode.

Text cells go through `safe_cell` (a leading = + - @ is defused), as in the CSV exports; only the
totals row's own SUM formulas are written as formulas.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

Column = tuple[str, str, Callable[[dict], Any]]     # (key, 中文表头, value of a row)
YUAN_FORMAT = "#,##0.00"
COUNT_FORMAT = "0"
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.00"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
WRAP = Alignment(vertical="center", wrap_text=True)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 6, 40


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return "" if value is None else value


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a yuan number with two decimals (Decimal('12.50'), never a float)."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def text_width(value: Any, number_format: str | None = None) -> int:
    """Columns a value needs in Excel's units: wide (CJK) characters count two."""
    if isinstance(value, (int, float, Decimal)) and number_format == YUAN_FORMAT:
        text = f"{value:,.2f}"
    else:
        text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[dict]
    totals: Mapping | None = None            # values for the 合计 row's columns that are not summed
    formats: Mapping[str, str] = field(default_factory=dict)   # column key → number format
    widths: Mapping[str, float] = field(default_factory=dict)
    sums: Sequence[str] = ()                 # column keys the 合计 row sums with =SUM(…)


def _cell(sheet, value, number_format: str | None = None, bold: bool = False):
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if number_format and isinstance(value, (int, float, Decimal)):
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


def _header(sheet, text: str):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP
    return cell


def _totals(sheet, spec: Sheet, last_row: int) -> list:
    cells = []
    for index, (key, _, value) in enumerate(spec.columns, start=1):
        if key in spec.sums:
            letter = get_column_letter(index)
            cell = WriteOnlyCell(sheet, value=f"=SUM({letter}2:{letter}{last_row})")
            cell.number_format = spec.formats.get(key) or COUNT_FORMAT
            cell.font = BOLD
        elif spec.totals is not None and index > 1:
            cell = _cell(sheet, value(spec.totals), spec.formats.get(key), bold=True)
        else:
            cell = _cell(sheet, None)
        cells.append(cell)
    cells[0] = _cell(sheet, "合计", bold=True)
    return cells


def _write_sheet(book: Workbook, spec: Sheet) -> None:
    sheet = book.create_sheet(spec.title[:31])
    rows = [[value(row) for _, _, value in spec.columns] for row in spec.rows]
    for index, (key, header, _) in enumerate(spec.columns, start=1):
        number_format = spec.formats.get(key)
        widest = max([text_width(r[index - 1], number_format) for r in rows[:2000]] or [0])
        width = spec.widths.get(key) or max(MIN_WIDTH, min(MAX_WIDTH, max(
            widest, min(text_width(header), 16)) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_header(sheet, header) for _, header, _ in spec.columns])
    for values in rows:
        sheet.append([_cell(sheet, value, spec.formats.get(key))
                      for (key, _, _), value in zip(spec.columns, values)])
    last = get_column_letter(max(1, len(spec.columns)))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    if spec.sums or spec.totals is not None:
        sheet.append(_totals(sheet, spec, len(rows) + 1))


def workbook(sheets: Sequence[Sheet], notes: Sequence[tuple[str, str]] = ()) -> bytes:
    book = Workbook(write_only=True)
    for spec in sheets:
        _write_sheet(book, spec)
    if notes:
        sheet = book.create_sheet("说明")
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 60
        for label, value in notes:
            sheet.append([label, safe_cell(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(columns: Sequence[Column], rows: Iterable[dict]) -> bytes:
    """UTF-8 with BOM (Excel in Chinese offices reads it), CRLF, formula-safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header, _ in columns])
    for row in rows:
        writer.writerow([safe_cell(value(row)) for _, _, value in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
