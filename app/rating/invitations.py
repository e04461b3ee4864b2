"""Rating invitations: when an order is imported as completed, the customers bound to its account
get one subscribe message inviting them to rate it — never more than one invitation per order.

Invitations are written in the import's transaction (status `pending`) and sent afterwards by
`flask rating send-invitations` (cron, every minute): a message must not go out for an import that
rolls back, and a WeChat outage must not fail an import. Each send claims its row with a
conditional UPDATE, so several servers running the job never send the same invitation twice.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, insert, select, update

from app.db import utcnow
from app.extensions import db
from app.identity.models import AccountBinding, WeChatIdentity
from app.masterdata.models import Technician, WorkOrder
from app.rating.models import Rating, RatingInvitation
from app.wechat import gateway
from app.wechat.errors import WeChatError, WeChatRateLimited

log = logging.getLogger(__name__)


def queue_invitations(*, window_days: int, now: datetime | None = None) -> int:
    """Queue one invitation per rateable, uninvited order whose account has a mini-program user."""
    now = now or utcnow()
    first_user = (
        select(AccountBinding.user_id)
        .join(WeChatIdentity, and_(WeChatIdentity.user_id == AccountBinding.user_id,
                                   WeChatIdentity.app == "mp"))
        .where(AccountBinding.account_id == WorkOrder.account_id)
        .order_by(AccountBinding.created_at, AccountBinding.id)
        .limit(1)
        .scalar_subquery()
    )
    candidates = (
        select(WorkOrder.id, first_user.label("user_id"))
        .where(WorkOrder.status == "completed",
               WorkOrder.completed_at > now - timedelta(days=window_days),
               ~exists().where(RatingInvitation.order_id == WorkOrder.id),
               ~exists().where(Rating.order_id == WorkOrder.id))
    )
    rows = [{"order_id": r.id, "user_id": r.user_id, "status": "pending", "created_at": now}
            for r in db.session.execute(candidates) if r.user_id is not None]
    if rows:
        db.session.execute(insert(RatingInvitation.__table__), rows)
    return len(rows)


def pending_invitation_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(select(RatingInvitation.id).where(
        RatingInvitation.status == "pending").order_by(RatingInvitation.id).limit(limit)))


def claim(invitation_id: int, now: datetime | None = None) -> bool:
    """Take the invitation for sending; False when another worker already did."""
    result = db.session.execute(
        update(RatingInvitation)
        .where(RatingInvitation.id == invitation_id, RatingInvitation.status == "pending")
        .values(status="sending", attempted_at=now or utcnow()))
    return result.rowcount == 1


def send(invitation_id: int, *, template_id: str, page: str) -> str:
    """Send a claimed invitation; returns its new status (`sent` or `failed`)."""
    invitation = db.session.get(RatingInvitation, invitation_id)
    order = db.session.get(WorkOrder, invitation.order_id)
    technician = db.session.get(Technician, order.technician_id)
    openid = db.session.scalar(select(WeChatIdentity.openid).where(
        WeChatIdentity.user_id == invitation.user_id, WeChatIdentity.app == "mp"))
    data = {"thing1": f"{technician.name}（{technician.team}）",
            "time2": order.completed_at.strftime("%Y-%m-%d %H:%M"),
            "thing3": "请为本次装维服务打分"}
    try:
        gateway.send_subscribe_message(openid, template_id, data,
                                       page=f"{page}?order_no={order.order_no}")
        invitation.status, invitation.sent_at = "sent", utcnow()
    except WeChatRateLimited:
        # WeChat busy or unreachable: the invitation waits for the task's retry (or the cron).
        invitation.status = "pending"
        raise
    except WeChatError as exc:
        # A refused message (user did not subscribe, quota) is not retried: one invitation only.
        invitation.status, invitation.error = "failed", str(exc)[:200]
        log.warning("rating invitation not sent", extra={"order_id": order.id,
                                                         "errcode": getattr(exc, "errcode", None)})
    return invitation.status
