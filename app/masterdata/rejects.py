"""Rejected rows as the operator can fix them: the file's own columns, in row order, with the row
number in front and the reason at the end; open it in Excel, correct the cells, delete the two
extra columns (or keep them: an import ignores columns it does not know) and import it again."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

ROW, REASON = "行号(row)", "原因(reason)"


def reject_line(header: list[str], row: int, error: str, cells: dict | None) -> list:
    cells = cells or {}
    return [row, *(cells.get(name, "") for name in header), error]


class RejectsWriter:
    """Streams rejects to a CSV as they come; the header waits for the file's own header."""

    def __init__(self, out: TextIO):
        self._writer = csv.writer(out, lineterminator="\r\n")
        self._header: list[str] = []

    def header(self, header: list[str]) -> None:
        self._header = list(header)
        self._writer.writerow([ROW, *self._header, REASON])

    def reject(self, row: int, error: str, cells: dict | None) -> None:
        self._writer.writerow(reject_line(self._header, row, error, cells))


def rejects_csv(header: list[str], rejected: Iterable[dict]) -> bytes:
    """A stored import's rejects ({row, error, cells}) as CSV with BOM."""
    buffer = io.StringIO()
    writer = RejectsWriter(buffer)
    writer.header(header)
    for item in sorted(rejected, key=lambda r: r["row"]):
        writer.reject(item["row"], item["error"], item.get("cells"))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
