"""Lay a flag's reasons out for an auditor (pure): one section per detector, each shaped for what
it proves — the accounts one WeChat user rated, the duplicate comments side by side, a burst on a
timeline — so a decision takes a minute, not a database session."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.console import charts
from app.fraud.service import DETECTOR_LABELS

DETECTORS = DETECTOR_LABELS     # what auditors call each detector (app/fraud/detectors/registry.py)
# Which layout shows each detector's evidence best.
LAYOUTS = {"multi_account_rater": "accounts", "rating_ring": "accounts", "duplicate_comment": "comments",
           "burst": "timeline", "shared_device": "device"}
SCALARS = (str, int, float, bool)
FACT_LABELS = {
    "user_id": "微信用户", "openid": "openid", "unionid": "unionid", "client_ip": "网络地址",
    "same_device": "同一设备", "ip_users": "该地址用户数", "similarity": "相似度",
    "stock_phrase": "常见套话", "window_minutes": "时间跨度(分钟)", "away_share": "远离竣工占比",
    "technician_share": "同一装维人员占比", "team_share": "同一班组占比", "one_building": "同一地址",
    "minutes_early": "提前(分钟)", "account_no": "宽带账号", "phone": "登记电话", "same_team": "同班组",
    "order_no": "工单", "stars": "星级", "users": "微信用户", "technicians": "装维人员",
    "technician_seen_at": "本人访问时间", "rater": "评价人", "raters": "评价人",
    "ratings_count": "评价条数", "density": "团伙密度", "background_density": "本月一般密度",
    "density_ratio": "密度倍数", "without_presence": "未在场扫码条数", "group": "团伙编号",
    "information_bits": "文字信息量(比特)", "wechat_ratings": "微信评价数",
    "wechat_good": "4–5星评价数", "unrated_answered": "未参评工单回访数",
    "unrated_dissatisfied": "其中不满意", "peer_dissatisfied_rate": "同行不满意率",
    "both_answered": "既评价又回访", "both_dissatisfied": "其中回访不满意",
    "ivr_contradicted": "IVR回访不满意", "ivr_answered": "IVR回访接通", "month_rate": "本月一般比例",
    "tail_probability": "偶然概率", "with_presence": "在场扫码条数", "share": "本人比例",
    "peer_share": "同区域比例",
}
# Shown in the section's table already.
HIDDEN_FACTS = {"ratings", "accounts", "callbacks"}


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _local_rows(rows: list[dict], tz) -> list[dict]:
    out = []
    for row in rows:
        row = dict(row)
        for key in ("rated_at", "completed_at"):
            moment = parse_iso(row.get(key))
            row[key + "_local"] = moment.astimezone(tz) if moment else None
        out.append(row)
    return out


def _facts(evidence: dict) -> list[tuple[str, str]]:
    facts = []
    for key, value in evidence.items():
        if key in HIDDEN_FACTS:
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, float):
            value = f"{value:.0%}" if key.endswith(("share", "similarity")) else f"{value:g}"
        elif isinstance(value, list):
            if not all(isinstance(v, SCALARS) for v in value):
                continue
            value = "、".join(str(v) for v in value[:12]) + ("…" if len(value) > 12 else "")
        elif not isinstance(value, SCALARS) or value is None:
            continue
        facts.append((FACT_LABELS.get(key, key), str(value)))
    return facts


def sections(reasons: list[dict], *, rating_id: int, tz_name: str) -> list[dict]:
    """One display section per reason, strongest first (as stored)."""
    tz = ZoneInfo(tz_name)
    out = []
    for reason in reasons or []:
        detector = reason.get("detector", "")
        evidence = reason.get("evidence") or {}
        rows = _local_rows(evidence.get("ratings") or [], tz)
        for row in rows:
            row["current"] = row.get("rating_id") == rating_id
        section = {
            "detector": detector, "label": DETECTORS.get(detector, detector),
            "score": float(reason.get("score") or 0), "weight": float(reason.get("weight") or 0),
            "detail": reason.get("detail") or "", "detail_en": reason.get("detail_en") or "",
            "layout": LAYOUTS.get(detector, "table" if rows else "facts"),
            "rows": rows, "facts": _facts(evidence), "chart": None,
            "accounts": len({r.get("account_no") for r in rows if r.get("account_no")}),
            "callbacks": [dict(c, called_at_local=parse_iso(c.get("called_at")).astimezone(tz))
                          for c in evidence.get("callbacks") or [] if c.get("called_at")],
        }
        if section["layout"] == "timeline" and rows:
            events = []
            for r in rows:
                if r["rated_at_local"]:
                    events.append((r["rated_at_local"], f"评价 {r.get('account_no', '')}",
                                   r["current"]))
            section["chart"] = charts.timeline(events, title="评价时间线")
        out.append(section)
    return out


def contribution(section: dict) -> float:
    """What the reason adds to the noisy-OR score (score × weight)."""
    return round(section["score"] * section["weight"], 3)
