"""The fraud API blueprint and what its decision calls share: the decider's context, the state
a caller expects (body `expected_status`, `If-Match` ETag), ETags, the live pay ledger the
consequences compare, and the audit entries a decision writes."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, request

from app.auth.audit import audit_api_call
from app.fraud import service

bp = Blueprint("fraud", __name__)
TAGS = ["fraud"]
IF_MATCH = {"If-Match": "ETag of the flag or case as last read: a decision on a changed one "
                        "answers 409 decision_conflict"}
CONFLICT_CODES = ("decision_conflict", "reversal_required")
_ETAG = re.compile(r"^(flag|case)-(\d+)-v(\d+)$")


def settings() -> dict:
    return service.settings(current_app.config)


def context() -> service.Context:
    return service.context(current_app.config, by=g.api_key.name)


def etag_of(kind: str, row) -> str:
    return f"{kind}-{row.id}-v{row.version}"


def expectation(kind: str, row_id: int, status: str | None) -> service.Expect:
    """The state the caller names: `expected_status` and/or an If-Match ETag of this row.
    An If-Match for another row, or unreadable, can never match: 409 like any stale state."""
    version = None
    if request.if_match and not request.if_match.star_tag:
        tags = [_ETAG.match(tag) for tag in request.if_match.as_set(include_weak=True)]
        versions = [int(m[3]) for m in tags if m and m[1] == kind and int(m[2]) == row_id]
        if not versions:
            raise service.DecisionConflict(details={kind: row_id, "if_match": "no match"})
        version = versions[0]
    return service.Expect(status=status, version=version)


def pay_of() -> service.consequences.PayOf:
    """The live pay ledger of one technician-month, as the reports service computes it (handed
    in by create_app: reports sits above fraud)."""
    return current_app.extensions[service.consequences.PAY_OF](current_app.config)


def audit_outcome(action: str, target: str, outcome: service.Outcome, **details) -> None:
    """One entry for the decision, one per suspension it started or cancelled."""
    audit_api_call(action, target, **details)
    for kind, subject, extra in service.audit_events(outcome):
        audit_api_call(kind, subject, **extra)


def with_etag(body: dict, kind: str, row) -> tuple[dict, int, dict]:
    return body, 200, {"ETag": f'"{etag_of(kind, row)}"'}
