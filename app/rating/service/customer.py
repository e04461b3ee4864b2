"""An order as one customer may see it on the H5 pages, decided before any form is shown.

Nobody should write a comment for an order they cannot rate, and nobody learns anything about an
order whose account they have not bound: "no such order" and "not your account" are one state.
Follow-up comments (追评) live here too: text the rater adds inside the window, never new stars.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from app.db import insert_unless_duplicate, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.identity.models import TechnicianBinding
from app.masterdata.models import WorkOrder
from app.rating import rules
from app.rating.models import Rating, RatingFollowUp, RecoveryTask
from app.rating.service.orders import is_bound

HIDDEN = "hidden"                   # no such order, or its account is not bound by this user
OWN_WORK = "own_work"               # the user is bound to the order's technician
CANCELLED = "cancelled"
NOT_COMPLETED = "not_completed"
WINDOW_CLOSED = "window_closed"
RATED = "rated"
RATEABLE = "rateable"


@dataclass(frozen=True)
class CustomerOrder:
    state: str
    order: WorkOrder | None = None
    rating: Rating | None = None
    follow_up: RatingFollowUp | None = None
    recovery_task: RecoveryTask | None = None
    window_closes_at: datetime | None = None
    is_rater: bool = False          # this user gave the rating (a family member may have)
    can_follow_up: bool = False


def customer_order(*, user_id: int, order_no: str, window_days: int,
                   now: datetime | None = None) -> CustomerOrder:
    """What `user_id` may see of `order_no` and do with it now."""
    now = now or utcnow()
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == order_no))
    if order is None or not is_bound(user_id, order.account_id):
        return CustomerOrder(HIDDEN)
    closes = (rules.window_closes_at(order.completed_at, window_days)
              if order.completed_at is not None else None)
    if _is_technician_of(user_id, order.technician_id):
        return CustomerOrder(OWN_WORK, order)
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    if rating is not None:
        follow_up = db.session.scalar(select(RatingFollowUp)
                                      .where(RatingFollowUp.rating_id == rating.id))
        task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.order_id == order.id))
        is_rater = rating.user_id == user_id
        open_window = closes is not None and now < closes
        return CustomerOrder(RATED, order, rating, follow_up, task, closes, is_rater,
                             can_follow_up=(is_rater and open_window and follow_up is None
                                            and rating.is_valid))
    if order.status == "cancelled":
        return CustomerOrder(CANCELLED, order)
    if order.status != "completed" or order.completed_at is None:
        return CustomerOrder(NOT_COMPLETED, order)
    if now >= closes:
        return CustomerOrder(WINDOW_CLOSED, order, window_closes_at=closes)
    return CustomerOrder(RATEABLE, order, window_closes_at=closes)


def add_follow_up(*, user_id: int, order_no: str, comment: str, window_days: int,
                  client_ip: str | None = None, now: datetime | None = None) -> RatingFollowUp:
    """Add the rater's 追评 to their rating: once, inside the rating window, stars untouched."""
    now = now or utcnow()
    view = customer_order(user_id=user_id, order_no=order_no, window_days=window_days, now=now)
    if view.state == HIDDEN:
        raise NotFound("工单不存在 (order not found)", code="order_not_found")
    if view.state != RATED:
        raise Conflict("该工单还没有评价，请先评价 (rate the order first)", code="not_rated")
    if not view.is_rater:
        raise Forbidden("只有评价人可以追评 (only the rater may add a follow-up)",
                        code="not_rater")
    if view.follow_up is not None:
        raise Conflict("您已追评过 (a follow-up was already added)", code="follow_up_exists")
    if not view.rating.is_valid or now >= view.window_closes_at:
        raise Conflict("已超过评价期限，不能追评 (the rating window has closed)",
                       code="rating_window_closed")
    text = rules.clean_comment(comment)
    if not text:
        raise Unprocessable("请填写追评内容 (the follow-up is empty)",
                            details={"fields": {"comment": ["请填写追评内容"]}})
    if len(text) > rules.COMMENT_MAX:
        raise Unprocessable(f"追评最多 {rules.COMMENT_MAX} 字 (the follow-up is too long)",
                            details={"fields": {"comment": [f"最多 {rules.COMMENT_MAX} 字"]}})
    # The unique rating key decides a double tap: the second insert adds nothing.
    row_id = insert_unless_duplicate(db.session, RatingFollowUp.__table__, {
        "rating_id": view.rating.id, "user_id": user_id, "comment": text,
        "client_ip": client_ip, "created_at": now}, unique="rating_id")
    if row_id is None:
        raise Conflict("您已追评过 (a follow-up was already added)", code="follow_up_exists")
    return db.session.get(RatingFollowUp, row_id)


def _is_technician_of(user_id: int, technician_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        TechnicianBinding.user_id == user_id, TechnicianBinding.technician_id == technician_id))))
