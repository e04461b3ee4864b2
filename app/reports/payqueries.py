"""What the pay sheet reads from the database: set-based queries, no rule decided in SQL.

Two shapes of the same facts. `order_groups`, `urge_groups`, `late_repairs` … count and sum per
technician for the whole month at once (the live pay sheet, the ranking); `order_lines` streams
every completed order with everything its pay lines need (the ledger and month close). The rules
that turn either into money are in `payrules` and `paysheet`; tests check the two shapes agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from sqlalchemy import Interval, and_, case, func, literal, null, select, text

from app.extensions import db
from app.masterdata.models import (
    AssessmentItem, Commission, Penalty, Technician, Urge, WorkOrder)
from app.rating import service as rating_service
from app.reports import queries
from app.reports.queries import STREAM_ROWS, TechnicianFilter, order_conditions

REPAIR = "repair"
FINES = ("complaint", "other")


@dataclass(frozen=True)
class Period:
    month: str
    start: datetime
    end: datetime


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _technician_in(column, who: TechnicianFilter) -> list:
    """The report's technician filter, for tables keyed by technician_id."""
    if who.technician_id is not None:
        return [column == who.technician_id]
    if who.active:
        return [column.in_(select(Technician.id).where(*who.conditions()))]
    return []


def _completed_in(period: Period, who: TechnicianFilter) -> list:
    return [WorkOrder.status == "completed", *order_conditions(period.start, period.end, who)]


# --- urges per order: one flag per urge kind (payrules.URGE_KINDS) -----------------------------

def _flag(condition):
    return func.max(case((condition, 1), else_=0))


def urge_flags(period: Period, who: TechnicianFilter):
    """Per order completed in the period that has urges: which kinds of urge it has (0/1 each)."""
    orders = select(WorkOrder.id).where(*_completed_in(period, who))
    overdue = Urge.cause == "overdue"
    return (select(Urge.order_id.label("order_id"),
                   _flag(Urge.cause == "procedure").label("procedure"),
                   _flag(and_(overdue, Urge.appointment_recorded.is_(True)))
                   .label("overdue_with_appointment"),
                   _flag(and_(overdue, Urge.appointment_recorded.is_(False)))
                   .label("overdue_without_appointment"),
                   _flag(Urge.cause == "excused").label("excused"),
                   func.count().label("urges"))
            .where(Urge.order_id.in_(orders))
            .group_by(Urge.order_id)
            .subquery("urge_flags"))


def false_closures(period: Period, who: TechnicianFilter):
    return queries.false_closures(period.start, period.end, who)


# --- the month at once, per technician ---------------------------------------------------------

def order_groups(period: Period, who: TechnicianFilter, *, paid_types: tuple[str, ...],
                 priced_areas: tuple[str, ...]) -> Iterator:
    """(technician_id, order_type, product, area, stars, false_closure, n) for completed orders.

    Orders that pay alike are folded into one group, so fewer rows come back: paid order types
    (install, move) are priced the same way and come back as the first of them; an area without
    a coefficient of its own comes back NULL (the default coefficient)."""
    eff = rating_service.effective_orders(*order_conditions(period.start, period.end, who))
    closed = false_closures(period, who)
    flag = case((closed.c.order_id.is_not(None), 1), else_=0).label("false_closure")
    order_type = (case((eff.c.order_type.in_(paid_types), literal(paid_types[0])),
                       else_=eff.c.order_type) if paid_types else eff.c.order_type)
    area = case((eff.c.area.in_(priced_areas), eff.c.area)) if priced_areas else None
    keys = (eff.c.technician_id, order_type.label("order_type"), eff.c.product)
    rest = (eff.c.stars, flag)
    area_keys = (area.label("area"),) if area is not None else ()
    stmt = (select(*keys, *(area_keys or (null().label("area"),)), *rest,
                   func.count().label("n"))
            .outerjoin(closed, closed.c.order_id == eff.c.order_id)
            .group_by(*keys, *area_keys, *rest))      # PostgreSQL refuses NULL in GROUP BY
    return db.session.execute(stmt, execution_options={"yield_per": STREAM_ROWS})


def urge_groups(period: Period, who: TechnicianFilter) -> Iterator:
    """(technician_id, is_repair, procedure, overdue_with…, overdue_without…, excused, n):
    how many of a technician's orders have each combination of urge kinds."""
    flags = urge_flags(period, who)
    is_repair = case((WorkOrder.order_type == REPAIR, 1), else_=0).label("is_repair")
    kinds = (flags.c.procedure, flags.c.overdue_with_appointment,
             flags.c.overdue_without_appointment, flags.c.excused)
    stmt = (select(WorkOrder.technician_id, is_repair, *kinds, func.count())
            .join(WorkOrder, WorkOrder.id == flags.c.order_id)
            .group_by(WorkOrder.technician_id, is_repair, *kinds))
    return db.session.execute(stmt)


def _plus_hours(column, hours: int):
    if _dialect() == "postgresql":
        return column + literal(timedelta(hours=hours), Interval())
    return func.datetime(column, f"+{hours} hours")     # SQLite stores naive UTC text


def late_repairs(period: Period, who: TechnicianFilter, *, deadline_hours: int,
                 step_hours: int) -> Iterator:
    """Completed repairs of the period that may be overdue: finished at least a step (less an
    hour's margin for SQLite's second-rounded arithmetic) after the deadline. The exact rule is
    `payrules.overdue`, applied to these rows only."""
    deadline = func.coalesce(WorkOrder.due_at, _plus_hours(WorkOrder.created_at, deadline_hours))
    stmt = (select(WorkOrder.technician_id, WorkOrder.id, WorkOrder.order_no, WorkOrder.created_at,
                   WorkOrder.due_at, WorkOrder.completed_at, WorkOrder.fault_cause)
            .where(*_completed_in(period, who), WorkOrder.order_type == REPAIR,
                   WorkOrder.completed_at >= _plus_hours(deadline, step_hours - 1)))
    return db.session.execute(stmt, execution_options={"yield_per": STREAM_ROWS})


# A month's grouped queries sort and hash a million orders: with PostgreSQL's default work_mem
# (4 MB) the effective-star aggregate spills to disk and takes most of the pay sheet's time.
REPORT_WORK_MEM = "64MB"


def roomy_sorts() -> None:
    """Give this transaction's sorts and hashes REPORT_WORK_MEM (PostgreSQL; ends with the
    transaction, so other requests on the pooled connection keep the server's default)."""
    if _dialect() == "postgresql":
        db.session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))


def exact_interval_arithmetic() -> bool:
    """PostgreSQL subtracts timestamps to exact intervals (and EXTRACT(epoch) is numeric); SQLite
    has only floating or second-rounded date arithmetic, so there Python decides lateness."""
    return _dialect() == "postgresql"


def overdue_groups(period: Period, who: TechnicianFilter, *, deadline_hours: int,
                   step_hours: int, exempt_causes: tuple[str, ...]) -> Iterator:
    """PostgreSQL only: (technician_id, whole steps late, exempt, n) of the period's completed
    repairs finished at least one step after their deadline — `payrules.overdue` in SQL."""
    deadline = func.coalesce(WorkOrder.due_at, _plus_hours(WorkOrder.created_at, deadline_hours))
    late = WorkOrder.completed_at - deadline
    steps = func.floor(func.extract("epoch", late) / (step_hours * 3600)).label("steps")
    exempt = case((WorkOrder.fault_cause.in_(exempt_causes), 1), else_=0).label("exempt")
    stmt = (select(WorkOrder.technician_id, steps, exempt, func.count())
            .where(*_completed_in(period, who), WorkOrder.order_type == REPAIR,
                   WorkOrder.completed_at >= _plus_hours(deadline, step_hours))
            .group_by(WorkOrder.technician_id, steps, exempt))
    return db.session.execute(stmt)


def false_closure_rows(period: Period, who: TechnicianFilter) -> Iterator:
    """(technician_id of the order, amount_fen) of false closures on orders of the period."""
    closed = false_closures(period, who)
    return db.session.execute(select(WorkOrder.technician_id, closed.c.amount_fen)
                              .join(WorkOrder, WorkOrder.id == closed.c.order_id))


# --- rows that do not belong to an order -------------------------------------------------------

def fines(period: Period, who: TechnicianFilter) -> Iterator:
    """Complaint and other penalties whose occurred_at falls in the period."""
    stmt = (select(Penalty.technician_id, Penalty.id, Penalty.kind, Penalty.amount_fen,
                   Penalty.occurred_at, Penalty.note, WorkOrder.order_no)
            .outerjoin(WorkOrder, WorkOrder.id == Penalty.order_id)
            .where(Penalty.kind.in_(FINES), Penalty.occurred_at >= period.start,
                   Penalty.occurred_at < period.end, *_technician_in(Penalty.technician_id, who))
            .order_by(Penalty.technician_id, Penalty.occurred_at, Penalty.id))
    return db.session.execute(stmt)


def commissions(period: Period, who: TechnicianFilter) -> Iterator:
    stmt = (select(Commission.technician_id, Commission.id, Commission.amount_fen,
                   Commission.note)
            .where(Commission.month == period.month,
                   *_technician_in(Commission.technician_id, who))
            .order_by(Commission.technician_id, Commission.note, Commission.id))
    return db.session.execute(stmt)


def assessment_items(period: Period, who: TechnicianFilter) -> Iterator:
    stmt = (select(AssessmentItem.technician_id, AssessmentItem.item,
                   AssessmentItem.points_centi, AssessmentItem.note)
            .where(AssessmentItem.month == period.month,
                   *_technician_in(AssessmentItem.technician_id, who))
            .order_by(AssessmentItem.technician_id, AssessmentItem.item))
    return db.session.execute(stmt)


# --- every order, for the ledger ---------------------------------------------------------------

def order_lines(period: Period, who: TechnicianFilter) -> Iterator:
    """Every completed order of the period, by technician, with its effective star and source,
    deadline facts, urge kinds and false closure — one statement, so one consistent snapshot."""
    eff = rating_service.effective_orders(*order_conditions(period.start, period.end, who))
    flags = urge_flags(period, who)
    closed = false_closures(period, who)
    stmt = (select(eff, WorkOrder.created_at, WorkOrder.due_at, WorkOrder.fault_cause,
                   func.coalesce(flags.c.urges, literal(0)).label("urges"),
                   flags.c.procedure, flags.c.overdue_with_appointment,
                   flags.c.overdue_without_appointment, flags.c.excused,
                   closed.c.penalty_id.label("false_closure_id"),
                   closed.c.amount_fen.label("false_closure_fen"),
                   closed.c.note.label("false_closure_note"))
            .join(WorkOrder, WorkOrder.id == eff.c.order_id)
            .outerjoin(flags, flags.c.order_id == eff.c.order_id)
            .outerjoin(closed, closed.c.order_id == eff.c.order_id)
            .order_by(eff.c.technician_id, eff.c.completed_at, eff.c.order_no))
    return db.session.execute(stmt, execution_options={"yield_per": STREAM_ROWS})
