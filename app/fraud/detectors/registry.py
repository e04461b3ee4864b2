"""Every detector once: its id, what auditors call it, its default weight, where it runs and
whether it is context only. `combine` takes the weights and the context set from here, the scan
and the submission check take where each runs, the console takes the labels.

Where: `SUBMISSION` detectors need nothing month-wide (the rater's identity, the order's times and
callbacks, the technician's last minutes of ratings) and run on each new rating as well as in the
month's scan; `SCAN` detectors need the whole month (address crowds, comment frequencies, peers,
the rating graph) and run only in the scan.
"""
from __future__ import annotations

from dataclasses import dataclass

SUBMISSION = "submission"
SCAN = "scan"


@dataclass(frozen=True)
class Detector:
    id: str
    label: str
    weight: float
    runs: str = SCAN            # SUBMISSION (also in the scan) or SCAN only
    context: bool = False       # describes a technician: never flags, only strengthens


DETECTORS = (
    Detector("rater_is_technician", "评价人是装维人员", 0.95, SUBMISSION),
    Detector("rated_before_completion", "竣工前评价", 0.85, SUBMISSION),
    Detector("callback_contradiction", "与回访结果矛盾", 0.7, SUBMISSION),
    Detector("burst", "集中突击评价", 0.7, SUBMISSION),
    Detector("multi_account_rater", "一个微信评价多个账号", 0.9),
    Detector("rating_ring", "评价团伙（密集关联）", 0.9),
    Detector("shared_device", "同一网络/设备", 0.8),
    Detector("duplicate_comment", "评价内容雷同", 0.75),
    Detector("selection_bias", "选择性邀评（回访与评价不符）", 0.5),
    Detector("response_rate_outlier", "参评率异常偏高", 0.3, context=True),
    Detector("fast_response_outlier", "竣工即评异常", 0.35, context=True),
    Detector("presence_habit", "很少在场扫码（参考）", 0.3, context=True),
)
BY_ID = {d.id: d for d in DETECTORS}
LABELS = {d.id: d.label for d in DETECTORS}
AT_SUBMISSION = frozenset(d.id for d in DETECTORS if d.runs == SUBMISSION)
