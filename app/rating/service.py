"""Rating operations: submit, resolve an order's effective star, replays, service recovery."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from datetime import datetime, timedelta

from blinker import Namespace
from sqlalchemy import and_, bindparam, exists, insert, select
from sqlalchemy.orm import joinedload

from flask import current_app

from app.db import execute_core, insert_unless_duplicate, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.identity.models import AccountBinding, TechnicianBinding, WeChatIdentity
from app.masterdata.models import CallbackResult, Technician, WorkOrder
from app.masterdata.service import rows_imported
from app.rating import effective, rules
from app.rating.models import IdempotentReplay, Rating, RecoveryTask
from app.rating.tags import Tag, load_catalogue, tag_stars


# Sent with the new rating once it is flushed, inside the submitting transaction, so the fraud
# checks that run at submission land (or fail) together with the rating.
signals = Namespace()
rating_submitted = signals.signal("rating-submitted")


class AlreadyRated(Conflict):
    code, message = "already_rated", "该工单已评价 (this order has already been rated)"


def tag_catalogue(path: str | None = None) -> tuple[Tag, ...]:
    return load_catalogue(path)


# Which WeChat app's openid identifies the rater on each channel.
CHANNEL_APP = {"miniprogram": "mp", "h5": "oa", "sms_link": "oa"}


@dataclass(frozen=True)
class SubmittedRating:
    """A rating just recorded, as plain values: what the answer shows and what the
    `rating_submitted` receivers (fraud checks, metrics) read, with no lazy loads behind it."""

    id: int
    order_id: int
    order_no: str
    technician_id: int
    user_id: int
    openid: str | None
    stars: int
    tags: list[str]
    comment: str
    channel: str
    client_ip: str | None
    user_agent: str | None
    created_at: datetime


def submit_rating(*, rater_id: int, order_no: str, stars: int, tags: list[str], comment: str,
                  channel: str, window_days: int, catalogue: tuple[Tag, ...],
                  client_ip: str | None = None, user_agent: str | None = None,
                  recovery_hours: int = 48, now: datetime | None = None) -> SubmittedRating:
    """Record a rating of `order_no` by user `rater_id`, checking every rule of SPEC flow 3."""
    now = now or utcnow()
    order = _order_for_rating(order_no, rater_id, openid_app=CHANNEL_APP[channel])
    if order is None:
        raise NotFound("工单不存在 (order not found)", code="order_not_found")
    if order.rater_is_technician:
        raise Forbidden("装维人员不能评价自己的工单 (technicians cannot rate their own orders)",
                        code="rater_is_technician")
    if not order.rater_is_bound:
        raise Forbidden("只有绑定了该宽带账号的用户才能评价 (bind this order's account first)",
                        code="not_order_customer")
    if order.status != "completed" or order.completed_at is None:
        raise Conflict("工单尚未完成，暂不能评价 (the order is not completed)",
                       code="order_not_completed")
    if not rules.in_rating_window(order.completed_at, now, window_days):
        raise Conflict(f"已超过评价期限（竣工后 {window_days} 天）(the rating window has closed)",
                       code="rating_window_closed",
                       details={"closed_at": rules.window_closes_at(order.completed_at,
                                                                    window_days).isoformat()})
    if order.already_rated:
        raise AlreadyRated()
    misfits = rules.misfit_tags(stars, tags, tag_stars(catalogue))
    if misfits:
        raise Unprocessable("标签与星级不符 (tags do not fit the stars)",
                            details={"fields": {"tags": [f"{t} 不适用于 {stars} 星" for t in misfits]}})

    values = {"order_id": order.id, "technician_id": order.technician_id, "user_id": rater_id,
              "openid": order.openid, "stars": stars, "tags": list(dict.fromkeys(tags)),
              "comment": rules.clean_comment(comment), "channel": channel,
              "client_ip": client_ip, "user_agent": (user_agent or "")[:400] or None,
              "created_at": now}
    # The unique order key decides a race: the loser inserts nothing and is told so.
    rating_id = insert_unless_duplicate(db.session, Rating.__table__, values, unique="order_id")
    if rating_id is None:
        raise AlreadyRated()
    rating = SubmittedRating(id=rating_id, order_no=order_no, **values)
    if rules.opens_recovery(stars):
        _open_recovery_task(order_id=order.id, technician_id=order.technician_id,
                            team=order.team, area=order.area, source="rating", stars=stars,
                            due_at=now + timedelta(hours=recovery_hours), now=now)
    rating_submitted.send(rating)
    return rating


def _order_for_rating(order_no: str, user_id: int, *, openid_app: str):
    """The order with its technician's team and what the rules ask about it and the rater, or
    None: one round trip on the busiest write path."""
    return execute_core(db.session, _order_for_rating_query(), {
        "order_no": order_no, "user_id": user_id, "openid_app": openid_app}).one_or_none()


@cache
def _order_for_rating_query():
    # Built once: on this path constructing the expression costs more CPU than running it.
    user_id = bindparam("user_id")
    return select(
        WorkOrder.id, WorkOrder.status, WorkOrder.completed_at, WorkOrder.technician_id,
        Technician.team, Technician.area,
        exists().where(TechnicianBinding.user_id == user_id,
                       TechnicianBinding.technician_id == WorkOrder.technician_id
                       ).label("rater_is_technician"),
        exists().where(AccountBinding.user_id == user_id,
                       AccountBinding.account_id == WorkOrder.account_id).label("rater_is_bound"),
        exists().where(Rating.order_id == WorkOrder.id).label("already_rated"),
        select(WeChatIdentity.openid)
        .where(WeChatIdentity.user_id == user_id, WeChatIdentity.app == bindparam("openid_app"))
        .order_by(WeChatIdentity.id).limit(1).scalar_subquery().label("openid"),
    ).join(Technician, Technician.id == WorkOrder.technician_id).where(
        WorkOrder.order_no == bindparam("order_no"))


def _is_bound_to(user_id: int, account_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        AccountBinding.user_id == user_id, AccountBinding.account_id == account_id))))


def rateable_orders(*, user_id: int, technician_id: int, window_days: int,
                    now: datetime | None = None) -> list[WorkOrder]:
    """Orders of the user's bound accounts done by this technician that can be rated now."""
    now = now or utcnow()
    query = (
        select(WorkOrder)
        .join(AccountBinding, and_(AccountBinding.account_id == WorkOrder.account_id,
                                   AccountBinding.user_id == user_id))
        .where(WorkOrder.technician_id == technician_id, WorkOrder.status == "completed",
               WorkOrder.completed_at > now - timedelta(days=window_days),
               ~exists().where(Rating.order_id == WorkOrder.id))
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
    return _is_bound_to(user_id, account_id)


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


# --- Idempotency-Key replays -------------------------------------------------------------------

def request_fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def find_replay(*, user_id: int, key: str, fingerprint: str) -> IdempotentReplay | None:
    """The stored first answer for this key, or None. The same key with another body is an error."""
    replay = db.session.scalar(select(IdempotentReplay).where(
        IdempotentReplay.user_id == user_id, IdempotentReplay.key == key))
    if replay is not None and replay.fingerprint != fingerprint:
        raise Unprocessable("同一个 Idempotency-Key 用于了不同的请求 (Idempotency-Key reused with a "
                            "different body)", code="idempotency_key_reused")
    return replay


def remember_answer(*, user_id: int, key: str, fingerprint: str, status: int, body: dict) -> None:
    db.session.add(IdempotentReplay(user_id=user_id, key=key, fingerprint=fingerprint,
                                    status=status, body=body))
    db.session.flush()


# --- Effective star ----------------------------------------------------------------------------

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


# --- Service recovery (满意度修复) ----------------------------------------------------------------

def _open_recovery_task(*, order_id: int, technician_id: int, team: str, area: str,
                        source: str, stars: int | None, due_at: datetime,
                        now: datetime) -> int | None:
    """Open the order's recovery task unless it already has one (one task per order)."""
    return insert_unless_duplicate(db.session, RecoveryTask.__table__, {
        "order_id": order_id, "technician_id": technician_id, "team": team, "area": area,
        "source": source, "stars": stars, "status": "open", "due_at": due_at, "created_at": now,
    }, unique="order_id")


def open_recovery_for_dissatisfied_callbacks(*, now: datetime | None = None,
                                             due_hours: int = 48) -> int:
    """Open tasks for orders with a dissatisfied callback and no task yet (set-based)."""
    now = now or utcnow()
    candidates = (
        select(WorkOrder.id, WorkOrder.technician_id, Technician.team, Technician.area)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(exists().where(and_(CallbackResult.order_id == WorkOrder.id,
                                   CallbackResult.result == "dissatisfied")))
        .where(~exists().where(RecoveryTask.order_id == WorkOrder.id))
    )
    rows = [{"order_id": r.id, "technician_id": r.technician_id, "team": r.team, "area": r.area,
             "source": "callback", "stars": 1, "status": "open",
             "due_at": now + timedelta(hours=due_hours), "created_at": now}
            for r in db.session.execute(candidates)]
    if rows:
        db.session.execute(insert(RecoveryTask.__table__), rows)
    return len(rows)


def list_recovery_tasks(*, team: str | None = None, area: str | None = None,
                        status: str | None = None, overdue: bool = False,
                        now: datetime | None = None, page: int = 1, per_page: int = 50,
                        technician_id: int | None = None):
    now = now or utcnow()
    query = select(RecoveryTask).options(joinedload(RecoveryTask.order))
    if technician_id is not None:
        query = query.where(RecoveryTask.technician_id == technician_id)
    if team:
        query = query.where(RecoveryTask.team == team)
    if area:
        query = query.where(RecoveryTask.area == area)
    if status:
        query = query.where(RecoveryTask.status == status)
    if overdue:
        query = query.where(RecoveryTask.status != "closed", RecoveryTask.due_at < now)
    query = query.order_by(RecoveryTask.due_at, RecoveryTask.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_recovery_task(task_id: int) -> RecoveryTask:
    task = db.session.get(RecoveryTask, task_id)
    if task is None:
        raise NotFound("修复工单不存在 (recovery task not found)", code="recovery_task_not_found")
    return task


def claim_recovery_task(*, task_id: int, by: str, now: datetime | None = None) -> RecoveryTask:
    task = get_recovery_task(task_id)
    if task.status == "closed":
        raise Conflict("修复工单已关闭 (the task is closed)", code="recovery_task_closed")
    if task.status == "claimed" and task.claimed_by != by:
        raise Conflict(f"已由 {task.claimed_by} 认领 (already claimed)", code="recovery_task_claimed")
    task.status, task.claimed_by, task.claimed_at = "claimed", by, now or utcnow()
    return task


def close_recovery_task(*, task_id: int, by: str, note: str,
                        now: datetime | None = None) -> RecoveryTask:
    task = get_recovery_task(task_id)
    if task.status == "closed":
        raise Conflict("修复工单已关闭 (the task is closed)", code="recovery_task_closed")
    task.status, task.closed_by, task.closed_at, task.note = "closed", by, now or utcnow(), note
    return task


def ratings_of_technician(technician_id: int, *, page: int = 1, per_page: int = 20):
    """A technician's own ratings, newest first (who rated is never part of the answer)."""
    query = (select(Rating).where(Rating.technician_id == technician_id)
             .order_by(Rating.created_at.desc(), Rating.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _after_import(kind: str, result) -> None:
    from app.rating.invitations import queue_invitations

    if not (result.created or result.updated):
        return
    if kind == "callbacks":
        open_recovery_for_dissatisfied_callbacks(
            due_hours=current_app.config["RECOVERY_DUE_HOURS"])
    elif kind == "orders":
        queue_invitations(window_days=current_app.config["RATING_WINDOW_DAYS"])


def connect_import_listeners() -> None:
    """Follow callback imports with recovery tasks and order imports with rating invitations."""
    rows_imported.connect(_after_import)


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
