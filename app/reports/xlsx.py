"""One small XLSX writer for exports people open in Excel: numbers stay numbers (sums and filters
work), the header is bold and frozen, an autofilter covers the data, an optional 合计 row closes
the sheet, and a 说明 sheet holds notes (period, version, tariff). Streams row by row (openpyxl's
write-only mode), so a large sheet needs no more memory than a row.

Text cells go through `safe_cell` (a leading = + - @ is defused), as in the CSV exports.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Column = tuple[str, str, Callable[[dict], Any]]     # (key, 中文表头, value of a row)
YUAN_FORMAT = "#,##0.00"
BOLD = Font(bold=True)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return "" if value is None else value


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a yuan number with two decimals (Decimal('12.50'), never a float)."""
    return None if fen is None else Decimal(fen).scaleb(-2)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[dict]
    totals: Mapping | None = None            # a row of the same columns, labelled 合计
    formats: Mapping[str, str] = field(default_factory=dict)   # column key → number format
    widths: Mapping[str, float] = field(default_factory=dict)


def _cell(sheet, value, number_format: str | None = None, bold: bool = False):
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if number_format and isinstance(value, (int, float, Decimal)):
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


def workbook(sheets: Sequence[Sheet], notes: Sequence[tuple[str, str]] = ()) -> bytes:
    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        for index, (key, header, _) in enumerate(spec.columns, start=1):
            width = spec.widths.get(key, max(8, min(30, len(header) * 2 + 2)))
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, header, bold=True) for _, header, _ in spec.columns])
        count = 0
        for row in spec.rows:
            count += 1
            sheet.append([_cell(sheet, value(row), spec.formats.get(key))
                          for key, _, value in spec.columns])
        last = get_column_letter(max(1, len(spec.columns)))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        if spec.totals is not None:
            cells = [_cell(sheet, value(spec.totals), spec.formats.get(key), bold=True)
                     for key, _, value in spec.columns]
            cells[0] = _cell(sheet, "合计", bold=True)
            sheet.append(cells)
    if notes:
        sheet = book.create_sheet("说明")
        for label, value in notes:
            sheet.append([label, safe_cell(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
