"""Prometheus metrics: `GET /metrics`, request counts and latency per endpoint, and a few domain
counters (ratings by channel, WeChat call outcomes, fraud flags, Redis fallbacks).

The metric objects live at module level because that is prometheus_client's model: one set per
process, whatever number of apps the process builds. Under gunicorn, set PROMETHEUS_MULTIPROC_DIR
(an empty directory, before the workers start; gunicorn.conf.py clears it and marks dead workers)
and every worker writes its values there, so a scrape sees the sum over all workers of this
server — not only the worker that happened to answer.

The `/metrics` view (who may read them) is app/health/metrics_views.py: this module sits below
every domain and the API keys.
"""
from __future__ import annotations

import os

from flask import Flask, Response
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess)
from sqlalchemy import event
from sqlalchemy.orm import Session

REQUESTS = Counter("rating_http_requests_total", "HTTP requests answered",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("rating_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["endpoint", "method", "status"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
RATINGS = Counter("rating_ratings_submitted_total", "Ratings committed, by channel", ["channel"])
WECHAT_CALLS = Counter("rating_wechat_calls_total", "Calls to the WeChat platform by outcome "
                       "(ok, errcode_N, timeout, unreachable)", ["endpoint", "outcome"])
FRAUD_FLAGS = Counter("rating_fraud_flags_created_total", "Fraud flags committed, by source "
                      "(submission check or month scan)", ["source"])
REDIS_FALLBACKS = Counter("rating_redis_fallbacks_total", "Calls served by the fallback because "
                          "Redis was unavailable", ["component"])

_PENDING = "metrics_pending"       # Session.info key: counts to add once the transaction commits


# (endpoint, method, status) → its counter and histogram children: `labels()` is a lookup under a
# lock that every request would otherwise pay twice. Bounded by endpoints × methods × statuses.
_request_children: dict[tuple[str, str, str], tuple] = {}


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count an answered request and its time (app.logs calls it once per request, with the
    access line: one after-request hook reads the request for both)."""
    key = (endpoint or "unmatched", method, str(status))
    children = _request_children.get(key)
    if children is None:
        children = _request_children[key] = (REQUESTS.labels(*key), LATENCY.labels(*key))
    children[0].inc()
    children[1].observe(seconds)


def init_metrics(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _count_committed):
        event.listen(Session, "after_commit", _count_committed)
        event.listen(Session, "after_rollback", _forget_pending)


# -- domain counters, counted when their transaction commits ------------------------------------
def count_on_commit(session, counter: Counter, amount: float = 1, **labels) -> None:
    """Add to `counter` when `session` commits (a rolled-back rating was never submitted)."""
    if amount:
        session.info.setdefault(_PENDING, []).append((counter, labels, amount))


def _count_committed(session) -> None:
    for counter, labels, amount in session.info.pop(_PENDING, ()):
        counter.labels(**labels).inc(amount)


def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)


def on_rating_submitted(rating, **_extra) -> None:
    """`rating_submitted` receiver."""
    from app.extensions import db
    count_on_commit(db.session(), RATINGS, channel=rating.channel)


def fraud_flags_created(count: int, *, source: str) -> None:
    from app.extensions import db
    count_on_commit(db.session(), FRAUD_FLAGS, count, source=source)


def wechat_call(endpoint: str, outcome: str) -> None:
    WECHAT_CALLS.labels(endpoint=str(endpoint)[:64], outcome=outcome).inc()


# -- exposition ---------------------------------------------------------------------------------
def exposition() -> Response:
    """Every metric in Prometheus' text format (summed over the server's workers)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
