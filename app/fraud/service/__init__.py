"""Fraud review operations. Other domains (reports) read sanctions only through this package.

`scan` flags ratings, `review` runs the queue, decisions, sanctions and appeals, `sampling` the
callback samples; `facts` loads what detectors read.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.extensions import db
from app.fraud.detectors import DEFAULT_THRESHOLD, weights_with
from app.fraud.models import Sanction
from app.fraud.service.facts import record_sighting
from app.fraud.service.review import (
    appeals_of_technician, decide, file_appeal, flag_counts, flag_history, get_flag, list_flags,
    list_sanctions, resolve_appeal)
from app.fraud.service.sampling import (
    draw_sample, get_sample, list_samples, record_outcome, sample_report)
from app.fraud.service.scan import ScanResult, check_rating_at_submission, scan_month


def confirmed_frauds_by_technician(months: list[str]) -> dict[int, int]:
    """Active sanctions (confirmed frauds) per technician id in the given YYYY-MM months."""
    rows = db.session.execute(
        select(Sanction.technician_id, func.count())
        .where(Sanction.month.in_(months), Sanction.revoked_at.is_(None))
        .group_by(Sanction.technician_id))
    return {technician_id: count for technician_id, count in rows}


def fines_by_technician(month: str) -> dict[int, int]:
    """Technician id → the fine (yuan) of the offence that sanctions `month`.

    All frauds confirmed against one technician for one month are one offence (SPEC flow 5), so
    the month's fine is that of its earliest active sanction."""
    rows = db.session.execute(
        select(Sanction.technician_id, Sanction.fine)
        .where(Sanction.month == month, Sanction.revoked_at.is_(None))
        .order_by(Sanction.technician_id, Sanction.created_at, Sanction.id))
    fines: dict[int, int] = {}
    for technician_id, fine in rows:
        fines.setdefault(technician_id, fine)
    return fines


def settings(config) -> dict:
    """Detector weights, flag threshold, zone and fines from the app configuration."""
    return {"weights": weights_with(config.get("FRAUD_WEIGHTS")),
            "threshold": float(config.get("FRAUD_FLAG_THRESHOLD", DEFAULT_THRESHOLD)),
            "tz_name": config["TIMEZONE"]}


def fines(config) -> dict:
    return {"first_fine": int(config.get("FRAUD_FINE_FIRST", 5000)),
            "repeat_fine": int(config.get("FRAUD_FINE_REPEAT", 1000))}


def on_technician_seen(technician, *, client_ip: str | None, user_agent: str | None) -> None:
    """`technician_seen` receiver: remember the address for the shared-device detector."""
    try:
        with db.session.begin_nested():
            record_sighting(technician_id=technician.id, client_ip=client_ip,
                            user_agent=user_agent, now=utcnow())
    except IntegrityError:
        pass        # the same technician and address, recorded by a concurrent login


def on_rating_submitted(rating, **_extra) -> None:
    """`rating_submitted` receiver: the cheap checks, in the rating's own transaction."""
    s = settings(current_app.config)
    check_rating_at_submission(rating, weights=s["weights"], threshold=s["threshold"],
                               tz_name=s["tz_name"])


__all__ = [
    "appeals_of_technician", "flag_counts", "list_samples",
    "ScanResult", "check_rating_at_submission", "confirmed_frauds_by_technician", "decide",
    "draw_sample", "file_appeal", "fines", "fines_by_technician", "flag_history", "get_flag",
    "get_sample",
    "list_flags", "list_sanctions", "on_rating_submitted", "on_technician_seen", "record_outcome",
    "record_sighting", "resolve_appeal", "sample_report", "scan_month", "settings",
]
