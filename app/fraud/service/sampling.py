"""Callback sampling (抽样回访): draw a month's calls, record what customers say, estimate how well
the detectors work.

Flagged ratings are drawn per score band and a random slice of unflagged ratings is added, so the
estimates cover what the detectors miss (recall), not only what they catch (precision).
"""
from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import exists, func, select

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.fraud import rules
from app.fraud.detectors import DETECTOR_IDS
from app.fraud.models import FraudFlag, FraudSample, FraudSampleItem
from app.fraud.service.facts import month_rating_ids
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating
from app.timeutil import month_bounds


def draw_sample(*, month: str, tz_name: str, by: str, per_band: int = 20, unflagged: int = 30,
                seed: int | None = None, now: datetime | None = None) -> FraudSample:
    """Draw `per_band` flagged ratings from each score band and `unflagged` others."""
    start, end = month_bounds(month, tz_name)
    in_month = month_rating_ids(start, end)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    rng = random.Random(seed)

    strata: dict[str, list[tuple[int, float | None, list[str]]]] = {}
    for rating_id, score, detectors in db.session.execute(
            select(FraudFlag.rating_id, FraudFlag.score, FraudFlag.detectors)
            .where(FraudFlag.rating_id.in_(in_month)).order_by(FraudFlag.rating_id)):
        ids = [d for d in (detectors or "").split(",") if d]
        strata.setdefault(rules.band_of(score), []).append((rating_id, score, ids))
    strata[rules.UNFLAGGED] = [(rating_id, None, []) for rating_id in db.session.scalars(
        select(Rating.id).where(Rating.id.in_(in_month),
                                ~exists().where(FraudFlag.rating_id == Rating.id))
        .order_by(Rating.id))]

    sample = FraudSample(month=month, seed=seed, created_by=by, created_at=now or utcnow(),
                         populations={name: len(rows) for name, rows in strata.items()})
    db.session.add(sample)
    db.session.flush()
    for name, rows in sorted(strata.items()):
        size = unflagged if name == rules.UNFLAGGED else per_band
        for rating_id, score, ids in rng.sample(rows, min(size, len(rows))):
            db.session.add(FraudSampleItem(sample_id=sample.id, rating_id=rating_id,
                                           stratum=name, score=score, detectors=ids))
    db.session.flush()
    return sample


def get_sample(sample_id: int) -> FraudSample:
    sample = db.session.get(FraudSample, sample_id)
    if sample is None:
        raise NotFound("回访样本不存在 (sample not found)", code="fraud_sample_not_found")
    return sample


def record_outcome(*, sample_id: int, item_id: int, outcome: str, note: str | None, by: str,
                   now: datetime | None = None) -> FraudSampleItem:
    item = db.session.get(FraudSampleItem, item_id)
    if item is None or item.sample_id != sample_id:
        raise NotFound("样本中没有这条回访 (no such call in the sample)",
                       code="fraud_sample_item_not_found")
    if outcome not in rules.OUTCOMES:
        raise Conflict("未知的回访结果 (unknown outcome)", code="unknown_outcome")
    item.outcome, item.note, item.called_by, item.called_at = outcome, note, by, now or utcnow()
    db.session.flush()
    return item


def sample_report(sample_id: int) -> dict:
    """The call list (with what auditors need to place the call) and the current estimates."""
    sample = get_sample(sample_id)
    rows = db.session.execute(
        select(FraudSampleItem, WorkOrder.order_no, BroadbandAccount.account_no,
               BroadbandAccount.holder_name, BroadbandAccount.phone, Technician.employee_no,
               Rating.stars, Rating.created_at)
        .join(Rating, Rating.id == FraudSampleItem.rating_id)
        .join(WorkOrder, WorkOrder.id == Rating.order_id)
        .join(BroadbandAccount, BroadbandAccount.id == WorkOrder.account_id)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(FraudSampleItem.sample_id == sample_id).order_by(FraudSampleItem.id))
    items = []
    for item, order_no, account_no, holder, phone, employee_no, stars, rated_at in rows:
        items.append({"id": item.id, "rating_id": item.rating_id, "stratum": item.stratum,
                      "score": item.score, "detectors": item.detectors, "order_no": order_no,
                      "account_no": account_no, "holder_name": holder, "phone": phone,
                      "employee_no": employee_no, "stars": stars, "rated_at": rated_at,
                      "outcome": item.outcome, "note": item.note, "called_by": item.called_by,
                      "called_at": item.called_at})
    calls = [rules.SampledCall(i["stratum"], tuple(i["detectors"]), i["outcome"]) for i in items]
    return {"id": sample.id, "month": sample.month, "seed": sample.seed,
            "populations": sample.populations, "created_by": sample.created_by,
            "created_at": sample.created_at, "items": items,
            "estimates": rules.estimate_quality(calls, sample.populations, DETECTOR_IDS)}


def list_samples(*, month: str | None = None, limit: int = 50) -> list[tuple[FraudSample, int, int]]:
    """Recent samples, newest first, each with (calls, calls done)."""
    done = func.count(FraudSampleItem.outcome)
    query = (select(FraudSample, func.count(FraudSampleItem.id), done)
             .outerjoin(FraudSampleItem, FraudSampleItem.sample_id == FraudSample.id)
             .group_by(FraudSample.id).order_by(FraudSample.id.desc()).limit(limit))
    if month:
        query = query.where(FraudSample.month == month)
    return [(sample, calls, called) for sample, calls, called in db.session.execute(query)]
