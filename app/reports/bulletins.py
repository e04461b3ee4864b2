"""The monthly bulletin (每月评选结果告示): after a month is closed, one WeChat message to each
technician on its pay sheet with their score, rank and total pay.

Bulletins are queued in the close's own transaction (a close that rolls back announces nothing)
and sent afterwards by `flask reports send-bulletins` (cron), like rating invitations: each send
first claims its row with a conditional UPDATE that is committed before the message leaves, so
two senders never send one bulletin twice. The unique key (technician, month, version) means one
bulletin per technician per close; a recompute announces again only to those whose score, rank
or total pay changed. Failures that certainly did not reach WeChat (busy, quota, no connection)
are retried on the next run up to BULLETIN_MAX_ATTEMPTS; anything that might have been delivered
(a read timeout) or was refused for good (the technician declined messages) is not.
"""
from __future__ import annotations

import logging
from datetime import datetime

import requests
from sqlalchemy import func, insert, select, update

from app.db import utcnow
from app.extensions import db
from app.identity.models import TechnicianBinding, WeChatIdentity
from app.reports import ranking
from app.reports.models import Bulletin, MonthVersion
from app.reports.payrules import RankingRules
from app.wechat import gateway
from app.wechat.errors import WeChatError, WeChatRateLimited

log = logging.getLogger(__name__)
ANNOUNCED = ("assessment_score", "rank", "total_pay")


def payloads(month: str, version: int, pay_rows: list[dict], rules: RankingRules) -> dict:
    """technician id → what their bulletin says, for every technician on the pay sheet."""
    ranked = {item["employee_no"]: item for item in ranking.rank_month(pay_rows, rules)}
    out = {}
    for row in pay_rows:
        place = ranked.get(row["employee_no"], {})
        out[row["technician_id"]] = {
            "month": month, "version": version, "employee_no": row["employee_no"],
            "name": row["name"], "assessment_score": row["assessment_score"],
            "rank": place.get("rank"), "ranked": len(ranked), "star": place.get("star", False),
            "bottom": place.get("bottom", False), "total_pay": row["total_pay"]}
    return out


def queue(version: MonthVersion, pay_rows: list[dict], rules: RankingRules,
          now: datetime | None = None) -> int:
    """Queue the bulletins of a new version (in its transaction); returns how many."""
    fresh = payloads(version.month, version.version, pay_rows, rules)
    last = {}
    for tid, payload in db.session.execute(
            select(Bulletin.technician_id, Bulletin.payload)
            .where(Bulletin.month == version.month).order_by(Bulletin.version)):
        last[tid] = payload
    rows = []
    for tid, payload in fresh.items():
        before = last.get(tid)
        if before is not None and all(before.get(k) == payload[k] for k in ANNOUNCED):
            continue
        rows.append({"technician_id": tid, "month": version.month, "version": version.version,
                     "payload": {**payload, "correction": before is not None},
                     "status": "pending", "attempts": 0, "created_at": now or utcnow()})
    if rows:
        db.session.execute(insert(Bulletin.__table__), rows)
    return len(rows)


def pending_ids(*, month: str | None = None, limit: int = 500) -> list[int]:
    stmt = select(Bulletin.id).where(Bulletin.status == "pending")
    if month:
        stmt = stmt.where(Bulletin.month == month)
    return list(db.session.scalars(stmt.order_by(Bulletin.id).limit(limit)))


def claim(bulletin_id: int, now: datetime | None = None) -> bool:
    """Take the bulletin for sending; False when another sender already did."""
    result = db.session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin_id, Bulletin.status == "pending")
        .values(status="sending", attempted_at=now or utcnow(), attempts=Bulletin.attempts + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _recipient(technician_id: int) -> tuple[str, str] | None:
    """(app, openid) of the technician's WeChat: the mini-program first, else the official
    account (where they signed in to the H5 pages)."""
    rows = db.session.execute(
        select(WeChatIdentity.app, WeChatIdentity.openid)
        .join(TechnicianBinding, TechnicianBinding.user_id == WeChatIdentity.user_id)
        .where(TechnicianBinding.technician_id == technician_id)
        .order_by(WeChatIdentity.last_seen_at.desc()))
    found = {app: openid for app, openid in reversed(list(rows))}
    for app in ("mp", "oa"):
        if app in found:
            return app, found[app]
    return None


def message(payload: dict) -> dict:
    """The template fields: the month, the score, the rank, the total pay, a word on standing."""
    standing = ("月度服务明星" if payload["star"] else
                "排名末位，请关注考核扣分项" if payload["bottom"] else "详情请查看我的月度核算")
    title = f"{payload['month']} 月度考核结果" + ("（更正）" if payload.get("correction") else "")
    rank = f"第{payload['rank']}/{payload['ranked']}名" if payload["rank"] else "未参加排名"
    return {"thing1": title, "number2": str(payload["assessment_score"]),
            "character_string3": rank, "amount4": f"¥{payload['total_pay']}", "thing5": standing}


def _retryable(exc: WeChatError) -> bool:
    """Only failures that certainly did not deliver: busy, quota, no connection."""
    cause = exc.__cause__
    if isinstance(cause, requests.ReadTimeout):
        return False                    # the platform may have sent it: never risk a second one
    return isinstance(exc, WeChatRateLimited)


def send(bulletin_id: int, *, template_id: str, page: str, h5_url: str,
         max_attempts: int) -> str:
    """Send a claimed bulletin; returns its new status (sent, pending again, failed, …)."""
    bulletin = db.session.get(Bulletin, bulletin_id)
    recipient = _recipient(bulletin.technician_id)
    if recipient is None:
        bulletin.status = "no_recipient"
        return bulletin.status
    app, openid = recipient
    data = message(bulletin.payload)
    target = f"{page}?month={bulletin.month}"
    try:
        if app == "mp":
            gateway.send_subscribe_message(openid, template_id, data, page=target)
        else:
            gateway.send_template_message(openid, template_id, data,
                                          url=f"{h5_url}?month={bulletin.month}")
        bulletin.status, bulletin.sent_at, bulletin.error = "sent", utcnow(), None
    except WeChatError as exc:
        again = _retryable(exc) and bulletin.attempts < max_attempts
        bulletin.status = "pending" if again else "failed"
        bulletin.error = f"{exc.code} {getattr(exc, 'errcode', '') or ''}".strip()[:200]
        log.warning("monthly bulletin not sent", extra={
            "bulletin_id": bulletin.id, "errcode": getattr(exc, "errcode", None),
            "retry": again})
    return bulletin.status


def counts(month: str) -> dict[str, int]:
    """How many of the month's bulletins are in each state (the latest close and before)."""
    rows = db.session.execute(select(Bulletin.status, func.count())
                              .where(Bulletin.month == month).group_by(Bulletin.status))
    return {status: n for status, n in rows}


def list_for(month: str) -> list[dict]:
    """Every bulletin of the month, by employee number and version (for the office)."""
    from app.masterdata.models import Technician
    rows = db.session.execute(
        select(Technician.employee_no, Bulletin.version, Bulletin.status, Bulletin.attempts,
               Bulletin.sent_at, Bulletin.error, Bulletin.payload)
        .join(Technician, Technician.id == Bulletin.technician_id)
        .where(Bulletin.month == month).order_by(Technician.employee_no, Bulletin.version))
    return [dict(row._mapping) for row in rows]
