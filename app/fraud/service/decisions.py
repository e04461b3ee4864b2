"""Decisions on flags and cases, and their reversal — safe when reviewers race.

Every decision names the state it expects (a status, and/or the version an ETag carried) and
moves the row with one compare-and-set UPDATE … WHERE status = expected: of any number of
simultaneous decisions on one flag or case exactly one matches a row, the others get 409
`decision_conflict` and write nothing. This holds on PostgreSQL (the losers wait for the
winner's row lock, then re-read the row) and on SQLite (writers are serialised).

Confirming voids the rating (the order falls back to callbacks, SPEC flow 4) and recomputes
the technician's offences; a manager's reversal (also an upheld appeal) restores the rating and
recomputes again. Lock order is always case, then flags, then technicians.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload

from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.fraud import rules
from app.fraud.models import FraudCase, FraudDecision, FraudFlag
from app.fraud.service.offences import OffenceEvents, recompute_offences
from app.rating.models import Rating

VOID_PREFIX = "fraud_confirmed"
# From which status each decision may be taken; confirmed → dismissed is a reversal.
DECIDABLE_FROM = {"confirmed": ("open", "dismissed"), "dismissed": ("open",)}


class DecisionConflict(Conflict):
    code = "decision_conflict"
    message = ("已有人先作出决定或记录已变化，请刷新后再决定 "
               "(someone decided first or the record changed: reload and decide again)")


@dataclass(frozen=True)
class Expect:
    """What the decider saw: a status and/or a version (from an ETag); None = not stated."""

    status: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class Context:
    by: str
    tz_name: str
    policy: rules.SanctionPolicy = rules.SanctionPolicy()
    now: datetime = field(default_factory=utcnow)


@dataclass
class Outcome:
    """What one decision did."""

    kind: str                                   # confirmed / dismissed / reversed
    case: FraudCase | None = None
    flag: FraudFlag | None = None
    confirmed: list[FraudFlag] = field(default_factory=list)
    dismissed: list[FraudFlag] = field(default_factory=list)
    reversed: list[FraudFlag] = field(default_factory=list)
    events: OffenceEvents = field(default_factory=OffenceEvents)


def get_case(case_id: int) -> FraudCase:
    case = db.session.get(FraudCase, case_id)
    if case is None:
        raise NotFound("稽核案件不存在 (fraud case not found)", code="fraud_case_not_found")
    return case


def _get_flag(flag_id: int) -> FraudFlag:
    flag = db.session.get(FraudFlag, flag_id)
    if flag is None:
        raise NotFound("稽核标记不存在 (fraud flag not found)", code="fraud_flag_not_found")
    return flag


def _check_decision(decision: str, note: str) -> None:
    if decision not in ("confirmed", "dismissed"):
        raise Unprocessable(details={"fields": {"decision": ["confirmed or dismissed"]}})
    if decision == "confirmed" and not (note or "").strip():
        raise Unprocessable("确认虚假评价必须写明依据 (confirming needs a note saying why)",
                            details={"fields": {"note": ["required to confirm"]}})


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise Unprocessable("撤销决定必须写明原因 (reversing needs a reason)",
                            details={"fields": {"reason": ["required"]}})
    return reason.strip()


def _conflict(row, kind: str) -> DecisionConflict:
    db.session.refresh(row)
    return DecisionConflict(details={kind: row.id, "status": row.status, "version": row.version})


def _from_status(row, expect: Expect, default: str) -> str:
    """The status the CAS expects: as stated, else the row's (when a version pins it), else
    `default` — so a body without expectations still only decides an undecided row."""
    if expect.status:
        return expect.status
    return row.status if expect.version is not None else default


def _still(row, from_status: str, expect: Expect, kind: str) -> None:
    """Refuse at once what the CAS would refuse anyway, before judging the request's details."""
    if row.status != from_status or (expect.version is not None and row.version != expect.version):
        raise _conflict(row, kind)


def _cas(model, row_id: int, from_status: str, version: int | None, values: dict) -> bool:
    conditions = [model.id == row_id, model.status == from_status]
    if version is not None:
        conditions.append(model.version == version)
    result = db.session.execute(
        update(model).where(*conditions).values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _cas_flags(flags: list[FraudFlag], from_status: str, values: dict) -> bool:
    if not flags:
        return True
    result = db.session.execute(
        update(FraudFlag).where(FraudFlag.id.in_([f.id for f in flags]),
                                FraudFlag.status == from_status)
        .values(version=FraudFlag.version + 1, **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == len(flags)       # `_finish` reads them afresh


def _expire(rows) -> None:
    """The CAS wrote past the ORM: read these rows afresh when next touched."""
    for row in rows:
        db.session.expire(row)


def _lock_case(case_id: int | None) -> None:
    if case_id is not None:
        db.session.execute(select(FraudCase.id).where(FraudCase.id == case_id).with_for_update())


def _record(flags, decision: str, note: str, ctx: Context, case_id: int | None = None) -> None:
    if flags:
        db.session.execute(insert(FraudDecision), [
            {"flag_id": f.id, "case_id": case_id, "decision": decision, "note": note or "",
             "decided_by": ctx.by, "decided_at": ctx.now} for f in flags])


def _void(flags: list[FraudFlag], now: datetime) -> None:
    if flags:
        ratings = Rating.__table__          # Core: one executemany, not the ORM's bulk by key
        db.session.connection().execute(
            update(ratings).where(ratings.c.id == bindparam("rid"), ratings.c.voided_at.is_(None))
            .values(voided_at=bindparam("now"), void_reason=bindparam("reason")),
            [{"rid": f.rating_id, "now": now,
              "reason": f"{VOID_PREFIX}: 虚假评价已确认 (flag {f.id})"} for f in flags])


def _restore(flags: list[FraudFlag]) -> None:
    # Only undo our own voiding: a rating voided for another reason stays void.
    if flags:
        db.session.execute(
            update(Rating).where(Rating.id.in_([f.rating_id for f in flags]),
                                 Rating.void_reason.startswith(VOID_PREFIX, autoescape=True))
            .values(voided_at=None, void_reason=None)
            .execution_options(synchronize_session=False))


def _settle_case(case_id: int | None, ctx: Context, note: str) -> None:
    """A case's status follows its flags once none is open (a flag-by-flag review)."""
    if case_id is None:
        return
    case = db.session.get(FraudCase, case_id, populate_existing=True)
    statuses = {s for (s,) in db.session.execute(
        select(FraudFlag.status).where(FraudFlag.case_id == case_id))}
    status = ("open" if "open" in statuses else
              "confirmed" if "confirmed" in statuses else "dismissed")
    if status != case.status:
        case.status, case.version, case.updated_at = status, case.version + 1, ctx.now
        if status != "open":
            case.decided_by, case.decided_at, case.note = ctx.by, ctx.now, note


def _finish(outcome: Outcome, ctx: Context) -> Outcome:
    decided = outcome.confirmed + outcome.dismissed + outcome.reversed
    _void(outcome.confirmed, ctx.now)
    _restore(outcome.reversed)
    # The CAS and the voiding wrote past the ORM: read the decided flags and their ratings once,
    # as they now stand, with what the answer shows of them.
    db.session.scalars(select(FraudFlag).where(FraudFlag.id.in_([f.id for f in decided]))
                       .options(joinedload(FraudFlag.rating), joinedload(FraudFlag.order))
                       .execution_options(populate_existing=True)).all()
    db.session.flush()
    touched = outcome.confirmed + outcome.reversed
    if touched:
        outcome.events = recompute_offences({f.technician_id for f in touched},
                                            policy=ctx.policy, tz_name=ctx.tz_name, by=ctx.by,
                                            now=ctx.now)
    if outcome.case is not None:
        db.session.refresh(outcome.case)
    return outcome


# --- One flag ------------------------------------------------------------------------------------

def decide_flag(*, flag_id: int, decision: str, note: str, ctx: Context,
                expect: Expect = Expect()) -> Outcome:
    """Confirm or dismiss one flag (SPEC: POST …/fraud/flags/<id>/decision)."""
    flag = _get_flag(flag_id)
    _check_decision(decision, note)
    _lock_case(flag.case_id)
    from_status = _from_status(flag, expect, "open")
    if from_status == "confirmed" and decision == "dismissed":
        raise Conflict("已确认的决定须由经理撤销 (a confirmation is undone by a manager's reversal)",
                       code="reversal_required", details={"flag": flag.id})
    if from_status not in DECIDABLE_FROM[decision]:
        raise _conflict(flag, "flag")
    if not _cas(FraudFlag, flag.id, from_status, expect.version,
                {"status": decision, "decided_by": ctx.by, "decided_at": ctx.now, "note": note,
                 "updated_at": ctx.now}):
        raise _conflict(flag, "flag")
    _record([flag], decision, note, ctx, case_id=None)
    outcome = Outcome(kind=decision, flag=flag, case=flag.case)
    (outcome.confirmed if decision == "confirmed" else outcome.dismissed).append(flag)
    _finish(outcome, ctx)
    _settle_case(flag.case_id, ctx, note)
    return outcome


def reverse_flag(*, flag_id: int, reason: str, ctx: Context, expect: Expect = Expect()) -> Outcome:
    """Undo a confirmation: the rating counts again, the month's offence is recomputed."""
    flag = _get_flag(flag_id)
    reason = _require_reason(reason)
    _lock_case(flag.case_id)
    from_status = _from_status(flag, expect, "confirmed")
    if from_status != "confirmed" or not _cas(
            FraudFlag, flag.id, "confirmed", expect.version,
            {"status": "dismissed", "decided_by": ctx.by, "decided_at": ctx.now, "note": reason,
             "updated_at": ctx.now, "offence_id": None}):
        raise _conflict(flag, "flag")
    _record([flag], "reversed", reason, ctx)
    outcome = _finish(Outcome(kind="reversed", flag=flag, case=flag.case, reversed=[flag]), ctx)
    _settle_case(flag.case_id, ctx, reason)
    return outcome


# --- A whole case -------------------------------------------------------------------------------

def decide_case(*, case_id: int, decision: str, note: str, ctx: Context,
                rating_ids: list[int] | None = None, expect: Expect = Expect()) -> Outcome:
    """One decision for a case: confirm the ticked ratings (all when none are named) and dismiss
    the rest of its undecided ones; or dismiss them all."""
    case = get_case(case_id)
    _check_decision(decision, note)
    from_status = _from_status(case, expect, "open")
    if from_status == "confirmed":
        raise Conflict("已确认的案件须由经理撤销 (a confirmed case is undone by a manager's reversal)",
                       code="reversal_required", details={"case": case.id})
    if from_status not in DECIDABLE_FROM[decision]:
        raise _conflict(case, "case")
    _still(case, from_status, expect, "case")
    acting = [f for f in case.flags if f.status == from_status]
    confirm = _ticked(acting, rating_ids) if decision == "confirmed" else []
    dismiss = [f for f in acting if f not in confirm and f.status != "dismissed"]
    others = {f.status for f in case.flags if f not in acting}
    status = "confirmed" if confirm or "confirmed" in others else "dismissed"
    if not _cas(FraudCase, case.id, from_status, expect.version,
                {"status": status, "decided_by": ctx.by, "decided_at": ctx.now, "note": note,
                 "updated_at": ctx.now}):
        raise _conflict(case, "case")
    _expire([case])
    values = {"decided_by": ctx.by, "decided_at": ctx.now, "note": note, "updated_at": ctx.now}
    if not (_cas_flags(confirm, from_status, {"status": "confirmed", **values})
            and _cas_flags(dismiss, from_status, {"status": "dismissed", **values})):
        raise DecisionConflict(details={"case": case.id})
    _record(confirm, "confirmed", note, ctx, case.id)
    _record(dismiss, "dismissed", note, ctx, case.id)
    return _finish(Outcome(kind=decision, case=case, confirmed=confirm, dismissed=dismiss), ctx)


def _ticked(acting: list[FraudFlag], rating_ids: list[int] | None) -> list[FraudFlag]:
    if rating_ids is None:
        return list(acting)
    known = {f.rating_id for f in acting}
    unknown = sorted(set(rating_ids) - known)
    if unknown:
        raise Unprocessable("所选评价不在本案件的待决定评价中 (ratings not undecided in this case)",
                            details={"fields": {"rating_ids": [f"not in the case: {unknown}"]}})
    if not rating_ids:
        raise Unprocessable("请至少勾选一条评价 (tick at least one rating to confirm)",
                            details={"fields": {"rating_ids": ["empty"]}})
    return [f for f in acting if f.rating_id in set(rating_ids)]


def reverse_case(*, case_id: int, reason: str, ctx: Context, expect: Expect = Expect()) -> Outcome:
    """Undo every confirmation in a case (ratings restored, offences recomputed)."""
    case = get_case(case_id)
    reason = _require_reason(reason)
    from_status = _from_status(case, expect, "confirmed")
    confirmed = [f for f in case.flags if f.status == "confirmed"]
    if from_status != "confirmed" or not _cas(
            FraudCase, case.id, "confirmed", expect.version,
            {"status": "dismissed", "decided_by": ctx.by, "decided_at": ctx.now, "note": reason,
             "updated_at": ctx.now}):
        raise _conflict(case, "case")
    _expire([case])
    if not _cas_flags(confirmed, "confirmed",
                      {"status": "dismissed", "decided_by": ctx.by, "decided_at": ctx.now,
                       "note": reason, "updated_at": ctx.now, "offence_id": None}):
        raise DecisionConflict(details={"case": case.id})
    _record(confirmed, "reversed", reason, ctx, case.id)
    return _finish(Outcome(kind="reversed", case=case, reversed=confirmed), ctx)
