"""The flag list, a flag's history, and appeals (申诉).

Decisions live in `decisions`, offences in `offences`, cases in `cases`. An upheld appeal goes
through the same reversal as a manager's undo.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.fraud.models import FraudAppeal, FraudDecision, FraudFlag, FraudOffence
from app.fraud.service.cases import flag_conditions
from app.fraud.service.decisions import Context, reverse_flag
from app.masterdata.models import Technician


EXPORT_LIMIT = 20000


def list_flags(*, page: int = 1, per_page: int = 50, **filters):
    """Flags, highest score first, filtered; a page of them."""
    return db.paginate(_flags_query(**filters), page=page, per_page=per_page, error_out=False)


def flags_to_export(**filters) -> list[FraudFlag]:
    """Every flag the filters keep (at most EXPORT_LIMIT), highest score first."""
    return list(db.session.scalars(_flags_query(**filters).limit(EXPORT_LIMIT)).unique())


def _flags_query(*, status: str | None = None, area: str | None = None, team: str | None = None,
                 employee_no: str | None = None, detector: str | None = None,
                 month: str | None = None, min_score: float | None = None):
    query = (select(FraudFlag)
             .options(joinedload(FraudFlag.order), joinedload(FraudFlag.technician))
             .join(Technician, Technician.id == FraudFlag.technician_id))
    if status:
        query = query.where(FraudFlag.status == status)
    query = query.where(*flag_conditions(area=area, team=team, employee_no=employee_no,
                                         detector=detector, month=month))
    if min_score is not None:
        query = query.where(FraudFlag.score >= min_score)
    return query.order_by(FraudFlag.score.desc(), FraudFlag.id)


def flags_of_order(order_id: int) -> list[FraudFlag]:
    """The flags on an order's rating (one at most today; a list keeps the page honest)."""
    return list(db.session.scalars(select(FraudFlag).where(FraudFlag.order_id == order_id)
                                   .order_by(FraudFlag.id)))


def get_flag(flag_id: int) -> FraudFlag:
    flag = db.session.get(FraudFlag, flag_id)
    if flag is None:
        raise NotFound("稽核标记不存在 (fraud flag not found)", code="fraud_flag_not_found")
    return flag


def flag_history(flag_id: int) -> dict:
    """Decisions, the offence it counts in and the appeals of a flag, oldest first."""
    flag = get_flag(flag_id)
    return {
        "decisions": list(db.session.scalars(select(FraudDecision).where(
            FraudDecision.flag_id == flag_id).order_by(FraudDecision.decided_at, FraudDecision.id))),
        "offence": db.session.get(FraudOffence, flag.offence_id) if flag.offence_id else None,
        "appeals": list(db.session.scalars(select(FraudAppeal).where(
            FraudAppeal.flag_id == flag_id).order_by(FraudAppeal.id))),
    }


# --- Appeals (申诉) -----------------------------------------------------------------------------

def file_appeal(*, flag_id: int, reason: str, filed_by: str,
                now: datetime | None = None) -> FraudAppeal:
    """A technician's appeal against a confirmed flag (one open appeal at a time)."""
    flag = get_flag(flag_id)
    if flag.status != "confirmed":
        raise Conflict("只能对已确认的虚假评价申诉 (only confirmed flags can be appealed)",
                       code="flag_not_confirmed")
    if db.session.scalar(select(FraudAppeal.id).where(FraudAppeal.flag_id == flag_id,
                                                      FraudAppeal.status == "open")):
        raise Conflict("已有待处理的申诉 (an appeal is already open)", code="appeal_open")
    appeal = FraudAppeal(flag_id=flag_id, reason=reason, filed_by=filed_by,
                         filed_at=now or utcnow(), status="open")
    db.session.add(appeal)
    db.session.flush()
    return appeal


def resolve_appeal(*, appeal_id: int, upheld: bool, note: str, ctx: Context):
    """Uphold (the confirmation is reversed: rating restored, offences recomputed) or reject an
    appeal. Returns the appeal and, when upheld, the reversal's outcome."""
    appeal = db.session.scalar(select(FraudAppeal).where(FraudAppeal.id == appeal_id)
                               .with_for_update())
    if appeal is None:
        raise NotFound("申诉不存在 (appeal not found)", code="appeal_not_found")
    if appeal.status != "open":
        raise Conflict("申诉已处理 (the appeal is already resolved)", code="appeal_resolved")
    appeal.status = "upheld" if upheld else "rejected"
    appeal.resolved_by, appeal.resolved_at, appeal.resolution_note = ctx.by, ctx.now, note
    outcome = None
    if upheld:
        outcome = reverse_flag(flag_id=appeal.flag_id, ctx=ctx,
                               reason=f"申诉成立 (appeal #{appeal.id} upheld): {note}")
    db.session.flush()
    return appeal, outcome


def appeals_of_technician(technician_id: int) -> list[FraudAppeal]:
    """Every appeal against a flag of this technician, newest first (for the console)."""
    return list(db.session.scalars(
        select(FraudAppeal).join(FraudFlag, FraudFlag.id == FraudAppeal.flag_id)
        .where(FraudFlag.technician_id == technician_id)
        .order_by(FraudAppeal.filed_at.desc(), FraudAppeal.id.desc())))


def flag_counts() -> dict[str, int]:
    """How many flags are in each status."""
    return {status: count for status, count in db.session.execute(
        select(FraudFlag.status, func.count()).group_by(FraudFlag.status))}
