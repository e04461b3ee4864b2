"""Import templates (导入模板) per kind: the header, one sample row that imports cleanly into a
database holding the other kinds' samples, and per column whether it is required and what it
takes (the allowed values of an enumeration with their Chinese words). CSV carries the header and
the sample row; XLSX adds a 填写说明 sheet and drop-down lists for the enumerations."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from app.masterdata.fields import aliases_of
from app.masterdata.specs import ImportSpec

SAMPLES = {
    "technicians": {"employee_no": "T0001", "name": "王师傅", "phone": "13800000001",
                    "team": "城区一班", "area": "城区营业部", "vendor": "自营", "status": "active"},
    "accounts": {"account_no": "A0001", "holder_name": "张先生", "phone": "13900000001",
                 "address": "迎宾街1号", "area": "城区营业部"},
    "orders": {"order_no": "GD0001", "account_no": "A0001", "employee_no": "T0001",
               "order_type": "install", "product": "broadband", "area": "城区营业部",
               "created_at": "2026-10-03T09:00:00+08:00",
               "completed_at": "2026-10-03T11:30:00+08:00", "status": "completed"},
    "callbacks": {"order_no": "GD0001", "channel": "ivr", "result": "satisfied",
                  "called_at": "2026-10-04T10:00:00+08:00"},
    "complaints": {"order_no": "GD0001", "employee_no": "T0001",
                   "complained_at": "2026-10-05T10:00:00+08:00", "level": "local",
                   "justified": "否"},
    "urges": {"order_no": "GD0001", "urged_at": "2026-10-03T10:00:00+08:00",
              "cause": "overdue", "appointment_recorded": "是"},
    "penalties": {"employee_no": "T0001", "order_no": "", "kind": "other", "amount": "50",
                  "occurred_at": "2026-10-15T10:00:00+08:00", "note": "迟到"},
    "commissions": {"employee_no": "T0001", "month": "2026-10", "amount": "88.80",
                    "note": "宽带续约"},
    "assessments": {"employee_no": "T0001", "month": "2026-10", "item": "装移机预约录音及时率",
                    "points": "-2", "note": "两单未录音"},
}
TIP = ("第一张工作表的第一行是表头，第二行起每行一条；示例行可直接导入，也可删除后填写自己的数据。"
       "时间不带时区按北京时间。")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")


def sample_row(spec: ImportSpec) -> dict[str, str]:
    """The kind's sample, or (for a kind without one) each column's description."""
    sample = SAMPLES.get(spec.kind)
    if sample is None:
        return {c.name: "" if not c.required else c.description for c in spec.columns}
    return {c.name: sample.get(c.name, "") for c in spec.columns}


def allowed_values(column) -> str:
    values = getattr(column.parse, "allowed", None)
    if not values:
        return ""
    return "；".join(f"{v}（{'、'.join(aliases_of(v))}）" if aliases_of(v) else v for v in values)


def guide(spec: ImportSpec) -> list[tuple[str, str, str, str]]:
    """(column, 必填/可空, what it is, allowed values) per column."""
    return [(c.name, "必填" if c.required else ("可省略此列" if c.optional_header else "可空"),
             c.description, allowed_values(c)) for c in spec.columns]


def template_csv(spec: ImportSpec) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    sample = sample_row(spec)
    writer.writerow([c.name for c in spec.columns])
    writer.writerow([sample[c.name] for c in spec.columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(spec: ImportSpec) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = spec.label[:31]
    sample = sample_row(spec)
    sheet.append([c.name for c in spec.columns])
    sheet.append([sample[c.name] for c in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(1, index)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4,
                                                    len(str(sample[column.name])) * 2)
        sheet[f"{letter}2"].number_format = "@"          # codes and times stay text
        values = getattr(column.parse, "allowed", None)
        if values:
            rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                  allow_blank=not column.required)
            rule.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "是否必填", "说明", "可选值（也可填中文）"])
    for cell in notes[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for line in guide(spec):
        notes.append(list(line))
    notes.append([])
    notes.append(["提示", "", TIP, ""])
    for letter, width in (("A", 22), ("B", 12), ("C", 48), ("D", 60)):
        notes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
