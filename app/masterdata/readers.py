"""Turn an uploaded file into records `(row_number, {column: text})`, streaming.

CSV comes from upstream systems (UTF-8) and from Excel in Chinese offices (UTF-8 with BOM, or
GBK/GB18030). We sniff the encoding from the first bytes; bytes that do not decode later in the file
become U+FFFD, and the row holding them is rejected rather than the whole file.

Row numbers are what the operator sees: for CSV the spreadsheet row (the header is row 1, the first
record row 2); for XLSX Excel's row number on the first sheet; for JSON the 1-based position in the
array.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import BinaryIO

from openpyxl import load_workbook

from app.errors import BadRequest

SNIFF_BYTES = 64 * 1024
Record = tuple[int, dict[str, str] | None, str | None]   # (row, cells, error)

csv.field_size_limit(1024 * 1024)


class BadFile(BadRequest):
    code = "bad_file"


class CountingStream(io.RawIOBase):
    """A readable raw stream that serves `head` first, then `source`, counting bytes."""

    def __init__(self, head: bytes, source: BinaryIO):
        self._head = memoryview(head)
        self._source = source
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            chunk = self._source.read(len(buffer))
            n = len(chunk)
            buffer[:n] = chunk
        self.bytes_read += n
        return n


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadFile("不支持 UTF-16 文件，请在 Excel 中另存为“CSV UTF-8” "
                      "(UTF-16 is not supported; save as CSV UTF-8)", code="unsupported_encoding")
    if _decodes(head, "utf-8"):
        return "utf-8"
    # Excel in China saves "CSV" as GBK; GB18030 is its superset. A file that is neither is most
    # likely UTF-8 with a few damaged bytes: decode it as UTF-8 and reject the damaged rows.
    return "gb18030" if _decodes(head, "gb18030") else "utf-8"


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def open_csv(source: BinaryIO) -> tuple[CountingStream, str, io.TextIOWrapper]:
    head = source.read(SNIFF_BYTES)
    if not head:
        raise BadFile("文件为空 (the file is empty)", code="empty_file")
    encoding = detect_encoding(head)
    if b"\x00" in head:
        raise BadFile("这不是文本 CSV 文件 (not a text CSV file)", code="not_csv")
    raw = CountingStream(head, source)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1024 * 1024), encoding=encoding,
                            errors="replace", newline="")
    return raw, encoding, text


def read_csv(text: io.TextIOBase, expected: tuple[str, ...],
             on_header: Callable[[list[str]], None] | None = None) -> Iterator[Record]:
    """Records of a CSV whose header has the `expected` columns; `on_header` sees the header."""
    reader = csv.reader(text)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise BadFile("无法读取表头 (cannot read the header row)", code="bad_header") from exc
    header = [h.strip().lstrip("\ufeff") for h in header]
    check_header(header, expected)
    if on_header:
        on_header(header)
    width = len(header)
    row = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row += 1
            yield row, None, f"CSV 格式错误 (malformed CSV): {exc}"
            continue
        row += 1
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) != width:     # the cells still go back to the operator, as far as they go
            yield row, dict(zip(header, cells)), (f"应有 {width} 列，实际 {len(cells)} 列 "
                              f"(expected {width} fields, got {len(cells)})")
            continue
        yield row, dict(zip(header, cells)), None


def check_header(header: list[str], expected: tuple[str, ...]) -> None:
    missing = [c for c in expected if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if missing or duplicated:
        raise BadFile(
            "表头与导入类型不符 (the header does not match this import)", code="bad_header",
            details={"expected": list(expected), "missing": missing, "duplicated": duplicated,
                     "found": header[:50]})


XLSX_MAGIC = b"PK\x03\x04"


def read_xlsx(body: bytes, expected: tuple[str, ...],
              on_header: Callable[[list[str]], None] | None = None) -> Iterator[Record]:
    """Records of the first sheet of an Excel workbook; row numbers are Excel's own."""
    if not body.startswith(XLSX_MAGIC):
        raise BadFile("这不是 Excel 工作簿（.xlsx）(not an .xlsx workbook)", code="not_xlsx")
    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:        # a damaged zip or XML: openpyxl raises many kinds
        raise BadFile("无法读取 Excel 文件，请另存为 .xlsx 后重试 (cannot read this workbook)",
                      code="not_xlsx") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        header = [_xlsx_cell(v).strip() for v in (first or ())]
        while header and not header[-1]:
            header.pop()
        check_header(header, expected)
        if on_header:
            on_header(header)
        for row, values in enumerate(rows, start=2):
            cells = [_xlsx_cell(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            extra = [c for c in cells[len(header):] if c.strip()]
            record = dict(zip(header, cells + [""] * (len(header) - len(cells))))
            if extra:
                yield row, record, (f"表头之外还有 {len(extra)} 个单元格有内容 "
                                    f"({len(extra)} cells beyond the header)")
                continue
            yield row, record, None
    finally:
        book.close()


def _xlsx_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def read_json(body: bytes) -> Iterator[Record]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadFile("请求体不是合法的 JSON (body is not valid JSON)", code="invalid_json") from exc
    if not isinstance(data, list):
        raise BadFile("JSON 请求体必须是数组 (the JSON body must be an array)", code="not_an_array")
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield index, None, "每一项必须是对象 (each item must be an object)"
            continue
        cells, error = {}, None
        for key, value in item.items():
            if isinstance(value, (dict, list)):
                error = f"{key}: 必须是字符串、数字或布尔值 (must be a scalar)"
                break
            cells[key] = _json_cell(value)
        yield index, (None if error else cells), error


def _json_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
