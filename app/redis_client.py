"""One Redis connection pool per URL, made on first use (never at import time), and the rule for
when Redis is down: Redis only makes shared state faster, so every Redis-backed part has a
fallback (the database, or process memory on a single-process SQLite server) and the service keeps
answering. After a failure, calls skip Redis for COOLDOWN_SECONDS instead of paying its
timeout on every request; one warning per cooldown says what is degraded.
"""
from __future__ import annotations

import logging
import time
from functools import lru_cache

log = logging.getLogger(__name__)
COOLDOWN_SECONDS = 10.0
_down_until: dict[str, float] = {}      # per process: URL → when to try Redis again


@lru_cache(maxsize=4)
def get_redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                decode_responses=True)


def redis_is_up(url: str) -> bool:
    """PING (readiness). A failure also starts the cooldown, so requests stop waiting on Redis."""
    import redis

    try:
        return bool(get_redis(url).ping())
    except redis.RedisError as exc:
        _mark_down(url, "readiness", exc)
        return False


def available(url: str) -> bool:
    """False while `url` is in its cooldown after a failure."""
    return time.monotonic() >= _down_until.get(url, 0.0)


def mark_down(url: str, component: str, exc: Exception) -> None:
    """Record a failure of Redis at `url`: callers use their fallback for the cooldown."""
    _mark_down(url, component, exc)


def _mark_down(url: str, component: str, exc: Exception) -> None:
    if time.monotonic() >= _down_until.get(url, 0.0):
        log.warning("redis unavailable: %s degraded to its fallback for %ss", component,
                    COOLDOWN_SECONDS, extra={"component": component, "error": repr(exc)})
    _down_until[url] = time.monotonic() + COOLDOWN_SECONDS


class WithFallback:
    """Calls `primary`'s methods (Redis-backed) and, while Redis is failing, `fallback`'s."""

    def __init__(self, url: str, component: str, primary, fallback):
        self.url, self.component = url, component
        self.primary, self.fallback = primary, fallback

    def __getattr__(self, name: str):
        import redis

        from app.metrics import REDIS_FALLBACKS

        def call(*args, **kwargs):
            if time.monotonic() < _down_until.get(self.url, 0.0):
                REDIS_FALLBACKS.labels(component=self.component).inc()
                return getattr(self.fallback, name)(*args, **kwargs)
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except redis.RedisError as exc:
                _mark_down(self.url, self.component, exc)
                REDIS_FALLBACKS.labels(component=self.component).inc()
                return getattr(self.fallback, name)(*args, **kwargs)

        return call
