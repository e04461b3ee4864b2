"""Detector and status names in Chinese, shared by the console and the flag exports."""
from __future__ import annotations

DETECTORS = {
    "rater_is_technician": "评价人是装维人员",
    "multi_account_rater": "一个微信评价多个账号",
    "shared_device": "同一网络/设备",
    "duplicate_comment": "评价内容雷同",
    "burst": "集中突击评价",
    "rated_before_completion": "竣工前评价",
    "callback_contradiction": "与回访结果矛盾",
    "response_rate_outlier": "参评率异常偏高",
    "fast_response_outlier": "竣工即评异常",
}
FLAG_STATUSES = {"open": "待复核", "confirmed": "确认虚假", "dismissed": "排除"}
