"""Reading orders and ratings: what can be rated, an order's effective star, a technician's own
ratings and participation over time."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.identity.models import AccountBinding
from app.masterdata.models import CallbackResult, Technician, WorkOrder
from app.rating import effective, rules
from app.rating.models import Rating, RecoveryTask


def rateable_orders(*, user_id: int, technician_id: int, window_days: int,
                    now: datetime | None = None) -> list[WorkOrder]:
    """Orders of the user's bound accounts done by this technician that can be rated now."""
    return list(db.session.scalars(_rateable_query(user_id, technician_id, window_days, now)))


def rateable_orders_page(*, user_id: int, technician_id: int, window_days: int, page: int = 1,
                         per_page: int = 20, now: datetime | None = None):
    """One page of `rateable_orders` (newest first): a bound account with thousands of orders
    (a business line, a campus) must not cost one answer all of them."""
    return db.paginate(_rateable_query(user_id, technician_id, window_days, now), page=page,
                       per_page=per_page, error_out=False)


def _rateable_query(user_id: int, technician_id: int, window_days: int, now: datetime | None):
    now = now or utcnow()
    return (
        select(WorkOrder)
        .join(AccountBinding, and_(AccountBinding.account_id == WorkOrder.account_id,
                                   AccountBinding.user_id == user_id))
        .where(WorkOrder.technician_id == technician_id, WorkOrder.status == "completed",
               WorkOrder.completed_at > now - timedelta(days=window_days),
               ~exists().where(Rating.order_id == WorkOrder.id))
        .order_by(WorkOrder.completed_at.desc(), WorkOrder.id.desc())
    )


def recently_rated_orders(*, user_id: int, technician_id: int, window_days: int,
                          now: datetime | None = None) -> list[WorkOrder]:
    """Orders of the user's bound accounts done by this technician, rated, and still inside
    the window (so the customer can come back to them for a follow-up)."""
    now = now or utcnow()
    query = (
        select(WorkOrder)
        .join(AccountBinding, and_(AccountBinding.account_id == WorkOrder.account_id,
                                   AccountBinding.user_id == user_id))
        .where(WorkOrder.technician_id == technician_id, WorkOrder.status == "completed",
               WorkOrder.completed_at > now - timedelta(days=window_days),
               exists().where(Rating.order_id == WorkOrder.id))
        .order_by(WorkOrder.completed_at.desc())
    )
    return list(db.session.scalars(query))


def rateable_order(order_no: str, *, window_days: int) -> WorkOrder:
    """The order if it can be rated now (for issuing its SMS link)."""
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == order_no))
    if order is None:
        raise NotFound("工单不存在 (order not found)", code="order_not_found")
    if not in_window(order, window_days):
        raise Conflict("工单未完成或已过评价期 (the order cannot be rated now)",
                       code="order_not_rateable")
    return order


def order_by_id(order_id: int | None) -> WorkOrder | None:
    return db.session.get(WorkOrder, order_id) if order_id is not None else None


def in_window(order: WorkOrder, window_days: int, now: datetime | None = None) -> bool:
    return (order.status == "completed" and order.completed_at is not None
            and rules.in_rating_window(order.completed_at, now or utcnow(), window_days))


def is_bound(user_id: int, account_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        AccountBinding.user_id == user_id, AccountBinding.account_id == account_id))))


def latest_unrated_order(*, window_days: int, now: datetime | None = None) -> WorkOrder | None:
    """The most recently completed order nobody has rated yet that can still be rated."""
    now = now or utcnow()
    return db.session.scalar(
        select(WorkOrder)
        .where(WorkOrder.status == "completed",
               WorkOrder.completed_at > now - timedelta(days=window_days),
               ~exists().where(Rating.order_id == WorkOrder.id))
        .order_by(WorkOrder.completed_at.desc()).limit(1))


def has_bindings(user_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(AccountBinding.user_id == user_id))))


def valid_rating(order_id: int) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.order_id == order_id,
                                                  Rating.voided_at.is_(None)))


def order_callbacks(order_id: int) -> list[CallbackResult]:
    return list(db.session.scalars(select(CallbackResult).where(
        CallbackResult.order_id == order_id).order_by(CallbackResult.called_at)))


def effective_star_of(order: WorkOrder) -> tuple[rules.EffectiveStar, Rating | None]:
    """The order's effective star, its source and the rating behind it (if any)."""
    rating = valid_rating(order.id)
    callbacks = [rules.Callback(c.channel, c.result, c.called_at) for c in order_callbacks(order.id)]
    return rules.effective_star(rating.stars if rating else None, callbacks), rating


def effective_orders(*conditions):
    """Completed orders matching `conditions` with their effective star, as one SQL subquery
    (for reports over many orders; see app/rating/effective.py)."""
    return effective.effective_orders(*conditions,
                                      dialect=db.session.get_bind().dialect.name)


def describe_order(order_no: str) -> dict:
    """An order with its rating, callbacks, recovery task and effective star, for staff."""
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == order_no))
    if order is None:
        raise NotFound("工单不存在 (order not found)", code="order_not_found")
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    callbacks = order_callbacks(order.id)
    effective = rules.effective_star(
        rating.stars if rating is not None and rating.is_valid else None,
        [rules.Callback(c.channel, c.result, c.called_at) for c in callbacks])
    task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.order_id == order.id))
    return {
        "order_no": order.order_no, "account_no": order.account.account_no,
        "employee_no": order.technician.employee_no, "technician_name": order.technician.name,
        "team": order.technician.team, "order_type": order.order_type, "product": order.product,
        "area": order.area, "status": order.status, "created_at": order.created_at,
        "completed_at": order.completed_at, "rating": rating, "callbacks": callbacks,
        "effective": {"stars": effective.stars, "source": effective.source,
                      "rating_id": rating.id if effective.source == "wechat" else None},
        "recovery_task": task,
    }


def ratings_of_technician(technician_id: int, *, page: int = 1, per_page: int = 20):
    """A technician's own ratings, newest first (who rated is never part of the answer)."""
    query = (select(Rating).where(Rating.technician_id == technician_id)
             .order_by(Rating.created_at.desc(), Rating.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def completions_with_rating(start: datetime, end: datetime, *, team: str | None = None,
                            area: str | None = None) -> list[tuple[datetime, bool]]:
    """(completed_at, has a valid WeChat rating) of every order completed in [start, end):
    what participation-over-time charts count."""
    rated = exists().where(Rating.order_id == WorkOrder.id, Rating.voided_at.is_(None))
    stmt = select(WorkOrder.completed_at, rated).where(
        WorkOrder.status == "completed", WorkOrder.completed_at >= start,
        WorkOrder.completed_at < end)
    if team or area:
        who = select(Technician.id)
        if team:
            who = who.where(Technician.team == team)
        if area:
            who = who.where(Technician.area == area)
        stmt = stmt.where(WorkOrder.technician_id.in_(who))
    return [(completed, bool(flag)) for completed, flag in db.session.execute(stmt)]
