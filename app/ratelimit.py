"""A small shared rate limiter: "at most N attempts per key in a window".

`attempt(rule, key)` checks and counts in one atomic step, so 16 parallel attempts let exactly
`rule.limit` through (a separate check and record let 6–7 of 16 past a limit of 5). An attempt
that turns out fine is given back with `undo`, so only failures use up the allowance.

Where the counts live:
- Without Redis, one SQL upsert per attempt on `rate_limit_counters` (INSERT … ON CONFLICT DO
  UPDATE … RETURNING): the row lock serialises racing attempts on PostgreSQL, SQLite's write
  lock does the same. The count writes through the request's session, so a boundary that raises
  after a counted failure commits first (see identity.views) — the failure and anything else
  the request wrote land together.
- With REDIS_URL, a Lua script decides (shared by every worker and server, no row locks), and
  the same count is copied to the database table. While Redis is down the database counter goes
  on from that copy, and when Redis comes back empty (it keeps nothing on disk) the script starts
  from the copy again: an outage or restart never resets anyone's count.

Windows are fixed: they start at a key's first counted attempt and last `rule.window` seconds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Integer, String, bindparam, case, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class RateLimitCounter(db.Model):
    __tablename__ = "rate_limit_counters"

    bucket: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RateLimitCounter {self.bucket} {self.count} since {self.window_start}>"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: int  # seconds


def bucket_of(rule: Limit, key: str) -> str:
    return f"{rule.name}:{key}"[:160]


def seconds_left(window_start: datetime, window: int, now: datetime) -> int:
    """Seconds until a window that began at `window_start` ends (1 to `window`; a racing
    attempt may have opened the window a moment after our `now`)."""
    left = math.ceil((window_start + timedelta(seconds=window) - now).total_seconds())
    return min(window, max(1, left))


class DatabaseLimiter:
    def attempt(self, rule: Limit, key: str) -> int:
        """Count one attempt and answer 0, or answer the seconds to wait (nothing counted)."""
        count, started, now = self._bump(rule, key, gate=True)
        return 0 if count <= rule.limit else seconds_left(started, rule.window, now)

    def hit(self, rule: Limit, key: str) -> int:
        """Count one event whatever the limit; the count in the window so far."""
        return self._bump(rule, key, gate=False)[0]

    def blocked_for(self, rule: Limit, key: str) -> int:
        """Seconds until `key` may try again under `rule` (0: now), counting nothing."""
        now = utcnow()
        live = self.current(rule, key, now)
        if live is None or live[0] < rule.limit:
            return 0
        return seconds_left(live[1], rule.window, now)

    def undo(self, rule: Limit, key: str) -> None:
        db.session.execute(
            update(RateLimitCounter)
            .where(RateLimitCounter.bucket == bucket_of(rule, key), RateLimitCounter.count > 0)
            .values(count=RateLimitCounter.count - 1))

    def current(self, rule: Limit, key: str, now: datetime) -> tuple[int, datetime] | None:
        """(count, window start) of a live window, or None."""
        row = db.session.execute(select(RateLimitCounter.count, RateLimitCounter.window_start)
                                 .where(RateLimitCounter.bucket == bucket_of(rule, key))).first()
        if row is None or row.window_start <= now - timedelta(seconds=rule.window):
            return None
        return row.count, row.window_start

    def copy(self, rule: Limit, key: str, count: int, window_start: datetime) -> None:
        """Keep Redis's count here too (never lowering a live window's count)."""
        db.session.execute(_copy_statement(db.session.get_bind().dialect.name), {
            "bucket": bucket_of(rule, key), "count": count, "window_start": window_start})

    def _bump(self, rule: Limit, key: str, *, gate: bool) -> tuple[int, datetime, datetime]:
        now = utcnow()
        row = db.session.execute(_bump_statement(db.session.get_bind().dialect.name), {
            "bucket": bucket_of(rule, key), "now": now,
            "cutoff": now - timedelta(seconds=rule.window),
            # gate: stop at limit + 1 (the "refused" mark); hit: count on.
            "cap": rule.limit + 1 if gate else 2**31 - 1}).one()
        return row.count, row.window_start, now


def _insert(dialect: str):
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
        RateLimitCounter.__table__)


@cache
def _bump_statement(dialect: str):
    # One statement: a new window, or one more in the current window up to `cap`.
    table = RateLimitCounter.__table__
    when = bindparam("now", type_=UTCDateTime)
    expired = table.c.window_start <= bindparam("cutoff", type_=UTCDateTime)
    statement = _insert(dialect).values(bucket=bindparam("bucket"), window_start=when, count=1)
    return statement.on_conflict_do_update(index_elements=["bucket"], set_={
        "count": case((expired, 1), (table.c.count >= bindparam("cap"), bindparam("cap")),
                      else_=table.c.count + 1),
        "window_start": case((expired, when), else_=table.c.window_start),
    }).returning(table.c.count, table.c.window_start)


@cache
def _copy_statement(dialect: str):
    table = RateLimitCounter.__table__
    count = bindparam("count", type_=Integer)
    start = bindparam("window_start", type_=UTCDateTime)
    statement = _insert(dialect).values(bucket=bindparam("bucket"), window_start=start,
                                        count=count)
    same_window = table.c.window_start == start
    return statement.on_conflict_do_update(index_elements=["bucket"], set_={
        "count": case((same_window & (table.c.count > count), table.c.count), else_=count),
        "window_start": start,
    })


# KEYS[1] bucket. ARGV: limit, window ms, floor (the database's copy), floor's ms left, gate.
# A missing key (expired, or Redis restarted) starts again from the copy; "gate" refuses past
# the limit without counting. Answers {count, ms left}; count > limit means refused.
_BUMP = """
local c = tonumber(redis.call('GET', KEYS[1]) or '-1')
local floor, floor_ms = tonumber(ARGV[3]), tonumber(ARGV[4])
if c < 0 then
  c = 0
  if floor > 0 and floor_ms > 0 then redis.call('SET', KEYS[1], floor, 'PX', floor_ms); c = floor end
elseif c < floor then
  redis.call('SET', KEYS[1], floor, 'KEEPTTL'); c = floor
end
if ARGV[5] == '1' and c >= tonumber(ARGV[1]) then
  return {c + 1, redis.call('PTTL', KEYS[1])}
end
c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {c, redis.call('PTTL', KEYS[1])}
"""
_UNDO = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisLimiter:
    """Counts in Redis (atomic by Lua), copied to the database (see the module docstring)."""

    def __init__(self, redis_client, prefix: str = "ratelimit:"):
        self.redis = redis_client
        self.prefix = prefix
        self.database = DatabaseLimiter()
        self._bump_script = redis_client.register_script(_BUMP)
        self._undo_script = redis_client.register_script(_UNDO)

    def attempt(self, rule: Limit, key: str) -> int:
        count, ms_left = self._bump(rule, key, gate=True)
        return 0 if count <= rule.limit else max(1, math.ceil(ms_left / 1000))

    def hit(self, rule: Limit, key: str) -> int:
        return self._bump(rule, key, gate=False)[0]

    def blocked_for(self, rule: Limit, key: str) -> int:
        """Seconds until `key` may try again under `rule` (0: now), counting nothing; a key Redis
        lost (expired or restarted) answers from the database's copy."""
        name = self.prefix + bucket_of(rule, key)
        with self.redis.pipeline(transaction=False) as pipe:
            count, ms_left = pipe.get(name).pttl(name).execute()
        if count is None:
            return self.database.blocked_for(rule, key)
        return 0 if int(count) < rule.limit else max(1, math.ceil(max(ms_left, 0) / 1000))

    def undo(self, rule: Limit, key: str) -> None:
        self._undo_script(keys=[self.prefix + bucket_of(rule, key)])
        self.database.undo(rule, key)

    def _bump(self, rule: Limit, key: str, *, gate: bool) -> tuple[int, int]:
        now = utcnow()
        floor = self.database.current(rule, key, now)
        floor_count, floor_ms = 0, 0
        if floor is not None:
            floor_count = floor[0]
            floor_ms = int((floor[1] + timedelta(seconds=rule.window) - now).total_seconds() * 1000)
        count, ms_left = self._bump_script(
            keys=[self.prefix + bucket_of(rule, key)],
            args=[rule.limit, rule.window * 1000, floor_count, floor_ms, "1" if gate else "0"])
        if count <= rule.limit or not gate:
            started = now - timedelta(milliseconds=rule.window * 1000 - max(ms_left, 0))
            if floor is not None:
                started = floor[1]
            self.database.copy(rule, key, count, started)
        return count, ms_left


def get_limiter():
    """The app's limiter: Redis when REDIS_URL is set, else the database."""
    app = current_app._get_current_object()
    limiter = app.extensions.get("rate_limiter")
    if limiter is None:
        url = app.config.get("REDIS_URL")
        if url:
            from app.redis_client import WithFallback, get_redis
            # Redis down: the database counters decide meanwhile, from Redis's last copy.
            limiter = WithFallback(url, "rate_limiter", RedisLimiter(get_redis(url)),
                                   DatabaseLimiter())
        else:
            limiter = DatabaseLimiter()
        app.extensions["rate_limiter"] = limiter
    return limiter
