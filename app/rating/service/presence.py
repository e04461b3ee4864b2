"""Ratings with their presence (在场扫码): the month's list for staff and exports, and the
presence share per technician that the fraud review, the monthly report and the ranking read.

A month is SPEC's: the orders completed in it (by completed_at, in TIMEZONE), with their WeChat
rating whenever it was given, so these figures line up with the monthly report's `wechat_ratings`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from app.extensions import db
from app.masterdata.models import Technician, WorkOrder
from app.rating.models import Rating
from app.timeutil import month_bounds


@dataclass(frozen=True)
class PresenceShare:
    """Of a technician's valid WeChat ratings for the month, how many carry presence."""

    ratings: int
    with_presence: int

    @property
    def share(self) -> float | None:
        """with_presence / ratings, None without ratings (not 0: nothing to judge by)."""
        return self.with_presence / self.ratings if self.ratings else None


def _month_orders(month: str, tz_name: str):
    start, end = month_bounds(month, tz_name)
    return (WorkOrder.status == "completed", WorkOrder.completed_at >= start,
            WorkOrder.completed_at < end)


def presence_share_by_technician(month: str, *, tz_name: str = "Asia/Shanghai"
                                 ) -> dict[int, PresenceShare]:
    """{technician id: PresenceShare} over valid ratings of the orders completed in `month`;
    technicians without a rating that month are absent. One grouped query."""
    present = func.sum(case((Rating.presence.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(WorkOrder.technician_id, func.count(Rating.id), present)
        .join(Rating, Rating.order_id == WorkOrder.id)
        .where(*_month_orders(month, tz_name), Rating.voided_at.is_(None))
        .group_by(WorkOrder.technician_id))
    return {tid: PresenceShare(ratings=count, with_presence=int(with_presence or 0))
            for tid, count, with_presence in rows}


@dataclass(frozen=True)
class RatingLine:
    """One rating as staff lists and exports show it: never who gave it."""

    rating_id: int
    order_no: str
    order_type: str
    product: str
    completed_at: datetime
    employee_no: str
    technician_name: str
    team: str
    area: str
    stars: int
    tags: list
    comment: str
    channel: str
    presence: bool
    created_at: datetime
    valid: bool


def month_ratings(month: str, *, tz_name: str, employee_no: str | None = None,
                  team: str | None = None, area: str | None = None):
    """A select of the month's ratings (voided ones too, marked), newest order first: paginate
    it or stream it."""
    query = (
        select(Rating.id.label("rating_id"), WorkOrder.order_no, WorkOrder.order_type,
               WorkOrder.product, WorkOrder.completed_at, Technician.employee_no,
               Technician.name.label("technician_name"), Technician.team, Technician.area,
               Rating.stars, Rating.tags, Rating.comment, Rating.channel, Rating.presence,
               Rating.created_at, Rating.voided_at.is_(None).label("valid"))
        .join(WorkOrder, WorkOrder.id == Rating.order_id)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(*_month_orders(month, tz_name))
        .order_by(WorkOrder.completed_at.desc(), Rating.id.desc()))
    for column, value in ((Technician.employee_no, employee_no), (Technician.team, team),
                          (Technician.area, area)):
        if value:
            query = query.where(column == value)
    return query


def rating_lines(query, *, page: int | None = None, per_page: int = 20) -> list[RatingLine]:
    """The lines `query` (from month_ratings) selects: all of them, or one page."""
    if page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    return [RatingLine(**{**row._asdict(), "valid": bool(row.valid),
                          "presence": bool(row.presence)})
            for row in db.session.execute(query)]


def count_lines(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
