"""A small shared rate limiter: "at most N hits per key in a sliding window".

Hits live in Redis when REDIS_URL is set (shared by every worker and server), in the database
otherwise. The database limiter writes through the request's session, so a boundary that raises
after a counted failure must commit first (see identity.views) — that is deliberate: the failure
and anything else the request wrote land together.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class RateLimitHit(db.Model):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_hit_at", "bucket", "hit_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(160))
    hit_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RateLimitHit {self.bucket} {self.hit_at}>"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window: int  # seconds


def retry_after(oldest_hit: float, window: int, now: float) -> int:
    """Seconds until the oldest hit in the window leaves it (at least 1)."""
    return max(1, math.ceil(oldest_hit + window - now))


class DatabaseLimiter:
    def _bucket(self, rule: Limit, key: str) -> str:
        return f"{rule.name}:{key}"[:160]

    def blocked_for(self, rule: Limit, key: str) -> int:
        """0 when another hit is allowed, else the seconds to wait."""
        now = utcnow()
        since = now - timedelta(seconds=rule.window)
        bucket = self._bucket(rule, key)
        count, oldest = db.session.execute(
            select(func.count(), func.min(RateLimitHit.hit_at))
            .where(RateLimitHit.bucket == bucket, RateLimitHit.hit_at > since)).one()
        if count < rule.limit:
            return 0
        return retry_after(oldest.timestamp(), rule.window, now.timestamp())

    def hit(self, rule: Limit, key: str) -> None:
        now = utcnow()
        bucket = self._bucket(rule, key)
        # Old hits of this bucket are dead weight; pruning here keeps the table small without a job.
        db.session.execute(delete(RateLimitHit).where(
            RateLimitHit.bucket == bucket,
            RateLimitHit.hit_at <= now - timedelta(seconds=rule.window)))
        db.session.add(RateLimitHit(bucket=bucket, hit_at=now))
        db.session.flush()


class RedisLimiter:
    """Sorted set per bucket: member = unique hit id, score = time."""

    def __init__(self, redis_client, prefix: str = "ratelimit:"):
        self.redis = redis_client
        self.prefix = prefix

    def _bucket(self, rule: Limit, key: str) -> str:
        return f"{self.prefix}{rule.name}:{key}"

    def blocked_for(self, rule: Limit, key: str) -> int:
        now = time.time()
        bucket = self._bucket(rule, key)
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(bucket, 0, now - rule.window)
        pipe.zcard(bucket)
        pipe.zrange(bucket, 0, 0, withscores=True)
        _, count, oldest = pipe.execute()
        if count < rule.limit or not oldest:
            return 0
        return retry_after(oldest[0][1], rule.window, now)

    def hit(self, rule: Limit, key: str) -> None:
        now = time.time()
        bucket = self._bucket(rule, key)
        member = f"{now:.6f}:{self.redis.incr(bucket + ':seq')}"
        pipe = self.redis.pipeline()
        pipe.zadd(bucket, {member: now})
        pipe.expire(bucket, rule.window + 1)
        pipe.expire(bucket + ":seq", rule.window + 1)
        pipe.execute()


def get_limiter():
    """The app's limiter: Redis when REDIS_URL is set, else the database."""
    app = current_app._get_current_object()
    limiter = app.extensions.get("rate_limiter")
    if limiter is None:
        url = app.config.get("REDIS_URL")
        if url:
            from app.redis_client import WithFallback, get_redis
            # Redis down: the limits are counted in the database meanwhile (slower, still shared).
            limiter = WithFallback(url, "rate_limiter", RedisLimiter(get_redis(url)),
                                   DatabaseLimiter())
        else:
            limiter = DatabaseLimiter()
        app.extensions["rate_limiter"] = limiter
    return limiter
