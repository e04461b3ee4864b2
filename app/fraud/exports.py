"""The flag list as a file auditors can sort and filter (CSV with BOM / XLSX): one line per flag,
detectors and status in words, the score as a percentage, times in local time."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from app.fraud.labels import DETECTORS, FLAG_STATUSES
from app.fraud.models import FraudFlag
from app.spreadsheet import PERCENT_FORMAT, Column, Sheet, to_csv, workbook


def _row(flag: FraudFlag, zone: ZoneInfo) -> dict:
    technician = flag.technician
    return {
        "id": flag.id, "month": flag.month or "", "order_no": flag.order.order_no,
        "employee_no": technician.employee_no, "name": technician.name, "team": technician.team,
        "area": technician.area, "score": flag.score,
        "detectors": "、".join(DETECTORS.get(d, d) for d in flag.detectors.strip(",").split(",")
                              if d),
        "status": FLAG_STATUSES.get(flag.status, flag.status),
        "created_at": flag.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "decided_by": flag.decided_by or "",
        "decided_at": flag.decided_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        if flag.decided_at else "",
        "note": flag.note or "",
    }


def _field(name: str):
    return lambda row: row[name]


HEADERS = [("id", "标记编号"), ("month", "月份"), ("order_no", "工单号"), ("employee_no", "工号"),
           ("name", "姓名"), ("team", "班组"), ("area", "区县/营业部"), ("score", "可疑程度"),
           ("detectors", "命中规则"), ("status", "状态"), ("created_at", "标记时间"),
           ("decided_by", "复核人"), ("decided_at", "复核时间"), ("note", "复核说明")]
FLAG_COLUMNS: list[Column] = [(key, header, _field(key)) for key, header in HEADERS]


FILTERS = {"month": "月份", "status": "状态", "area": "区县/营业部", "team": "班组",
           "employee_no": "工号", "detector": "命中规则", "min_score": "可疑程度不低于"}


def filter_notes(filters: dict) -> list[tuple[str, str]]:
    """The filters of an export as (label, value) lines in words."""
    words = {"status": FLAG_STATUSES, "detector": DETECTORS}
    lines = [(FILTERS[key], str(words.get(key, {}).get(value, value)))
             for key, value in filters.items() if value is not None and key in FILTERS]
    return lines or [("筛选", "全部标记")]


def flags_file(flags: list[FraudFlag], fmt: str, *, tz_name: str,
               notes: list[tuple[str, str]]) -> bytes:
    """The flags as CSV or as an XLSX with a 说明 sheet (filters, count)."""
    zone = ZoneInfo(tz_name)
    rows = [_row(flag, zone) for flag in flags]
    if fmt == "csv":
        return to_csv(FLAG_COLUMNS, rows)
    spec = Sheet("稽核标记", FLAG_COLUMNS, rows, formats={"score": PERCENT_FORMAT})
    return workbook([spec], [*notes, ("标记数", str(len(rows)))])
