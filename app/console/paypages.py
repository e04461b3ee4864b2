"""What the pay sheet, its drill-down and the ranking boards show, from the reports service."""
from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from app.console import charts
from app.masterdata import service as masterdata
from app.reports import service as report_service
from zoneinfo import ZoneInfo

from app.reports.exports import (
    COMPONENT_LABELS, ORDER_TYPE_LABELS, PENALTY_LABELS, PRODUCT_LABELS, URGE_LABELS)

SCORE_BANDS = ((0, 60, "<60"), (60, 70, "60–69"), (70, 80, "70–79"), (80, 90, "80–89"),
               (90, 100, "90–99"), (100, 110, "100–109"), (110, 121, "110–120"))
BAND_COLOURS = [charts.BAD, "#e0662d", "#c9a100", "#c9a100", "#5aa33b", "#1a7f37", "#1a7f37"]
PAY_SORTABLE = ("employee_no", "name", "team", "orders_completed", "assessment_score",
                "install_pay_fen", "maintenance_pay_fen", "commissions_fen",
                "quarterly_bonus_fen", "penalties_total_fen", "total_pay_fen")
PARTS = ("install_pay_fen", "maintenance_pay_fen", "commissions_fen", "quarterly_bonus_fen")
PART_LABELS = ["装移机", "维护", "顺销", "季度奖"]
PART_COLOURS = ["#0a6cd6", "#4aa3ff", "#5aa33b", "#c9a100"]
COMPONENT_ORDER = ("install", "maintenance", "commission", "quarterly_bonus", "overdue", "urge",
                   "false_closure", "fraud", "complaint", "other")


CHANGE_LABELS = {
    "install_pay_fen": "装移机酬金", "maintenance_pay_fen": "维护酬金", "commissions_fen": "顺销等酬金",
    "quarterly_bonus_fen": "季度星级奖励", "penalties_total_fen": "扣罚合计", "total_pay_fen": "实际收入",
    "assessment_score": "考核得分", "orders_completed": "竣工工单", "wechat_ratings": "微信评价",
    "star_eligible": "星级资格", "frauds_confirmed": "确认虚假评价", "stars": "星级分布",
    **{f"penalty_{kind}_fen": f"扣罚-{label}" for kind, label in PENALTY_LABELS.items()},
}


def describe_change(name: str, change: dict) -> str:
    """`装移机酬金 30.00→60.00`: a version diff in words and yuan."""
    old, new = change["old"], change["new"]
    if name.endswith("_fen") and isinstance(old, int) and isinstance(new, int):
        old, new = f"{old / 100:.2f}", f"{new / 100:.2f}"
    return f"{CHANGE_LABELS.get(name, name)} {old}→{new}"


def score_bands(scores) -> list[tuple[str, int]]:
    counts = [0] * len(SCORE_BANDS)
    for score in scores:
        exact = Fraction(str(score))
        for i, (low, high, _) in enumerate(SCORE_BANDS):
            if low <= exact < high:
                counts[i] += 1
                break
    return [(label, n) for (_, _, label), n in zip(SCORE_BANDS, counts)]


def _sorted(rows: list[dict], key: str, descending: bool) -> list[dict]:
    if key not in PAY_SORTABLE:
        return rows
    return sorted(rows, key=lambda r: (Fraction(str(r[key])) if key == "assessment_score"
                                       else r[key], r["employee_no"]), reverse=descending)


def pay_page(*, month: str, team: str | None, area: str | None, vendor: str | None, sort: str,
             descending: bool, tariff, tz_name: str) -> dict:
    report = report_service.pay_sheet(month=month, tariff=tariff, tz_name=tz_name, team=team,
                                      area=area, vendor=vendor)
    report["items"] = _sorted(report["items"], sort, descending)
    teams = sorted(report["teams"], key=lambda t: -t["total_pay_fen"])
    report["charts"] = {
        "scores": charts.columns(score_bands(i["assessment_score"] for i in report["items"]
                                             if i["orders_completed"]),
                                 title=f"{month} 当月考核得分分布（人数）", colours=BAND_COLOURS),
        "teams": charts.diverging_stack(
            [(t["team"], [t[p] / 100 for p in PARTS], t["penalties_total_fen"] / 100,
              f"合计 {t['total_pay']}") for t in teams],
            segments=PART_LABELS, colours=PART_COLOURS, title="各班组酬金构成（元）"),
    }
    report["versions"] = report_service.month_versions(month)
    report["bulletins"] = report_service.bulletin_counts(month)
    report["vendors_list"] = sorted({i["vendor"] for i in report["items"]})
    return report


def drill_page(*, month: str, employee_no: str, tariff, tz_name: str) -> dict:
    """One technician's month: the sheet line, the score item by item, every line by component."""
    technician = masterdata.get_technician(employee_no)
    ledger = report_service.pay_ledger(month=month, technician=technician, tariff=tariff,
                                       tz_name=tz_name)
    groups, zone = [], ZoneInfo(tz_name)
    for line in ledger["lines"]:
        deadline = (line.get("detail") or {}).get("deadline")
        if deadline:
            line["deadline_local"] = datetime.fromisoformat(deadline).astimezone(zone) \
                .strftime("%m-%d %H:%M")
    for component in COMPONENT_ORDER:
        lines = [line for line in ledger["lines"] if line["component"] == component]
        if lines:
            groups.append({"component": component, "label": COMPONENT_LABELS[component],
                           "lines": lines, "total": ledger["components"][component],
                           "penalty": component in PENALTY_LABELS})
    return {"technician": technician, "ledger": ledger, "pay": ledger["pay"], "groups": groups,
            "urge_labels": URGE_LABELS, "products": PRODUCT_LABELS,
            "order_types": ORDER_TYPE_LABELS}


def ranking_page(*, month: str, tariff, tz_name: str) -> dict:
    report = report_service.monthly_ranking(month=month, tariff=tariff, tz_name=tz_name)
    report["charts"] = {
        "teams": charts.hbars([(t["team"], t["average_score"], f"{t['average_score']:.2f} 分 · "
                                f"{t['technicians']} 人") for t in report["teams"]],
                              title=f"{month} 班组平均考核得分", percent=False, scale=120),
        "scores": charts.columns(score_bands(i["assessment_score"] for i in report["items"]),
                                 title=f"{month} 考核得分分布（人数）", colours=BAND_COLOURS),
    }
    return report
