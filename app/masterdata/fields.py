"""Cell parsers for imports: plain functions from one text cell to one typed value.

Each raises `ValueError` with a message an operator understands; the import turns it into a
rejected row. Upstream exports come from Excel in Chinese offices, so the enumerations also accept
the Chinese words those sheets use (装机, 满意, 是 …).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from app.timeutil import parse_timestamp

Parser = Callable[[str], object]

_CODE = re.compile(r"^[A-Za-z0-9@._\-]+$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()]")

ALIASES = {
    # technician status
    "在岗": "active", "在职": "active", "正常": "active", "停岗": "suspended", "待岗": "suspended",
    "离职": "left",
    # order type
    "装机": "install", "新装": "install", "移机": "move", "修机": "repair", "维修": "repair",
    "故障": "repair",
    # product
    "宽带": "broadband", "单装iptv": "iptv", "同装iptv": "iptv_bundled", "固话": "landline",
    "校园宽带": "campus",
    # order status
    "未完成": "open", "在途": "open", "已完成": "completed", "竣工": "completed", "已撤单": "cancelled",
    "撤单": "cancelled",
    # callback channel and result
    "语音": "ivr", "人工": "manual", "满意": "satisfied", "不满意": "dissatisfied",
    "未接通": "no_answer", "无应答": "no_answer", "无评价": "no_answer",
    # complaint level
    "本地": "local", "越级": "escalated",
    # repair fault cause (转派责任岗位)
    "olt故障": "olt", "olt设备故障": "olt", "光缆": "cable", "光缆故障": "cable",
    # urge cause
    "未按规定操作": "procedure", "违规操作": "procedure", "超时": "overdue", "修复超时": "overdue",
    "特殊情况": "excused",
    # penalty kind
    "虚假回单": "false_closure", "投诉": "complaint", "投诉扣罚": "complaint", "其他": "other",
    "其它": "other",
}
_TRUE = {"true", "1", "yes", "y", "是", "有理由", "t"}
_FALSE = {"false", "0", "no", "n", "否", "无理由", "f"}


def text(max_len: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_len:
            raise ValueError(f"长度超过 {max_len} 个字符 (longer than {max_len} characters)")
        return value
    return parse


def code(max_len: int = 32) -> Parser:
    def parse(value: str) -> str:
        if len(value) > max_len or not _CODE.fullmatch(value):
            raise ValueError(f"编号只能包含字母、数字和 @._- 且不超过 {max_len} 位 "
                             f"(letters, digits and @._- only, at most {max_len})")
        return value
    return parse


def phone(value: str) -> str:
    digits = _PHONE_SEPARATORS.sub("", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits.isdigit() or not 7 <= len(digits) <= 12:
        raise ValueError("电话号码格式不正确 (not a phone number)")
    return digits


def choice(*values: str) -> Parser:
    allowed = ", ".join(values)

    def parse(value: str) -> str:
        normalized = value.lower()
        normalized = ALIASES.get(normalized, normalized)
        if normalized not in values:
            raise ValueError(f"取值应为 {allowed} (must be one of {allowed})")
        return normalized
    parse.allowed = values      # what an import template lists for the column
    return parse


def aliases_of(value: str) -> list[str]:
    """The Chinese words an import also takes for `value` (装机 for install …)."""
    return [word for word, meaning in ALIASES.items() if meaning == value]


def timestamp(value: str) -> datetime:
    try:
        return parse_timestamp(value)
    except ValueError:
        raise ValueError("时间格式应为 ISO 8601，如 2026-10-03T09:30:00+08:00 "
                         "(not an ISO 8601 time)") from None


def boolean(value: str) -> bool:
    normalized = value.lower()
    if normalized in _TRUE:
        return True
    if normalized in _FALSE:
        return False
    raise ValueError("应为 true/false 或 是/否 (must be true or false)")


_MONTH = re.compile(r"^(\d{4})\s*(?:-|/|年)?\s*(\d{1,2})\s*月?$")
_MONEY_DECORATION = re.compile(r"^[¥￥]|元$|,")


def month(value: str) -> str:
    """A calendar month: `2026-10` (also 2026/10, 202610, 2026年10月) → `2026-10`."""
    match = _MONTH.fullmatch(value)
    if not match or not 1 <= int(match[2]) <= 12 or not 1900 <= int(match[1]) <= 2999:
        raise ValueError("月份格式应为 YYYY-MM，如 2026-10 (month must look like 2026-10)")
    return f"{match[1]}-{int(match[2]):02d}"


def _hundredths(value: str, what: str) -> int:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"不是{what} (not a number)") from None
    scaled = number * 100
    if not number.is_finite() or scaled != scaled.to_integral_value():
        raise ValueError(f"{what}最多两位小数 (at most two decimals)")
    return int(scaled)


def money(*, signed: bool = False, limit_yuan: int = 10_000_000) -> Parser:
    """Yuan with at most two decimals (`12.5`, `¥1,200.00`, `30元`) → integer fen."""
    def parse(value: str) -> int:
        fen = _hundredths(_MONEY_DECORATION.sub("", value.strip()), "金额")
        if fen < 0 and not signed:
            raise ValueError("金额不能为负 (must not be negative)")
        if abs(fen) > limit_yuan * 100:
            raise ValueError(f"金额超出范围 ±{limit_yuan} 元 (out of range)")
        return fen
    return parse


def points(value: str) -> int:
    """Assessment points with at most two decimals (`-2.5`) → integer hundredths of a point."""
    centi = _hundredths(value, "分值")
    if abs(centi) > 100_000:
        raise ValueError("分值超出范围 ±1000 (out of range)")
    return centi
