"""The shared limiter: atomic under parallel attempts (database and Redis), and counts that
survive a Redis outage or restart (issue 17)."""
from __future__ import annotations

import uuid

import pytest
import redis

from app.extensions import db
from app.ratelimit import DatabaseLimiter, Limit, RedisLimiter
from tests.parallel import at_once

PARALLEL = 16


def _parallel_attempts(app, make_limiter, rule: Limit, key: str) -> list[int]:
    def one():
        with app.app_context():
            wait = make_limiter().attempt(rule, key)
            db.session.commit()
            return wait

    return at_once([one] * PARALLEL)


@pytest.mark.real_commits
def test_sixteen_parallel_attempts_let_exactly_the_limit_through_the_database(app):
    rule = Limit("parallel-db", 5, 600)
    waits = _parallel_attempts(app, DatabaseLimiter, rule, "k")
    assert len(waits) == PARALLEL
    assert waits.count(0) == 5
    assert all(0 < wait <= 600 for wait in waits if wait), waits


@pytest.mark.real_commits
def test_sixteen_parallel_attempts_let_exactly_the_limit_through_redis(app, redis_url):
    rule = Limit(f"parallel-redis-{uuid.uuid4().hex}", 5, 600)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    waits = _parallel_attempts(app, lambda: RedisLimiter(client), rule, "k")
    assert waits.count(0) == 5 and len(waits) == PARALLEL


def test_undo_gives_an_attempt_back(app):
    limiter, rule = DatabaseLimiter(), Limit("undo", 2, 600)
    assert limiter.attempt(rule, "k") == 0
    limiter.undo(rule, "k")
    assert limiter.attempt(rule, "k") == 0 and limiter.attempt(rule, "k") == 0
    assert limiter.attempt(rule, "k") > 0


def test_counts_survive_a_redis_outage_and_a_redis_restart(app, redis_url):
    # Issue 17: a Redis outage reset attempt counters (the database fallback started from 0).
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    rule = Limit(f"outage-{uuid.uuid4().hex}", 5, 600)
    with_redis = RedisLimiter(client)
    for _ in range(3):
        assert with_redis.attempt(rule, "k") == 0
    fallback = DatabaseLimiter()                  # what WithFallback uses while Redis is down
    assert fallback.attempt(rule, "k") == 0
    assert fallback.attempt(rule, "k") == 0
    assert fallback.attempt(rule, "k") > 0        # 5 in all, not 5 more
    # Redis restarted empty (it keeps nothing on disk): it starts again from the copy.
    client.delete(with_redis.prefix + f"{rule.name}:k")
    assert with_redis.attempt(rule, "k") > 0


def test_the_app_limiter_falls_back_to_the_database_counts(app, redis_url, monkeypatch):
    from app.ratelimit import get_limiter
    from tests.faults.conftest import closed_port

    rule = Limit(f"fallback-{uuid.uuid4().hex}", 3, 600)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    app.extensions.pop("rate_limiter", None)
    try:
        assert get_limiter().attempt(rule, "k") == 0
        assert get_limiter().attempt(rule, "k") == 0
        app.extensions.pop("rate_limiter", None)
        monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
        assert get_limiter().attempt(rule, "k") == 0
        assert get_limiter().attempt(rule, "k") > 0
    finally:
        app.extensions.pop("rate_limiter", None)
