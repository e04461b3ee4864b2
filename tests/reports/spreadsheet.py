"""Read an exported XLSX sheet the way a pay clerk's Excel would: header, data rows, 合计 row."""
from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook

SUM = re.compile(r"^=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")


def open_book(data: bytes):
    return load_workbook(io.BytesIO(data))


def table(sheet) -> tuple[list[str], list[list], list | None]:
    """(header, data rows, the 合计 row or None)."""
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header, body = rows[0], rows[1:]
    if body and body[-1][0] == "合计":
        return header, body[:-1], body[-1]
    return header, body, None


def evaluate_sum(sheet, formula: str) -> Decimal:
    """What Excel shows for a totals cell: the sum of the column range its formula names."""
    match = SUM.match(formula or "")
    assert match, f"not a SUM over one column: {formula!r}"
    column, first, column_end, last = match.groups()
    assert column == column_end
    total = Decimal(0)
    for row in range(int(first), int(last) + 1):
        value = sheet[f"{column}{row}"].value
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (column, row, value)
        total += Decimal(str(value))
    return total


def column_cells(sheet, header: list[str], name: str, rows: int) -> list:
    index = header.index(name) + 1
    return [sheet.cell(row, index) for row in range(2, rows + 2)]
