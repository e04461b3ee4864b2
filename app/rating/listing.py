"""The month's ratings as staff download them (CSV with BOM / XLSX): one line per rating with
its presence (在场扫码), never who gave it. The file helpers are the reports' (formula-safe cells)."""
from __future__ import annotations

from dataclasses import asdict
from zoneinfo import ZoneInfo

from app.rating.service import RatingLine
from app.rating.tags import Tag
from app.spreadsheet import COUNT_FORMAT, Column, Sheet, to_csv, workbook

ORDER_TYPES = {"install": "装机", "move": "移机", "repair": "维修"}
PRODUCTS = {"broadband": "宽带", "iptv": "单装IPTV", "iptv_bundled": "同装IPTV", "landline": "固话",
            "campus": "校园宽带"}
CHANNELS = {"miniprogram": "小程序", "h5": "公众号H5", "sms_link": "短信链接"}


def _yes_no(name: str):
    return lambda row: "是" if row[name] else "否"


def columns(tz_name: str, catalogue: tuple[Tag, ...]) -> list[Column]:
    zone = ZoneInfo(tz_name)
    labels = {tag.code: tag.label for tag in catalogue}

    def local(name: str):
        return lambda row: row[name].astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return [
        ("order_no", "工单号", lambda r: r["order_no"]),
        ("employee_no", "工号", lambda r: r["employee_no"]),
        ("technician_name", "姓名", lambda r: r["technician_name"]),
        ("team", "班组", lambda r: r["team"]), ("area", "区县/营业部", lambda r: r["area"]),
        ("order_type", "工单类型", lambda r: ORDER_TYPES.get(r["order_type"], r["order_type"])),
        ("product", "产品", lambda r: PRODUCTS.get(r["product"], r["product"])),
        ("completed_at", "竣工时间", local("completed_at")),
        ("stars", "星级", lambda r: r["stars"]),
        ("tags", "标签", lambda r: "、".join(labels.get(code, code) for code in r["tags"])),
        ("comment", "评价内容", lambda r: r["comment"]),
        ("channel", "评价渠道", lambda r: CHANNELS.get(r["channel"], r["channel"])),
        ("presence", "在场扫码", _yes_no("presence")),
        ("created_at", "评价时间", local("created_at")),
        ("valid", "有效", _yes_no("valid")),
    ]


def ratings_file(lines: list[RatingLine], fmt: str, *, month: str, tz_name: str,
                 catalogue: tuple[Tag, ...], presence_hours: int) -> bytes:
    rows = [asdict(line) for line in lines]
    cols = columns(tz_name, catalogue)
    if fmt == "csv":
        return to_csv(cols, rows)
    present = sum(1 for row in rows if row["presence"] and row["valid"])
    valid = sum(1 for row in rows if row["valid"])
    return workbook([Sheet("评价明细", cols, rows, formats={"stars": COUNT_FORMAT})], notes=[
        ("期间", f"{month}（按工单竣工月份）"), ("有效评价", str(valid)),
        ("其中在场扫码", str(present)),
        ("说明", f"在场扫码：评价人在评价前 {presence_hours} 小时内扫描过该装维人员的动态工牌")])
