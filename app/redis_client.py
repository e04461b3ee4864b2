"""One Redis connection pool per URL, made on first use (never at import time)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def get_redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                decode_responses=True)
