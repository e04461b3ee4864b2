"""An audit entry's details in words: "工单号 GD001；可疑程度 99%" instead of
"order_no=GD001；score=0.9925". Pure: a details dict in, one line of Chinese out."""
from __future__ import annotations

LABELS = {
    "order_no": "工单号", "order_id": "工单编号", "account_no": "宽带账号", "employee_no": "工号",
    "score": "可疑程度", "note": "说明", "reason": "原因", "version": "版本", "kind": "类型",
    "file": "文件", "rows": "行数", "created": "新增", "updated": "更新", "unchanged": "未变化",
    "rejected": "拒绝", "import_id": "导入记录", "period": "期间", "month": "月份", "team": "班组",
    "area": "区域", "printed": "打印", "skipped_revoked": "跳过已作废", "suspended": "待岗",
    "confirmed": "确认的工单", "dismissed": "排除的工单", "reversed": "撤销的工单",
    "decision": "决定", "role": "角色", "name": "名称", "starts_on": "开始", "ends_on": "结束",
    "rating_id": "评价编号", "item_id": "样本项", "per_band": "每档抽样", "outcome": "结果",
    "flags": "标记数", "case_id": "案件", "expected_version": "预期版本", "format": "格式",
    "detector": "命中规则", "status": "状态", "page": "页", "sample_id": "样本",
}
VALUES = {
    "kind": {"month": "月度报表", "quarter": "季度报表", "badge_sheet": "工牌打印页",
             "flags": "稽核标记", "import_rejects": "被拒绝的行", "pay": "酬金核算表",
             "technicians": "装维人员", "accounts": "宽带账号", "orders": "工单",
             "callbacks": "回访结果", "complaints": "投诉", "urges": "催修", "penalties": "服务扣罚",
             "commissions": "顺销等酬金", "assessments": "考核项", "live": "实时", "close": "月结",
             "recompute": "重算"},
    "decision": {"confirmed": "确认虚假", "dismissed": "排除"},
    "status": {"open": "待处理", "confirmed": "确认虚假", "dismissed": "排除", "closed": "已关闭"},
}


def value_words(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "score" and isinstance(value, (int, float)) and 0 <= value <= 1:
        return f"{value * 100:.0f}%"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "、".join(value_words(key, item) for item in value) or "—"
    if isinstance(value, dict):
        return "，".join(f"{LABELS.get(k, k)} {value_words(k, v)}" for k, v in value.items())
    return str(VALUES.get(key, {}).get(value, value))


def details_words(details: dict | None) -> str:
    """The details of one entry as a line people read."""
    return "；".join(f"{LABELS.get(key, key)} {value_words(key, value)}"
                    for key, value in (details or {}).items())
