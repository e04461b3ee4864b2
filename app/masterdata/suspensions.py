"""Technician suspensions (待岗培训): set by a repeat fraud offence, lifted or shortened by a
manager with a reason, ended by the calendar.

"Suspended now" is read from the dates (local days in TIMEZONE), so nothing has to run when a
suspension ends. A technician's effective status is `left` if upstream says so, `suspended`
if upstream says so or a suspension covers today, else what upstream sent.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.masterdata.models import Technician, TechnicianSuspension


def local_today(tz_name: str, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(tz_name)).date()


def effective_status(stored: str, suspended: bool) -> str:
    """What the technician is today: upstream's `left` wins, then any suspension."""
    if stored == "left":
        return "left"
    return "suspended" if suspended or stored == "suspended" else stored


def _covering(today: date):
    return (TechnicianSuspension.lifted_at.is_(None), TechnicianSuspension.starts_on <= today,
            TechnicianSuspension.ends_on >= today)


def current_suspension(technician_id: int, today: date) -> TechnicianSuspension | None:
    """The suspension covering `today` that ends last, if any."""
    return db.session.scalar(
        select(TechnicianSuspension)
        .where(TechnicianSuspension.technician_id == technician_id, *_covering(today))
        .order_by(TechnicianSuspension.ends_on.desc()).limit(1))


def suspended_until(today: date, technician_ids=None) -> dict[int, date]:
    """Technician id → last day of suspension, for everyone suspended `today` (one query)."""
    query = (select(TechnicianSuspension.technician_id, TechnicianSuspension.ends_on)
             .where(*_covering(today)))
    if technician_ids is not None:
        query = query.where(TechnicianSuspension.technician_id.in_(list(technician_ids)))
    out: dict[int, date] = {}
    for technician_id, ends_on in db.session.execute(query):
        out[technician_id] = max(ends_on, out.get(technician_id, ends_on))
    return out


def status_on(technician: Technician, today: date) -> str:
    if technician.status == "left":
        return "left"        # no need to look for a suspension
    return effective_status(technician.status,
                            current_suspension(technician.id, today) is not None)


def suspend(*, technician_id: int, starts_on: date, ends_on: date, reason: str, by: str,
            now: datetime | None = None) -> TechnicianSuspension:
    """A new suspension; the caller records it in the audit log."""
    row = TechnicianSuspension(technician_id=technician_id, starts_on=starts_on, ends_on=ends_on,
                               planned_ends_on=ends_on, reason=reason, created_by=by,
                               created_at=now or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def get_suspension(suspension_id: int, technician_id: int | None = None) -> TechnicianSuspension:
    row = db.session.get(TechnicianSuspension, suspension_id)
    if row is None or (technician_id is not None and row.technician_id != technician_id):
        raise NotFound("停岗记录不存在 (suspension not found)", code="suspension_not_found")
    return row


def _locked(suspension_id: int, technician_id: int | None) -> TechnicianSuspension:
    get_suspension(suspension_id, technician_id)
    return db.session.scalar(select(TechnicianSuspension)
                             .where(TechnicianSuspension.id == suspension_id)
                             .with_for_update().execution_options(populate_existing=True))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Unprocessable("须写明原因 (a reason is required)",
                            details={"fields": {"reason": ["required"]}})
    return reason


def lift(*, suspension_id: int, reason: str, by: str, technician_id: int | None = None,
         now: datetime | None = None) -> TechnicianSuspension:
    """End a suspension now (a manager's decision, with a reason)."""
    reason = _require_reason(reason)
    row = _locked(suspension_id, technician_id)
    if row.lifted_at is not None:
        raise Conflict("该停岗已解除 (the suspension was already lifted)",
                       code="suspension_already_lifted")
    now = now or utcnow()
    row.lifted_at, row.changed_by, row.changed_at, row.change_note = now, by, now, reason
    db.session.flush()
    return row


def shorten(*, suspension_id: int, ends_on: date, reason: str, by: str, today: date,
            technician_id: int | None = None, now: datetime | None = None) -> TechnicianSuspension:
    """Bring a suspension's last day forward (never past its first day, never later)."""
    reason = _require_reason(reason)
    row = _locked(suspension_id, technician_id)
    if row.lifted_at is not None or row.ends_on < today:
        raise Conflict("该停岗已结束 (the suspension is over)", code="suspension_over")
    if not row.starts_on <= ends_on < row.ends_on:
        raise Unprocessable(
            f"新的结束日期须在 {row.starts_on} 与 {row.ends_on} 之前 (the new last day must be from "
            f"the first day and before the current last day)",
            details={"fields": {"ends_on": [f"{row.starts_on}..{row.ends_on}"]}})
    now = now or utcnow()
    row.ends_on, row.changed_by, row.changed_at, row.change_note = ends_on, by, now, reason
    db.session.flush()
    return row


def cancel(row: TechnicianSuspension, *, note: str, by: str, now: datetime) -> None:
    """The offence behind a suspension no longer stands: it ends now, the record stays."""
    if row.lifted_at is None:
        row.lifted_at, row.changed_by, row.changed_at, row.change_note = now, by, now, note


def suspensions_of(technician_id: int) -> list[TechnicianSuspension]:
    """Every suspension of a technician, newest first."""
    return list(db.session.scalars(
        select(TechnicianSuspension).where(TechnicianSuspension.technician_id == technician_id)
        .order_by(TechnicianSuspension.starts_on.desc(), TechnicianSuspension.id.desc())))
