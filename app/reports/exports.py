"""CSV (UTF-8 with BOM, Chinese headers) and XLSX exports of the reports.

Cells are data, never formulas: a text cell starting with = + - @ (or a tab/CR, which Excel also
reads as a formula lead-in) is prefixed with an apostrophe, so a technician named "=HYPERLINK(…)"
in an upstream file cannot run anything on the pay clerk's machine.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Callable, Sequence

from openpyxl import Workbook

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
Column = tuple[str, str, Callable[[dict], Any]]   # (key, 中文表头, value of a row)


def _field(name: str) -> Callable[[dict], Any]:
    return lambda row: row.get(name)


def _star(n: int) -> Callable[[dict], Any]:
    return lambda row: row["stars"][str(n)]


def _yes_no(name: str) -> Callable[[dict], Any]:
    return lambda row: "是" if row.get(name) else "否"


WHO = [("employee_no", "工号", _field("employee_no")), ("name", "姓名", _field("name")),
       ("team", "班组", _field("team")), ("area", "区县/营业部", _field("area")),
       ("vendor", "所属单位", _field("vendor"))]
MONTH_FIGURES = [
    ("orders_completed", "竣工工单数", _field("orders_completed")),
    ("wechat_ratings", "微信评价数", _field("wechat_ratings")),
    ("participation_rate", "参评率", _field("participation_rate")),
    *[(f"stars_{n}", f"{n}星工单数", _star(n)) for n in range(5, 0, -1)],
    ("avg_stars", "平均星级", _field("avg_stars")),
    ("satisfaction_rate", "满意率", _field("satisfaction_rate")),
    ("install_pay", "装移机酬金(元)", _field("install_pay")),
]
MONTHLY_COLUMNS: list[Column] = [
    *WHO, *MONTH_FIGURES,
    ("star_eligible", "星级资格", _yes_no("star_eligible")),
    ("frauds_confirmed", "确认虚假评价数", _field("frauds_confirmed")),
]
TEAM_COLUMNS: list[Column] = [("area", "区县/营业部", _field("area")), ("team", "班组", _field("team")),
                              ("technicians", "人数", _field("technicians")), *MONTH_FIGURES,
                              ("star_ineligible", "无星级资格人数", _field("star_ineligible"))]
AREA_COLUMNS: list[Column] = [c for c in TEAM_COLUMNS if c[0] != "team"]
QUARTERLY_COLUMNS: list[Column] = [
    *WHO, ("orders", "参评工单数", _field("orders")), ("stars_total", "星级总量", _field("stars_total")),
    ("score", "综合得分", _field("score")), ("rank", "排名", _field("rank")),
    ("grade", "季度星级", lambda r: f"{r['grade']}星" if r.get("grade") else "无星级"),
    ("monthly_bonus", "月度奖励(元)", _field("monthly_bonus")),
    ("excluded", "取消评定原因", lambda r: EXCLUSIONS.get(r.get("excluded"), "")),
]
EXCLUSIONS = {"confirmed_fraud": "确认虚假评价", "justified_complaint": "有理由投诉",
              "no_star_rated_orders": "无参评工单"}
SOURCES = {"wechat": "微信评价", "ivr": "IVR回访", "manual": "人工回访", "default": "默认三星"}
LEDGER_COLUMNS: list[Column] = [
    ("order_no", "工单号", _field("order_no")), ("order_type", "工单类型", _field("order_type")),
    ("product", "产品", _field("product")), ("area", "区域", _field("area")),
    ("completed_at", "竣工时间", lambda r: r["completed_at"].isoformat()),
    ("stars", "有效星级", _field("stars")),
    ("source", "星级来源", lambda r: SOURCES.get(r["source"], r["source"])),
    ("pay_rule", "计酬规则", _field("pay_rule_label")),
    ("unit_price", "单价(元)", _field("unit_price")),
    ("coefficient", "地理位置系数", _field("coefficient")), ("amount", "金额(元)", _field("amount")),
]


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return "" if value is None else value


def to_csv(columns: Sequence[Column], rows: Sequence[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([header for _, header, _ in columns])
    for row in rows:
        writer.writerow([safe_cell(value(row)) for _, _, value in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Column], Sequence[dict]]],
            notes: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet per (title, columns, rows), plus a 说明 sheet of (label, value) notes."""
    book = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append([header for _, header, _ in columns])
        for row in rows:
            sheet.append([safe_cell(value(row)) for _, _, value in columns])
    if notes:
        sheet = book.create_sheet("说明")
        for label, value in notes:
            sheet.append([label, safe_cell(value)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
