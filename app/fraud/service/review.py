"""The review queue, decisions with their sanctions, and appeals.

Confirming a flag voids the rating (the order falls back to callbacks, SPEC flow 4) and sanctions
the technician in the month of the rated order's completion; dismissing a confirmed flag undoes
both. Every decision is kept with who, when and why.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.fraud import rules
from app.fraud.models import FraudAppeal, FraudDecision, FraudFlag, Sanction
from app.masterdata.models import Technician
from app.rating.models import Rating

VOID_PREFIX = "fraud_confirmed"


def list_flags(*, status: str | None = None, area: str | None = None, team: str | None = None,
               employee_no: str | None = None, detector: str | None = None,
               month: str | None = None, min_score: float | None = None, page: int = 1,
               per_page: int = 50):
    """Flags, highest score first, filtered; a page of them."""
    query = (select(FraudFlag)
             .options(joinedload(FraudFlag.order), joinedload(FraudFlag.technician))
             .join(Technician, Technician.id == FraudFlag.technician_id))
    if status:
        query = query.where(FraudFlag.status == status)
    if area:
        query = query.where(Technician.area == area)
    if team:
        query = query.where(Technician.team == team)
    if employee_no:
        query = query.where(Technician.employee_no == employee_no)
    if detector:
        query = query.where(FraudFlag.detectors.contains(f",{detector},", autoescape=True))
    if month:
        query = query.where(FraudFlag.month == month)
    if min_score is not None:
        query = query.where(FraudFlag.score >= min_score)
    query = query.order_by(FraudFlag.score.desc(), FraudFlag.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_flag(flag_id: int) -> FraudFlag:
    flag = db.session.get(FraudFlag, flag_id)
    if flag is None:
        raise NotFound("稽核标记不存在 (fraud flag not found)", code="fraud_flag_not_found")
    return flag


def flag_history(flag_id: int) -> dict:
    """Decisions, the sanction and the appeals of a flag, oldest first."""
    return {
        "decisions": list(db.session.scalars(select(FraudDecision).where(
            FraudDecision.flag_id == flag_id).order_by(FraudDecision.decided_at, FraudDecision.id))),
        "sanction": db.session.scalar(select(Sanction).where(Sanction.flag_id == flag_id)),
        "appeals": list(db.session.scalars(select(FraudAppeal).where(
            FraudAppeal.flag_id == flag_id).order_by(FraudAppeal.id))),
    }


def decide(*, flag_id: int, decision: str, note: str, by: str, tz_name: str,
           first_fine: int = rules.FIRST_FINE, repeat_fine: int = rules.REPEAT_FINE,
           now: datetime | None = None) -> FraudFlag:
    """Confirm or dismiss a flag; confirming voids the rating and sanctions the technician."""
    now = now or utcnow()
    flag = db.session.scalar(select(FraudFlag).where(FraudFlag.id == flag_id)
                             .with_for_update())
    if flag is None:
        raise NotFound("稽核标记不存在 (fraud flag not found)", code="fraud_flag_not_found")
    if decision not in ("confirmed", "dismissed"):
        raise Unprocessable(details={"fields": {"decision": ["confirmed or dismissed"]}})
    if flag.status == decision:
        raise Conflict(f"该标记已是 {decision} 状态 (the flag is already {decision})",
                       code="flag_already_decided", details={"status": flag.status})
    if decision == "confirmed" and not (note or "").strip():
        raise Unprocessable("确认虚假评价必须写明依据 (confirming needs a note saying why)",
                            details={"fields": {"note": ["required to confirm"]}})
    was_confirmed = flag.status == "confirmed"
    flag.status, flag.decided_by, flag.decided_at, flag.note = decision, by, now, note
    flag.updated_at = now
    db.session.add(FraudDecision(flag_id=flag.id, decision=decision, note=note or "",
                                 decided_by=by, decided_at=now))
    if decision == "confirmed":
        _void_rating(flag, now)
        _sanction(flag, tz_name=tz_name, first_fine=first_fine, repeat_fine=repeat_fine, now=now)
    elif was_confirmed:
        _restore_rating(flag)
        sanction = db.session.scalar(select(Sanction).where(Sanction.flag_id == flag.id))
        if sanction is not None and sanction.revoked_at is None:
            sanction.revoked_at = now
    db.session.flush()
    return flag


def _void_rating(flag: FraudFlag, now: datetime) -> None:
    rating = db.session.get(Rating, flag.rating_id)
    if rating.voided_at is None:
        rating.voided_at = now
        rating.void_reason = f"{VOID_PREFIX}: 虚假评价已确认 (flag {flag.id})"


def _restore_rating(flag: FraudFlag) -> None:
    # Only undo our own voiding: a rating voided for another reason stays void.
    rating = db.session.get(Rating, flag.rating_id)
    if rating.voided_at is not None and (rating.void_reason or "").startswith(VOID_PREFIX):
        rating.voided_at, rating.void_reason = None, None


def _sanction(flag: FraudFlag, *, tz_name: str, first_fine: int, repeat_fine: int,
              now: datetime) -> Sanction:
    # Lock the technician's row so two confirmations at once cannot both be "offence 1".
    db.session.execute(select(Technician.id).where(Technician.id == flag.technician_id)
                       .with_for_update())
    previous = db.session.scalar(
        select(func.count()).select_from(Sanction)
        .where(Sanction.technician_id == flag.technician_id, Sanction.revoked_at.is_(None),
               Sanction.flag_id != flag.id)) or 0
    terms = rules.sanction_terms(previous + 1, first_fine=first_fine, repeat_fine=repeat_fine)
    completed = flag.order.completed_at or flag.rating.created_at
    month = rules.month_of(completed, tz_name)
    sanction = db.session.scalar(select(Sanction).where(Sanction.flag_id == flag.id))
    if sanction is None:
        sanction = Sanction(flag_id=flag.id, technician_id=flag.technician_id, created_at=now)
        db.session.add(sanction)
    sanction.month, sanction.offence_no = month, terms.offence_no
    sanction.fine, sanction.suspension, sanction.revoked_at = terms.fine, terms.suspension, None
    return sanction


def list_sanctions(*, employee_no: str | None = None, month: str | None = None,
                   active_only: bool = True) -> list[tuple[Sanction, str]]:
    query = (select(Sanction, Technician.employee_no)
             .join(Technician, Technician.id == Sanction.technician_id))
    if employee_no:
        query = query.where(Technician.employee_no == employee_no)
    if month:
        query = query.where(Sanction.month == month)
    if active_only:
        query = query.where(Sanction.revoked_at.is_(None))
    return [(s, no) for s, no in db.session.execute(query.order_by(Sanction.month, Sanction.id))]


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


def resolve_appeal(*, appeal_id: int, upheld: bool, note: str, by: str, tz_name: str,
                   now: datetime | None = None) -> FraudAppeal:
    """Uphold (the flag is dismissed: rating restored, sanction revoked) or reject an appeal."""
    now = now or utcnow()
    appeal = db.session.get(FraudAppeal, appeal_id)
    if appeal is None:
        raise NotFound("申诉不存在 (appeal not found)", code="appeal_not_found")
    if appeal.status != "open":
        raise Conflict("申诉已处理 (the appeal is already resolved)", code="appeal_resolved")
    appeal.status = "upheld" if upheld else "rejected"
    appeal.resolved_by, appeal.resolved_at, appeal.resolution_note = by, now, note
    if upheld:
        decide(flag_id=appeal.flag_id, decision="dismissed",
               note=f"申诉成立 (appeal #{appeal.id} upheld): {note}", by=by, tz_name=tz_name,
               now=now)
    db.session.flush()
    return appeal


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
