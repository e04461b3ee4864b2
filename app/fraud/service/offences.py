"""Findings and their sanctions: one offence per technician and month (SPEC flow 5).

Every decision that confirms or un-confirms a fraud recomputes the technician's offences from
the confirmed flags: a month with at least one confirmed fraud has exactly one live offence;
offences are numbered by month; a first offence is fined, a later one fined less and
suspended from the day of the decision. Nothing is deleted: revoked offences and cancelled
suspensions stay with their dates and reasons.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.fraud import rules
from app.fraud.models import FraudFlag, FraudOffence
from app.masterdata import service as masterdata
from app.masterdata.models import Technician, TechnicianSuspension


@dataclass
class OffenceEvents:
    """What a recomputation changed, for the audit log."""

    started: list[TechnicianSuspension] = field(default_factory=list)
    cancelled: list[TechnicianSuspension] = field(default_factory=list)
    changed: list[FraudOffence] = field(default_factory=list)

    def absorb(self, other: "OffenceEvents") -> None:
        self.started += other.started
        self.cancelled += other.cancelled
        self.changed += other.changed


def flag_month(flag: FraudFlag, tz_name: str) -> str:
    """The month a fraud counts in: the rated order's completion, in TIMEZONE."""
    if flag.month:
        return flag.month
    return rules.month_of(flag.order.completed_at or flag.rating.created_at, tz_name)


def recompute_offences(technician_ids, *, policy: rules.SanctionPolicy, tz_name: str, by: str,
                       now: datetime) -> OffenceEvents:
    """Bring each technician's offences in line with their confirmed frauds."""
    events = OffenceEvents()
    # One order of locks for everyone: two decisions over the same people cannot deadlock.
    for technician_id in sorted(set(technician_ids)):
        events.absorb(_recompute(technician_id, policy=policy, tz_name=tz_name, by=by, now=now))
    db.session.flush()
    return events


def _recompute(technician_id: int, *, policy, tz_name, by, now) -> OffenceEvents:
    events = OffenceEvents()
    # Serialises numbering per technician: two confirmations at once cannot both be "first".
    db.session.execute(select(Technician.id).where(Technician.id == technician_id)
                       .with_for_update())
    db.session.execute(update(FraudFlag)
                       .where(FraudFlag.technician_id == technician_id,
                              FraudFlag.status != "confirmed", FraudFlag.offence_id.is_not(None))
                       .values(offence_id=None).execution_options(synchronize_session="fetch"))
    by_month: dict[str, list[FraudFlag]] = {}
    for flag in db.session.scalars(select(FraudFlag).where(
            FraudFlag.technician_id == technician_id, FraudFlag.status == "confirmed")):
        by_month.setdefault(flag_month(flag, tz_name), []).append(flag)
    numbered = rules.number_offences(by_month, policy)
    offences = {o.month: o for o in db.session.scalars(
        select(FraudOffence).where(FraudOffence.technician_id == technician_id)
        .execution_options(populate_existing=True))}
    today = masterdata.local_today(tz_name, now)

    for month, terms in numbered.items():
        offence = offences.get(month)
        if offence is None:
            offence = FraudOffence(technician_id=technician_id, month=month, created_at=now,
                                   offence_no=terms.offence_no, fine=terms.fine,
                                   suspension=terms.suspension)
            db.session.add(offence)
            db.session.flush()
            events.changed.append(offence)
        elif offence.revoked_at is not None or (
                offence.offence_no, offence.fine, offence.suspension) != (
                terms.offence_no, terms.fine, terms.suspension):
            offence.offence_no, offence.fine = terms.offence_no, terms.fine
            offence.suspension, offence.revoked_at, offence.updated_at = terms.suspension, None, now
            events.changed.append(offence)
        for flag in by_month[month]:
            if flag.offence_id != offence.id:
                flag.offence_id = offence.id
        if terms.suspension and offence.suspension_id is None:
            first, last = rules.suspension_period(today, policy.suspension_days)
            row = masterdata.suspend(
                technician_id=technician_id, starts_on=first, ends_on=last, by=by, now=now,
                reason=f"第 {terms.offence_no} 次违规（{month} 虚假评价）：待岗培训 "
                       f"{policy.suspension_days} 天")
            offence.suspension_id = row.id
            events.started.append(row)
        elif not terms.suspension and offence.suspension_id is not None:
            _cancel(offence, f"{month} 改为第 {terms.offence_no} 次违规，不再停岗", by, now, events)

    for month, offence in offences.items():
        if month not in numbered and offence.revoked_at is None:
            offence.revoked_at = offence.updated_at = now
            events.changed.append(offence)
            if offence.suspension_id is not None:
                _cancel(offence, f"{month} 的违规已撤销", by, now, events)
    return events


def _cancel(offence: FraudOffence, note: str, by: str, now: datetime,
            events: OffenceEvents) -> None:
    row = db.session.get(TechnicianSuspension, offence.suspension_id)
    if row.lifted_at is None:
        masterdata.cancel_suspension(row, note=note, by=by, now=now)
        events.cancelled.append(row)
    offence.suspension_id = None


# --- What other domains read -------------------------------------------------------------------

def confirmed_frauds_by_technician(months: list[str]) -> dict[int, int]:
    """Confirmed fake ratings per technician id in the given YYYY-MM months."""
    rows = db.session.execute(
        select(FraudOffence.technician_id, func.count(FraudFlag.id))
        .join(FraudFlag, FraudFlag.offence_id == FraudOffence.id)
        .where(FraudOffence.month.in_(months), FraudOffence.revoked_at.is_(None),
               FraudFlag.status == "confirmed")
        .group_by(FraudOffence.technician_id))
    return {technician_id: count for technician_id, count in rows}


def fines_by_technician(month: str) -> dict[int, int]:
    """Technician id → fine in yuan of the offence sanctioning `month` (the pay sheet's `fraud`)."""
    return dict(db.session.execute(
        select(FraudOffence.technician_id, FraudOffence.fine)
        .where(FraudOffence.month == month, FraudOffence.revoked_at.is_(None))).all())


def offence_states(technician_ids) -> dict[int, list[rules.OffenceState]]:
    """Each technician's live findings as plain values (month order)."""
    out: dict[int, list[rules.OffenceState]] = {tid: [] for tid in technician_ids}
    rows = db.session.execute(
        select(FraudOffence.technician_id, FraudOffence.month, FraudOffence.offence_no,
               FraudOffence.fine, FraudOffence.suspension, func.count(FraudFlag.id))
        .outerjoin(FraudFlag, (FraudFlag.offence_id == FraudOffence.id)
                   & (FraudFlag.status == "confirmed"))
        .where(FraudOffence.technician_id.in_(list(technician_ids)),
               FraudOffence.revoked_at.is_(None))
        .group_by(FraudOffence.id, FraudOffence.technician_id, FraudOffence.month,
                  FraudOffence.offence_no, FraudOffence.fine, FraudOffence.suspension)
        .order_by(FraudOffence.month))
    for tid, month, number, fine, suspension, ratings in rows:
        out[tid].append(rules.OffenceState(month, number, fine, bool(suspension), ratings))
    return out


def list_offences(*, employee_no: str | None = None, month: str | None = None,
                  technician_id: int | None = None,
                  active_only: bool = True) -> list[FraudOffence]:
    """Offences by month, each with its technician and the flags (ratings) it rests on."""
    query = select(FraudOffence).join(Technician, Technician.id == FraudOffence.technician_id)
    if employee_no:
        query = query.where(Technician.employee_no == employee_no)
    if technician_id is not None:
        query = query.where(FraudOffence.technician_id == technician_id)
    if month:
        query = query.where(FraudOffence.month == month)
    if active_only:
        query = query.where(FraudOffence.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(Technician.employee_no, FraudOffence.month)))
