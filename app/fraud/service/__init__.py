"""Fraud review operations. Other domains (reports) read offences only through this package.

`scan` flags ratings, `cases` groups them for review, `decisions` confirms, dismisses and
reverses (safe under races), `offences` keeps one finding per technician-month with its fine
and suspension, `consequences` states what a decision does before and after it lands,
`review` lists flags and handles appeals, `sampling` the callback samples; `facts` loads what
detectors read.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.extensions import db
from app.fraud import rules
from app.fraud.detectors import DEFAULT_THRESHOLD, weights_with
from app.fraud.service import consequences
from app.fraud.service.casefile import case_file, rater_labels, readable_reasons
from app.fraud.service.cases import case_counts, case_members, list_cases, place_flag, regroup
from app.fraud.service.decisions import (
    Context, DecisionConflict, Expect, Outcome, decide_case, decide_flag, get_case, reverse_case,
    reverse_flag)
from app.fraud.service.facts import record_sighting
from app.fraud.service.offences import (
    confirmed_frauds_by_technician, fines_by_technician, flag_month, list_offences,
    offence_states)
from app.fraud.service.review import (
    appeals_of_technician, file_appeal, flag_counts, flag_history, flags_of_order, flags_to_export,
    get_flag,
    list_flags,
    resolve_appeal)
from app.fraud.service.sampling import (
    draw_sample, get_sample, list_samples, record_outcome, sample_report)
from app.fraud.detectors.registry import LABELS as DETECTOR_LABELS
from app.fraud.service.scan import SCAN_STEPS, ScanResult, check_rating_at_submission, scan_month


def settings(config) -> dict:
    """Detector weights, flag threshold, zone and fines from the app configuration."""
    return {"weights": weights_with(config.get("FRAUD_WEIGHTS")),
            "threshold": float(config.get("FRAUD_FLAG_THRESHOLD", DEFAULT_THRESHOLD)),
            "tz_name": config["TIMEZONE"]}


def policy(config) -> rules.SanctionPolicy:
    """Fines and suspension length from the configuration (SPEC flow 5's defaults)."""
    return rules.SanctionPolicy(
        first_fine=int(config["FRAUD_FINE_FIRST"]), repeat_fine=int(config["FRAUD_FINE_REPEAT"]),
        suspension_days=int(config["FRAUD_SUSPENSION_DAYS"]))


def context(config, *, by: str) -> Context:
    """Who decides, in which zone, under which amounts — for one decision, now."""
    return Context(by=by, tz_name=config["TIMEZONE"], policy=policy(config))


def audit_events(outcome: Outcome) -> list[tuple[str, str, dict]]:
    """The audit-log entries a decision's side effects call for, besides the decision itself:
    every suspension it started or cancelled (action, target, details)."""
    entries = []
    for kind, rows in (("suspension_started", outcome.events.started),
                       ("suspension_cancelled", outcome.events.cancelled)):
        for row in rows:
            entries.append((kind, f"technician {row.technician.employee_no}", {
                "employee_no": row.technician.employee_no, "starts_on": row.starts_on.isoformat(),
                "ends_on": row.ends_on.isoformat(), "reason": row.change_note or row.reason}))
    return entries


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
    "Context", "DecisionConflict", "Expect", "Outcome", "ScanResult", "appeals_of_technician",
    "audit_events", "case_counts", "case_file", "case_members", "check_rating_at_submission", "confirmed_frauds_by_technician",
    "consequences", "context", "decide_case", "decide_flag", "draw_sample", "file_appeal",
    "fines_by_technician", "flag_counts", "flag_history", "flag_month", "get_case", "get_flag",
    "flags_of_order", "flags_to_export", "get_sample", "list_cases", "list_flags",
    "list_offences", "list_samples", "offence_states",
    "on_rating_submitted", "on_technician_seen", "place_flag", "policy", "rater_labels", "readable_reasons", "record_outcome",
    "record_sighting", "regroup", "resolve_appeal", "reverse_case", "reverse_flag",
    "sample_report", "scan_month", "settings", "SCAN_STEPS", "DETECTOR_LABELS",
]
