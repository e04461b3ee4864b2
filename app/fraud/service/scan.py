"""The month scan and the submission-time check: detectors in, one FraudFlag per rating out.

A scan is idempotent: it recomputes every rating's verdict and writes only the difference (new
flags inserted in bulk, changed ones updated in bulk, open undecided flags that no longer hold
removed). Decided flags keep their status; their reasons are refreshed for the record.
"""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, insert, select, update

from app.db import utcnow
from app.extensions import db
from app.fraud import rules
from app.fraud.detectors import noisy_or, reasons
from app.fraud.detectors.run import Verdict, judge, submission_checks
from app.fraud.detectors.timing import BURST_WINDOW
from app.fraud.models import FraudDecision, FraudFlag
from app.fraud.service.cases import place_flag, regroup
from app.metrics import fraud_flags_created
from app.fraud.service.facts import month_context, month_rating_ids, submission_context
from app.rating.models import Rating
from app.rating.service import SubmittedRating
from app.timeutil import month_bounds


@dataclass(frozen=True)
class ScanResult:
    month: str
    ratings_scanned: int
    flags_created: int
    flags_updated: int
    flags_removed: int
    flags_total: int
    seconds: float


def _detector_list(verdict: Verdict) -> str:
    return "," + ",".join(verdict.detectors) + "," if verdict.detectors else ""


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off while a month is read and judged: a million facts are
    long-lived and acyclic, and the collector's full passes over them grew faster than the month
    (a sixth of a 200,000-rating scan). Whatever cycles are made meanwhile are collected after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _order_ids(rating_ids: list[int]) -> dict[int, int]:
    """The orders of the ratings given new flags (a few thousand of a month's ratings), in
    chunks that stay under every driver's parameter limit."""
    found: dict[int, int] = {}
    for i in range(0, len(rating_ids), 5000):
        chunk = rating_ids[i:i + 5000]
        found.update(db.session.execute(
            select(Rating.id, Rating.order_id).where(Rating.id.in_(chunk))).all())
    return found


SCAN_STEPS = ("读取评价与回访 (load)", "运行检测 (detect)", "写入标记 (write flags)",
              "归并案件 (regroup cases)")


def scan_month(*, month: str, tz_name: str, weights: dict[str, float], threshold: float,
               now: datetime | None = None, on_step=None) -> ScanResult:
    """Flag the ratings of orders completed in `month` (YYYY-MM in `tz_name`). `on_step(label)`
    is told as each of SCAN_STEPS finishes (the CLI's progress bar)."""
    started = time.perf_counter()
    step = on_step or (lambda _label: None)
    now = now or utcnow()
    start, end = month_bounds(month, tz_name)
    with _collector_paused():
        ctx = month_context(start, end, label=month, tz_name=tz_name)
        step(SCAN_STEPS[0])
        verdicts = judge(ctx, weights=weights, threshold=threshold)
        step(SCAN_STEPS[1])
    scanned = len(ctx.ratings)
    technician_of = {r.rating_id: r.technician_id for r in ctx.ratings if r.rating_id in verdicts}
    del ctx        # a big month's facts are not needed to write its flags

    existing = {row.rating_id: row for row in db.session.execute(
        select(FraudFlag.id, FraudFlag.rating_id, FraudFlag.score, FraudFlag.reasons,
               FraudFlag.status, FraudFlag.month, FraudFlag.detectors)
        .where(FraudFlag.rating_id.in_(month_rating_ids(start, end))))}

    order_ids = _order_ids([rating_id for rating_id in verdicts if rating_id not in existing])
    new_rows, changes = [], []
    for rating_id, verdict in verdicts.items():
        detectors = _detector_list(verdict)
        row = existing.get(rating_id)
        if row is None:
            new_rows.append({
                "rating_id": rating_id, "order_id": order_ids[rating_id],
                "technician_id": technician_of[rating_id], "month": month,
                "score": verdict.score, "reasons": verdict.reasons, "detectors": detectors,
                "status": "open", "created_at": now, "updated_at": now})
        elif (row.score, row.reasons, row.month, row.detectors) != \
                (verdict.score, verdict.reasons, month, detectors):
            changes.append({"id": row.id, "score": verdict.score, "reasons": verdict.reasons,
                            "month": month, "detectors": detectors, "updated_at": now})
    stale = [row.id for rating_id, row in existing.items()
             if rating_id not in verdicts and row.status == "open"]
    if stale:
        decided = set(db.session.scalars(select(FraudDecision.flag_id)
                                         .where(FraudDecision.flag_id.in_(stale))))
        stale = [flag_id for flag_id in stale if flag_id not in decided]

    if new_rows:
        db.session.execute(insert(FraudFlag), new_rows)
        fraud_flags_created(len(new_rows), source="scan")
    if changes:
        db.session.execute(update(FraudFlag), changes)
    if stale:
        db.session.execute(delete(FraudFlag).where(FraudFlag.id.in_(stale)))
    step(SCAN_STEPS[2])
    regroup(now=now)
    step(SCAN_STEPS[3])
    total = len(existing) + len(new_rows) - len(stale)
    return ScanResult(month, scanned, len(new_rows), len(changes), len(stale), total,
                      round(time.perf_counter() - started, 3))


def check_rating_at_submission(rating: SubmittedRating, *, weights: dict[str, float],
                               threshold: float, tz_name: str) -> FraudFlag | None:
    """Cheap detectors on a rating just submitted, flushed in the rating's own transaction.

    Only what needs no month-wide context runs here (rater identity, times, callbacks, bursts);
    address crowds, comment frequencies and peer rates wait for the scan.
    """
    ctx = submission_context(rating, burst_window=BURST_WINDOW, tz_name=tz_name)
    facts = next((r for r in ctx.ratings if r.rating_id == rating.id), None)
    if facts is None:
        return None
    found = submission_checks(facts, ctx)
    score = noisy_or(found, weights)
    if not found or score < threshold:
        return None
    if db.session.scalar(select(exists().where(FraudFlag.rating_id == rating.id))):
        return None
    listed = reasons(found, weights)
    flag = FraudFlag(rating_id=rating.id, order_id=rating.order_id,
                     technician_id=facts.technician_id,
                     month=rules.month_of(facts.completed_at or rating.created_at, tz_name),
                     score=score, reasons=listed,
                     detectors="," + ",".join(r["detector"] for r in listed) + ",",
                     status="open")
    db.session.add(flag)
    db.session.flush()
    place_flag(flag)
    fraud_flags_created(1, source="submission")
    return flag
