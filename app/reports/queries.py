"""The report queries: set-based, streamed, never one Python object per order.

Effective stars come from the rating domain's one SQL definition (`rating.service.effective_orders`);
this module only counts, sums and filters on top of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from sqlalchemy import case, func, select

from app.extensions import db
from app.masterdata.models import BroadbandAccount, Complaint, Penalty, Technician, WorkOrder
from app.rating import service as rating_service

STREAM_ROWS = 5000


@dataclass(frozen=True)
class TechnicianFilter:
    """Which technicians a report covers, by their current team, area and vendor."""

    team: str | None = None
    area: str | None = None
    vendor: str | None = None
    technician_id: int | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.team, self.area, self.vendor, self.technician_id))

    def conditions(self) -> list:
        pairs = ((Technician.team, self.team), (Technician.area, self.area),
                 (Technician.vendor, self.vendor), (Technician.id, self.technician_id))
        return [column == value for column, value in pairs if value is not None]

    def matches(self, row: dict) -> bool:
        return all(value is None or row.get(name) == value
                   for name, value in (("team", self.team), ("area", self.area),
                                       ("vendor", self.vendor),
                                       ("technician_id", self.technician_id)))


def order_conditions(start: datetime, end: datetime, who: TechnicianFilter) -> list:
    conditions = [WorkOrder.completed_at >= start, WorkOrder.completed_at < end]
    if who.technician_id is not None:
        conditions.append(WorkOrder.technician_id == who.technician_id)
    elif who.active:
        conditions.append(WorkOrder.technician_id.in_(
            select(Technician.id).where(*who.conditions())))
    return conditions


def false_closures(start: datetime, end: datetime, who: TechnicianFilter):
    """False closures (虚假回单) recorded on the orders completed in [start, end): such an order
    pays no install or maintenance pay, in the monthly report as on the pay sheet."""
    orders = select(WorkOrder.id).where(WorkOrder.status == "completed",
                                        *order_conditions(start, end, who))
    return (select(Penalty.order_id, Penalty.id.label("penalty_id"), Penalty.amount_fen,
                   Penalty.note)
            .where(Penalty.kind == "false_closure", Penalty.order_id.in_(orders))
            .subquery("false_closures"))


def month_groups(start: datetime, end: datetime, who: TechnicianFilter,
                 paid_order_types: tuple[str, ...]) -> Iterator:
    """Counts of completed orders per (technician, order type, product, area, star, WeChat-rated).

    Area only matters for install pay, so for unpaid order types (repair) it is folded to NULL:
    fewer groups to send back, nothing lost. Product stays: campus orders are not star-rated."""
    eff = rating_service.effective_orders(*order_conditions(start, end, who))
    paid = eff.c.order_type.in_(paid_order_types)
    product = eff.c.product
    area = case((paid, eff.c.area)).label("area")
    wechat = case((eff.c.rating_id.is_not(None), 1), else_=0).label("wechat")
    closed = false_closures(start, end, who)
    flag = case((closed.c.order_id.is_not(None), 1), else_=0).label("false_closure")
    stmt = (select(eff.c.technician_id, eff.c.order_type, product, area, eff.c.stars, wechat,
                   flag, func.count().label("n"))
            .outerjoin(closed, closed.c.order_id == eff.c.order_id)
            .group_by(eff.c.technician_id, eff.c.order_type, product, area, eff.c.stars, wechat,
                      flag))
    return db.session.execute(stmt, execution_options={"yield_per": STREAM_ROWS})


def star_sums(start: datetime, end: datetime, unrated_products: list[str]) -> dict[int, tuple[int, int]]:
    """Per technician: (Σ effective stars, number) of star-rated completed orders in the period."""
    eff = rating_service.effective_orders(WorkOrder.completed_at >= start,
                                          WorkOrder.completed_at < end)
    stmt = (select(eff.c.technician_id, func.sum(eff.c.stars), func.count())
            .group_by(eff.c.technician_id))
    if unrated_products:
        stmt = stmt.where(eff.c.product.not_in(unrated_products))
    return {tid: (int(total), int(count)) for tid, total, count in db.session.execute(stmt)}


def technicians_with_justified_complaints(start: datetime, end: datetime) -> set[int]:
    return set(db.session.scalars(
        select(Complaint.technician_id).distinct()
        .where(Complaint.justified.is_(True), Complaint.complained_at >= start,
               Complaint.complained_at < end)))


def technician_by_employee_no(employee_no: str) -> Technician | None:
    return db.session.scalar(select(Technician).where(Technician.employee_no == employee_no))


def technicians(who: TechnicianFilter) -> list[dict]:
    rows = db.session.execute(
        select(Technician.id, Technician.employee_no, Technician.name, Technician.team,
               Technician.area, Technician.vendor, Technician.status)
        .where(*who.conditions()).order_by(Technician.employee_no))
    return [dict(row._mapping) for row in rows]


def complaints_by_area(start: datetime, end: datetime) -> dict[str, int]:
    """Complaints made in [start, end) per area: the area of the complained order, or the
    technician's area when the complaint names no order."""
    area = func.coalesce(WorkOrder.area, Technician.area)
    rows = db.session.execute(
        select(area, func.count())
        .select_from(Complaint)
        .outerjoin(WorkOrder, WorkOrder.id == Complaint.order_id)
        .join(Technician, Technician.id == Complaint.technician_id)
        .where(Complaint.complained_at >= start, Complaint.complained_at < end)
        .group_by(area))
    return {name: count for name, count in rows}


def accounts_by_area() -> dict[str, int]:
    rows = db.session.execute(select(BroadbandAccount.area, func.count())
                              .group_by(BroadbandAccount.area))
    return {name: count for name, count in rows}
