"""Cases (案件): flags that share evidence, grouped for one review and one decision.

`regroup` runs after every scan (and `place_flag` after a flag raised at submission) and keeps
cases consistent with the flags: undecided flags of undecided cases are grouped afresh by
technician-month and evidence group (app/fraud/grouping.py), each group keeping the case that
held most of it; a case anyone has decided on — or decided a flag of — keeps its flags.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, insert, or_, select, update

from app.db import utcnow
from app.extensions import db
from app.fraud.grouping import FlagFacts, assign_cases, components, group_keys
from app.fraud.models import FraudCase, FraudFlag
from app.masterdata.models import Technician


@dataclass(frozen=True)
class RegroupResult:
    cases_created: int
    cases_removed: int
    flags_moved: int


def _frozen_cases():
    """Cases that must keep their flags: decided, or holding a decided flag (a subquery)."""
    return (select(FraudCase.id).where(FraudCase.status != "open")
            .union(select(FraudFlag.case_id).where(FraudFlag.status != "open",
                                                   FraudFlag.case_id.is_not(None))))


def regroup(now: datetime | None = None) -> RegroupResult:
    """Group every undecided flag outside frozen cases; refresh every case's summary."""
    now = now or utcnow()
    # Lock order as for decisions (cases before flags): a decision waits for the regrouping.
    db.session.execute(select(FraudCase.id).where(FraudCase.status == "open").with_for_update())
    rows = db.session.execute(
        select(FraudFlag.id, FraudFlag.technician_id, FraudFlag.month, FraudFlag.reasons,
               FraudFlag.case_id)
        .where(FraudFlag.status == "open",
               or_(FraudFlag.case_id.is_(None), FraudFlag.case_id.not_in(_frozen_cases())))
    ).all()
    facts = [FlagFacts(r.id, r.technician_id, r.month, group_keys(r.reasons), r.case_id)
             for r in rows]
    current = {f.flag_id: f.case_id for f in facts}
    assigned = assign_cases(components(facts))
    fresh = [flag_ids for case_id, flag_ids in assigned if case_id is None]
    new_ids = iter(db.session.scalars(
        insert(FraudCase).returning(FraudCase.id, sort_by_parameter_order=True),
        [{"status": "open", "score": 0.0, "flag_count": 0, "version": 1, "created_at": now,
          "updated_at": now} for _ in fresh]).all() if fresh else [])
    changes = []
    for case_id, flag_ids in assigned:
        case_id = case_id if case_id is not None else next(new_ids)
        changes += [{"id": fid, "case_id": case_id} for fid in flag_ids
                    if current[fid] != case_id]
    if changes:
        db.session.execute(update(FraudFlag), changes)
    # An undecided case left without flags (regrouped away, or its flags no longer hold).
    removed = db.session.execute(
        delete(FraudCase).where(FraudCase.status == "open",
                                ~exists().where(FraudFlag.case_id == FraudCase.id))
        .execution_options(synchronize_session=False)).rowcount
    refresh_summaries(now)
    _expire_loaded()
    return RegroupResult(len(fresh), removed, len(changes))


def _expire_loaded() -> None:
    """Bulk statements went past the ORM: flags and cases already loaded are read afresh."""
    for row in list(db.session.identity_map.values()):
        if isinstance(row, (FraudFlag, FraudCase)):
            db.session.expire(row)


def refresh_summaries(now: datetime) -> None:
    """Each undecided case's score (its strongest flag), flag count and earliest month, where
    changed (a decided case keeps the summary it was decided on)."""
    rows = db.session.execute(
        select(FraudCase.id, FraudCase.score, FraudCase.flag_count, FraudCase.month,
               func.max(FraudFlag.score), func.count(FraudFlag.id), func.min(FraudFlag.month))
        .join(FraudFlag, FraudFlag.case_id == FraudCase.id)
        .where(FraudCase.status == "open")
        .group_by(FraudCase.id, FraudCase.score, FraudCase.flag_count, FraudCase.month)).all()
    changed = [{"id": r[0], "score": r[4], "flag_count": r[5], "month": r[6], "updated_at": now}
               for r in rows if (r[1], r[2], r[3]) != (r[4], r[5], r[6])]
    if changed:
        db.session.execute(update(FraudCase), changed)


def place_flag(flag: FraudFlag, now: datetime | None = None) -> FraudCase:
    """Put a flag raised at submission into its case: the undecided case of the same technician
    and month, or of a flag sharing an evidence group; several such cases are merged."""
    now = now or utcnow()
    keys = group_keys(flag.reasons)
    movable = (FraudFlag.status == "open", FraudFlag.id != flag.id,
               FraudFlag.case_id.is_not(None), FraudFlag.case_id.not_in(_frozen_cases()))
    candidates = set(db.session.scalars(select(FraudFlag.case_id).where(
        FraudFlag.technician_id == flag.technician_id, FraudFlag.month == flag.month, *movable)))
    if keys:
        candidates |= {case_id for case_id, reasons in db.session.execute(
            select(FraudFlag.case_id, FraudFlag.reasons).where(FraudFlag.month == flag.month,
                                                               *movable))
            if keys & group_keys(reasons)}
    if candidates:
        case_id = min(candidates)
        others = sorted(candidates - {case_id})
        if others:
            db.session.execute(update(FraudFlag).where(FraudFlag.case_id.in_(others))
                               .values(case_id=case_id)
                               .execution_options(synchronize_session=False))
            db.session.execute(delete(FraudCase).where(FraudCase.id.in_(others)))
            _expire_loaded()
        case = db.session.get(FraudCase, case_id)
    else:
        case = FraudCase(status="open", score=0.0, flag_count=0, created_at=now, updated_at=now)
        db.session.add(case)
        db.session.flush()
    flag.case_id = case.id
    db.session.flush()
    stats = db.session.execute(select(func.max(FraudFlag.score), func.count(FraudFlag.id),
                                      func.min(FraudFlag.month))
                               .where(FraudFlag.case_id == case.id)).one()
    case.score, case.flag_count, case.month, case.updated_at = stats[0], stats[1], stats[2], now
    db.session.flush()
    return case


# --- The queue --------------------------------------------------------------------------------

def flag_conditions(*, area: str | None = None, team: str | None = None,
                    employee_no: str | None = None, detector: str | None = None,
                    month: str | None = None) -> list:
    """The queue filters as conditions on a flag joined to its technician (the flag list and
    the case queue filter alike)."""
    conditions = []
    if area:
        conditions.append(Technician.area == area)
    if team:
        conditions.append(Technician.team == team)
    if employee_no:
        conditions.append(Technician.employee_no == employee_no)
    if detector:
        conditions.append(FraudFlag.detectors.contains(f",{detector},", autoescape=True))
    if month:
        conditions.append(FraudFlag.month == month)
    return conditions


def list_cases(*, status: str | None = None, area: str | None = None, team: str | None = None,
               employee_no: str | None = None, detector: str | None = None,
               month: str | None = None, min_score: float | None = None, page: int = 1,
               per_page: int = 50):
    """Cases, strongest evidence first (then more ratings first), filtered; a page of them."""
    query = select(FraudCase)
    if status:
        query = query.where(FraudCase.status == status)
    if min_score is not None:
        query = query.where(FraudCase.score >= min_score)
    conditions = flag_conditions(area=area, team=team, employee_no=employee_no,
                                 detector=detector, month=month)
    if conditions:
        query = query.where(
            select(FraudFlag.id).join(Technician, Technician.id == FraudFlag.technician_id)
            .where(FraudFlag.case_id == FraudCase.id, *conditions).exists())
    query = query.order_by(FraudCase.score.desc(), FraudCase.flag_count.desc(), FraudCase.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def case_counts() -> dict[str, int]:
    return {status: count for status, count in db.session.execute(
        select(FraudCase.status, func.count()).group_by(FraudCase.status))}


def case_members(case_ids) -> dict[int, dict]:
    """For a page of cases: who (technicians) and which detectors, in one query."""
    out = {cid: {"technicians": {}, "detectors": set()} for cid in case_ids}
    for case_id, technician, detectors in db.session.execute(
            select(FraudFlag.case_id, Technician, FraudFlag.detectors)
            .join(Technician, Technician.id == FraudFlag.technician_id)
            .where(FraudFlag.case_id.in_(list(case_ids)))):
        out[case_id]["technicians"][technician.id] = technician
        out[case_id]["detectors"].update(d for d in (detectors or "").split(",") if d)
    return {cid: {"technicians": sorted(v["technicians"].values(), key=lambda t: t.employee_no),
                  "detectors": sorted(v["detectors"])} for cid, v in out.items()}
