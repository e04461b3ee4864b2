"""Submitting a rating: every rule of SPEC flow 3, decided on one read of the order and its rater.

This is the busiest write path, so it is written to cost few round trips: one query answers
every rule (and what the submission-time fraud checks need to know), one INSERT … ON CONFLICT
records the rating, and the statements are built once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from blinker import Namespace
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import aliased

from app.badge.models import Presence
from app.db import UTCDateTime, execute_core, insert_unless_duplicate, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.identity.errors import InvalidUserToken
from app.identity.models import AccountBinding, TechnicianBinding, WeChatIdentity, WeChatUser
from app.identity.tokens import TokenClaims
from app.masterdata.models import BroadbandAccount, CallbackResult, Technician, WorkOrder
from app.rating import rules
from app.rating.models import Rating
from app.rating.service.recovery import open_recovery_task
from app.rating.tags import Tag, load_catalogue, tag_stars

# Sent with the new rating inside the submitting transaction, so the fraud checks that run at
# submission land (or fail) together with the rating.
signals = Namespace()
rating_submitted = signals.signal("rating-submitted")

# How far back the submission looks at the technician's other ratings (for the submission-time
# fraud checks: a burst is judged on the technician's ratings of the last half hour).
RECENT_RATINGS = timedelta(minutes=30)

# Which WeChat app's openid identifies the rater on each channel.
CHANNEL_APP = {"miniprogram": "mp", "h5": "oa", "sms_link": "oa"}


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = ("工单不存在或不属于您绑定的宽带账号 (no such order among the accounts you have "
               "bound)")


class AlreadyRated(Conflict):
    code, message = "already_rated", "该工单已评价 (this order has already been rated)"


@dataclass(frozen=True)
class RatedOrder:
    """What the submission read about the order, its technician, its account and the rater."""

    id: int
    order_no: str
    status: str
    completed_at: datetime | None
    technician_id: int
    employee_no: str
    team: str
    area: str
    technician_phone: str
    account_no: str
    account_phone: str
    account_address: str
    rater_is_technician: bool       # bound to this order's own technician
    rater_is_bound: bool            # bound to this order's account
    already_rated: bool
    rater_openid: str | None        # of the channel's WeChat app
    rater_unionid: str | None
    rater_is_any_technician: bool   # bound to some technician, this order's or another's
    has_callbacks: bool
    technician_last_rated_at: datetime | None    # the technician's latest rating before this one
    # The earliest completion among the technician's orders rated in the last RECENT_RATINGS.
    technician_recent_first_completion: datetime | None
    rater_present: bool             # scanned this technician's live badge within PRESENCE_HOURS

    @classmethod
    def from_row(cls, row) -> RatedOrder:
        values = row._asdict()
        for name in ("rater_is_technician", "rater_is_bound", "already_rated",
                     "rater_is_any_technician", "has_callbacks", "rater_present"):
            values[name] = bool(values[name])       # SQLite answers EXISTS with 0/1
        return cls(**values)


@dataclass(frozen=True)
class SubmittedRating:
    """A rating just recorded, as plain values: what the answer shows and what the
    `rating_submitted` receivers (fraud checks, metrics) read, with no query behind it."""

    id: int
    order: RatedOrder
    user_id: int
    stars: int
    tags: list[str]
    comment: str
    channel: str
    client_ip: str | None
    user_agent: str | None
    created_at: datetime
    presence: bool

    @property
    def order_id(self) -> int:
        return self.order.id

    @property
    def order_no(self) -> str:
        return self.order.order_no

    @property
    def technician_id(self) -> int:
        return self.order.technician_id

    @property
    def openid(self) -> str | None:
        return self.order.rater_openid


def submit_rating(*, rater: TokenClaims, order_no: str, stars: int, tags: list[str], comment: str,
                  channel: str, window_days: int, catalogue: tuple[Tag, ...],
                  client_ip: str | None = None, user_agent: str | None = None,
                  recovery_hours: int, presence_hours: int,
                  now: datetime | None = None) -> SubmittedRating:
    """Record `rater`'s rating of `order_no`, checking every rule of SPEC flow 3. `rater` is
    a user token's claims: a revoked token is refused here, in the same query (401). The rating
    carries `presence` when the rater scanned the technician's live badge in the last
    `presence_hours` (never a reason to refuse one)."""
    now = now or utcnow()
    order = rated_order(order_no, rater, channel=channel,
                        present_since=now - timedelta(hours=presence_hours),
                        recent_since=now - RECENT_RATINGS)
    if order is not None and order.rater_is_technician:
        # Only the order's own technician learns that it exists: it is theirs.
        raise Forbidden("装维人员不能评价自己的工单 (technicians cannot rate their own orders)",
                        code="rater_is_technician")
    if order is None or not order.rater_is_bound:
        # "No such order" and "not yours" are one answer, so order numbers cannot be probed.
        raise OrderNotFound()
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

    values = {"user_id": rater.user_id, "stars": stars, "tags": list(dict.fromkeys(tags)),
              "comment": rules.clean_comment(comment), "channel": channel,
              "client_ip": client_ip, "user_agent": (user_agent or "")[:400] or None,
              "created_at": now, "presence": order.rater_present}
    # The unique order key decides a race: the loser inserts nothing and is told so.
    rating_id = insert_unless_duplicate(
        db.session, Rating.__table__, {**values, "order_id": order.id, "openid": order.rater_openid,
                                       "technician_id": order.technician_id}, unique="order_id")
    if rating_id is None:
        raise AlreadyRated()
    rating = SubmittedRating(id=rating_id, order=order, **values)
    if rules.opens_recovery(stars):
        open_recovery_task(order_id=order.id, technician_id=order.technician_id, team=order.team,
                           area=order.area, source="rating", stars=stars,
                           due_at=now + timedelta(hours=recovery_hours), now=now)
    rating_submitted.send(rating)
    return rating


def rated_order(order_no: str, rater: TokenClaims, *, channel: str,
                present_since: datetime, recent_since: datetime) -> RatedOrder | None:
    """The order as `rater` would rate it on `channel`, or None when there is no such order.
    Raises InvalidUserToken when the claims' token version is no longer the user's."""
    row = execute_core(db.session, _rated_order_query(), {
        "order_no": order_no, "user_id": rater.user_id, "token_version": rater.token_version,
        "openid_app": CHANNEL_APP[channel], "present_since": present_since,
        "recent_since": recent_since}).one_or_none()
    if row is None:
        raise InvalidUserToken()
    return None if row.id is None else RatedOrder.from_row(row)


@cache
def _rated_order_query():
    # Built once: on this path constructing the expression costs more CPU than running it.
    # Anchored on the rater's row with the token's version, the order outer-joined: no row means
    # a revoked token, a row without an order means no such order.
    user_id = WeChatUser.id
    recent_order = aliased(WorkOrder)
    return select(
        WorkOrder.id, WorkOrder.order_no, WorkOrder.status, WorkOrder.completed_at,
        WorkOrder.technician_id, Technician.employee_no, Technician.team, Technician.area,
        Technician.phone.label("technician_phone"), BroadbandAccount.account_no,
        BroadbandAccount.phone.label("account_phone"),
        BroadbandAccount.address.label("account_address"),
        exists().where(TechnicianBinding.user_id == user_id,
                       TechnicianBinding.technician_id == WorkOrder.technician_id
                       ).label("rater_is_technician"),
        exists().where(AccountBinding.user_id == user_id,
                       AccountBinding.account_id == WorkOrder.account_id).label("rater_is_bound"),
        exists().where(Rating.order_id == WorkOrder.id).label("already_rated"),
        select(WeChatIdentity.openid)
        .where(WeChatIdentity.user_id == user_id, WeChatIdentity.app == bindparam("openid_app"))
        .order_by(WeChatIdentity.id).limit(1).scalar_subquery().label("rater_openid"),
        WeChatUser.unionid.label("rater_unionid"),
        exists().where(TechnicianBinding.user_id == user_id).label("rater_is_any_technician"),
        exists().where(CallbackResult.order_id == WorkOrder.id).label("has_callbacks"),
        select(func.max(Rating.created_at)).where(Rating.technician_id == WorkOrder.technician_id)
        .scalar_subquery().label("technician_last_rated_at"),
        select(func.min(recent_order.completed_at)).select_from(Rating)
        .join(recent_order, recent_order.id == Rating.order_id)
        .where(Rating.technician_id == WorkOrder.technician_id,
               Rating.created_at >= bindparam("recent_since", type_=UTCDateTime))
        .scalar_subquery().label("technician_recent_first_completion"),
        # Presence rides in the same query: the (user, technician, step) key's index finds it.
        exists().where(Presence.user_id == user_id,
                       Presence.technician_id == WorkOrder.technician_id,
                       Presence.scanned_at > bindparam("present_since", type_=UTCDateTime)
                       ).label("rater_present"),
    ).select_from(WeChatUser).outerjoin(
        WorkOrder, WorkOrder.order_no == bindparam("order_no")).outerjoin(
        Technician, Technician.id == WorkOrder.technician_id).outerjoin(
        BroadbandAccount, BroadbandAccount.id == WorkOrder.account_id).where(
        WeChatUser.id == bindparam("user_id"),
        WeChatUser.token_version == bindparam("token_version"))


def tag_catalogue(path: str | None = None) -> tuple[Tag, ...]:
    return load_catalogue(path)
