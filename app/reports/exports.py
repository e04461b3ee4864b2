"""CSV (UTF-8 with BOM, Chinese headers) and XLSX exports of the reports.

Cells are data, never formulas: a text cell starting with = + - @ (or a tab/CR, which Excel also
reads as a formula lead-in) is prefixed with an apostrophe, so a technician named "=HYPERLINK(…)"
in an upstream file cannot run anything on the pay clerk's machine.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo

from app.reports.tariff import PAY_RULES, fen_to_yuan
from app.spreadsheet import (  # noqa: F401  (to_csv: the reports' CSV, as callers know it)
    COUNT_FORMAT, DECIMAL_FORMAT, PERCENT_FORMAT, YUAN_FORMAT, Column, Sheet, to_csv, workbook, yuan)


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
    ("install_pay", "装移机酬金(元)", lambda row: yuan(row["install_pay_fen"])),
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
    ("monthly_bonus", "月度奖励(元)", lambda row: yuan(row["monthly_bonus_fen"])),
    ("excluded", "取消评定原因", lambda r: EXCLUSIONS.get(r.get("excluded"), "")),
]
EXCLUSIONS = {"confirmed_fraud": "确认虚假评价", "justified_complaint": "有理由投诉",
              "no_star_rated_orders": "无参评工单"}
SOURCES = {"wechat": "微信评价", "ivr": "IVR回访", "manual": "人工回访", "default": "默认三星"}
PRODUCT_LABELS = {"broadband": "宽带", "iptv": "单装IPTV", "iptv_bundled": "同装IPTV",
                  "landline": "固话", "campus": "校园宽带"}
ORDER_TYPE_LABELS = {"install": "装机", "move": "移机", "repair": "维修"}
COMPONENT_LABELS = {"install": "装移机酬金", "maintenance": "维护酬金", "commission": "顺销等酬金",
                    "quarterly_bonus": "季度星级奖励", "overdue": "修机超时扣罚", "urge": "催修扣罚",
                    "false_closure": "虚假回单扣罚", "fraud": "虚假评价扣罚", "complaint": "投诉扣罚",
                    "other": "其他扣罚"}
PENALTY_LABELS = {"overdue": "修机超时", "urge": "催修", "false_closure": "虚假回单",
                  "fraud": "虚假评价", "complaint": "投诉", "other": "其他"}
URGE_LABELS = {"procedure": "未按规定操作", "overdue_with_appointment": "已录音预约但修复超时",
               "overdue_without_appointment": "未录音预约且修复超时", "excused": "特殊情况"}
RULE_LABELS = {
    **PAY_RULES,
    "maintenance": "标准维护单价×地理位置系数×当月考核得分÷100",
    "overdue": "修机超时，每满24小时扣罚一次",
    "overdue_exempt": "OLT/光缆故障转派责任岗位，免考核",
    "urge": "催修，每单按最高一项扣罚一次",
    "commission": "顺销等酬金",
    "quarterly_bonus": "上季度综合星级月度奖励",
    "fraud": "虚假评价（一次发现）罚款",
    "complaint": "投诉扣罚（客户服务部通报）",
    "other": "其他扣罚",
}


def present_line(line: dict) -> dict:
    """A ledger line for people: yuan strings and the component and rule in words."""
    unit = line.get("unit_price_fen")
    return {**line, "component": line.get("component", "install"),
            "component_label": COMPONENT_LABELS[line.get("component", "install")],
            "unit_price": fen_to_yuan(unit) if unit is not None else None,
            "amount": fen_to_yuan(line["amount_fen"]),
            "pay_rule_label": RULE_LABELS.get(line["pay_rule"], line["pay_rule"])}


def _when(name: str, tz_name: str) -> Callable[[dict], Any]:
    zone = ZoneInfo(tz_name)
    return lambda row: (row[name].astimezone(zone).strftime("%Y-%m-%d %H:%M")
                        if row.get(name) else "")


def _note(row: dict) -> str:
    detail = row.get("detail") or {}
    if row.get("component") == "urge":
        return "、".join(URGE_LABELS.get(k, k) for k in detail.get("kinds", []))
    if row.get("component") == "quarterly_bonus":
        return f"{detail.get('quarter')} {detail.get('grade')}星"
    if row.get("component") == "overdue":
        return f"超时 {detail.get('hours_late')} 小时"
    return detail.get("note") or ""


def ledger_columns(tz_name: str) -> list[Column]:
    """A ledger's columns, its times in `tz_name` (the company's clock, not UTC)."""
    return [*LEDGER_LEAD, ("completed_at", "竣工时间", _when("completed_at", tz_name)),
            *LEDGER_TAIL]


LEDGER_LEAD: list[Column] = [
    ("component", "项目", _field("component_label")),
    ("order_no", "工单号", _field("order_no")),
    ("order_type", "工单类型", lambda r: ORDER_TYPE_LABELS.get(r.get("order_type"), "")),
    ("product", "产品", lambda r: PRODUCT_LABELS.get(r.get("product"), "")),
    ("area", "区域", _field("area"))]
LEDGER_TAIL: list[Column] = [
    ("stars", "有效星级", _field("stars")),
    ("source", "星级来源", lambda r: SOURCES.get(r["source"], r["source"]) if r.get("source") else ""),
    ("pay_rule", "计算规则", _field("pay_rule_label")),
    ("unit_price", "单价(元)", lambda r: yuan(r.get("unit_price_fen"))),
    ("coefficient", "地理位置系数", _field("coefficient")),
    ("quantity", "数量", _field("quantity")), ("score", "考核得分", _field("score")),
    ("note", "说明", _note),
    ("amount", "金额(元)", lambda r: yuan(r["amount_fen"])),
]


def ledger_workbook(report: dict, notes: Sequence[tuple[str, str]], tz_name: str) -> bytes:
    """A technician's ledger: one line per order or component, a 合计 row summing the amounts."""
    lines = Sheet("酬金明细", ledger_columns(tz_name), report["lines"], formats=FORMATS,
                  sums=["amount"])
    return workbook([lines], notes)


def _yuan_of(name: str) -> Callable[[dict], Any]:
    return lambda row: yuan(row[f"{name}_fen"])


def _penalty(kind: str) -> Callable[[dict], Any]:
    return lambda row: yuan(row["penalties_fen"][kind])


PAY_MONEY: list[Column] = [
    ("install_pay", "装移机酬金(元)", _yuan_of("install_pay")),
    ("assessment_score", "当月考核得分", _field("assessment_score")),
    ("maintenance_pay", "维护酬金(元)", _yuan_of("maintenance_pay")),
    ("commissions", "顺销等酬金(元)", _yuan_of("commissions")),
    ("quarterly_bonus", "季度星级奖励(元)", _yuan_of("quarterly_bonus")),
    *[(f"penalty_{kind}", f"扣罚-{label}(元)", _penalty(kind))
      for kind, label in PENALTY_LABELS.items()],
    ("penalties_total", "服务扣罚合计(元)", _yuan_of("penalties_total")),
    ("total_pay", "个人实际收入(元)", _yuan_of("total_pay")),
]
PAY_COLUMNS: list[Column] = [
    *WHO, ("orders_completed", "竣工工单数", _field("orders_completed")),
    ("repair_orders", "维修工单数", _field("repair_orders")), *PAY_MONEY,
    ("quarterly_grade", "上季度星级", lambda r: "" if "employee_no" not in r else
     f"{r['quarterly_grade']}星" if r.get("quarterly_grade") else "无星级"),
]
PAY_GROUP_COLUMNS = {
    "team": [("area", "区县/营业部", _field("area")), ("team", "班组", _field("team"))],
    "area": [("area", "区县/营业部", _field("area"))],
    "vendor": [("vendor", "所属单位", _field("vendor"))],
}
YUAN_KEYS = {"install_pay", "monthly_bonus", "unit_price", "amount",
             *(key for key, _, _ in PAY_MONEY if key != "assessment_score")}
COUNT_KEYS = {"orders_completed", "wechat_ratings", "stars_5", "stars_4", "stars_3", "stars_2",
              "stars_1", "frauds_confirmed", "technicians", "star_ineligible", "orders",
              "stars_total", "rank", "repair_orders", "quantity", "complaints", "accounts",
              "consecutive_bottom_months", "ratings_with_presence", "stars"}
PERCENT_KEYS = {"participation_rate", "satisfaction_rate", "presence_rate"}
DECIMAL_KEYS = {"avg_stars", "score", "assessment_score", "average_score", "per_10k",
                "coefficient"}
# One number format per column key, whatever sheet it appears on.
FORMATS = {**dict.fromkeys(YUAN_KEYS, YUAN_FORMAT), **dict.fromkeys(COUNT_KEYS, COUNT_FORMAT),
           **dict.fromkeys(PERCENT_KEYS, PERCENT_FORMAT),
           **dict.fromkeys(DECIMAL_KEYS, DECIMAL_FORMAT)}
# Columns whose 合计 is their sum (money and counts; never ranks, stars, scores or rates).
SUMMED = (YUAN_KEYS - {"unit_price"}) | (COUNT_KEYS - {"rank", "stars", "consecutive_bottom_months"})


def sheet(title: str, columns: Sequence[Column], rows: Sequence[dict], *,
          totals: dict | None = None, summed: bool = True) -> Sheet:
    """A sheet with the shared number formats and, when `summed`, a 合计 row of SUM formulas."""
    sums = [key for key, _, _ in columns if key in SUMMED] if summed else []
    return Sheet(title, columns, rows, totals=totals, formats=FORMATS, sums=sums)


def pay_group_columns(by: str) -> list[Column]:
    summary = [("technicians", "人数", _field("technicians")),
               ("orders_completed", "竣工工单数", _field("orders_completed")),
               ("average_score", "平均考核得分", _field("average_score"))]
    money = [c for c in PAY_MONEY if c[0] != "assessment_score"]
    return [*PAY_GROUP_COLUMNS[by], *summary, *money]


def _averages(totals: dict) -> dict:
    """The non-summed cells of a 合计 row: the average score, nothing else."""
    return {"average_score": totals.get("average_score"),
            "assessment_score": totals.get("average_score")}


def pay_workbook(report: dict, notes: Sequence[tuple[str, str]]) -> bytes:
    """The pay sheet as XLSX: people with a 合计 row, then team, area and vendor sheets."""
    totals = report["totals"]
    sheets = [sheet("人员明细", PAY_COLUMNS, report["items"], totals=_averages(totals))]
    for key, by, title in (("teams", "team", "班组汇总"), ("areas", "area", "区域汇总"),
                           ("vendors", "vendor", "单位汇总")):
        sheets.append(sheet(title, pay_group_columns(by), report[key], totals=_averages(totals)))
    return workbook(sheets, notes)


def to_xlsx(sheets: Sequence[tuple[str, Sequence[Column], Sequence[dict]]],
            notes: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet per (title, columns, rows), plus a 说明 sheet of (label, value) notes."""
    return workbook([sheet(title, columns, rows) for title, columns, rows in sheets], notes)


RANKING_COLUMNS: list[Column] = [
    ("rank", "名次", _field("rank")), *WHO,
    ("assessment_score", "当月考核得分", _field("assessment_score")),
    ("orders_completed", "竣工工单数", _field("orders_completed")),
    ("star", "月度服务明星", _yes_no("star")),
    ("veto", "一票否决", lambda r: {"fraud": "确认虚假评价", "justified_complaint": "有理由投诉"}
     .get(r.get("veto"), "")),
    ("bottom", "末位", _yes_no("bottom")),
    ("consecutive_bottom_months", "连续末位月数", _field("consecutive_bottom_months")),
    ("recommendation", "建议", lambda r: {"training": "待岗培训", "removal": "清退"}
     .get(r.get("recommendation"), "")),
]
TEAM_RANK_COLUMNS: list[Column] = [
    ("rank", "名次", _field("rank")), ("area", "区县/营业部", _field("area")),
    ("team", "班组", _field("team")), ("technicians", "参评人数", _field("technicians")),
    ("average_score", "平均考核得分", _field("average_score"))]
AREA_RATIO_COLUMNS: list[Column] = [
    ("area", "区县/营业部", _field("area")), ("complaints", "投诉数", _field("complaints")),
    ("accounts", "宽带账号数", _field("accounts")), ("per_10k", "万投比", _field("per_10k"))]


def ranking_workbook(report: dict, notes: Sequence[tuple[str, str]]) -> bytes:
    return workbook([sheet("月度排名", RANKING_COLUMNS, report["items"], summed=False),
                     sheet("班组排名", TEAM_RANK_COLUMNS, report["teams"], summed=False),
                     sheet("万投比", AREA_RATIO_COLUMNS, report["areas"])], notes)
