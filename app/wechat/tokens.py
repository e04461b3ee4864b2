"""Where the access token of each app lives, so all workers and servers share one.

WeChat hands out one valid token per app at a time (the previous one lives ~5 minutes more), so
workers must not refresh on their own: one claims a short lease, fetches, stores; the others wait
for the new token. Redis when REDIS_URL is set, the database otherwise (a separate connection, so
the token outlives the request that fetched it), in-process memory for a single-process SQLite dev
server, where a second SQLite writer would only contend with the request's own transaction.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Callable

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.wechat.errors import WeChatBusy
from app.wechat.models import WeChatAccessToken

Fetch = Callable[[], tuple[str, int]]   # → (access_token, expires_in seconds)
EXPIRY_MARGIN = 300                     # refresh this long before WeChat's expiry
LEASE_SECONDS = 10
WAIT_SECONDS = 6
POLL_SECONDS = 0.1


def _usable(token: str | None, stale: str | None) -> bool:
    return bool(token) and token != stale


class MemoryTokenStore:
    def __init__(self):
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get_or_refresh(self, appid: str, fetch: Fetch, stale: str | None = None) -> str:
        with self._lock:
            token, expires = self._tokens.get(appid, (None, 0.0))
            if _usable(token, stale) and expires > time.time():
                return token
            token, expires_in = fetch()
            self._tokens[appid] = (token, time.time() + expires_in - EXPIRY_MARGIN)
            return token


class RedisTokenStore:
    def __init__(self, redis_client, prefix: str = "wechat:access_token:"):
        self.redis = redis_client
        self.prefix = prefix

    def get_or_refresh(self, appid: str, fetch: Fetch, stale: str | None = None) -> str:
        key, lock_key = self.prefix + appid, self.prefix + appid + ":lock"
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            token = self.redis.get(key)
            if _usable(token, stale):
                return token
            if self.redis.set(lock_key, "1", nx=True, ex=LEASE_SECONDS):
                try:
                    # Another worker may have stored a token and let the lease go between our
                    # read and our claim: then there is nothing to refresh.
                    token = self.redis.get(key)
                    if _usable(token, stale):
                        return token
                    token, expires_in = fetch()
                    self.redis.set(key, token, ex=max(60, expires_in - EXPIRY_MARGIN))
                    return token
                finally:
                    self.redis.delete(lock_key)
            if time.monotonic() > deadline:
                raise WeChatBusy(message="等待其他进程刷新微信凭证超时 (token refresh timed out)")
            time.sleep(POLL_SECONDS)


class DatabaseTokenStore:
    def __init__(self, engine):
        self.engine = engine
        self.table = WeChatAccessToken.__table__

    def _read(self, appid: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(self.table.c.access_token, self.table.c.expires_at)
                               .where(self.table.c.appid == appid)).first()
        if row is None or row.access_token is None or row.expires_at is None:
            return None
        return row.access_token if row.expires_at > utcnow() else None

    def _claim(self, appid: str) -> bool:
        now = utcnow()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(self.table).values(appid=appid, updated_at=now))
        except IntegrityError:
            pass  # the row exists already; the UPDATE below decides who refreshes
        lease_free = (self.table.c.refresh_lease_until.is_(None)) | (
            self.table.c.refresh_lease_until < now)
        with self.engine.begin() as conn:
            result = conn.execute(update(self.table)
                                  .where(self.table.c.appid == appid, lease_free)
                                  .values(refresh_lease_until=now + timedelta(seconds=LEASE_SECONDS),
                                          updated_at=now))
        return result.rowcount == 1

    def _store(self, appid: str, token: str | None, expires_in: int = 0) -> None:
        now = utcnow()
        values = {"refresh_lease_until": None, "updated_at": now}
        if token is not None:
            values.update(access_token=token,
                          expires_at=now + timedelta(seconds=max(60, expires_in - EXPIRY_MARGIN)))
        with self.engine.begin() as conn:
            conn.execute(update(self.table).where(self.table.c.appid == appid).values(**values))

    def get_or_refresh(self, appid: str, fetch: Fetch, stale: str | None = None) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            token = self._read(appid)
            if _usable(token, stale):
                return token
            if self._claim(appid):
                # Another worker may have stored a token and let the lease go between our read
                # and our claim: then there is nothing to refresh.
                token = self._read(appid)
                if _usable(token, stale):
                    self._store(appid, None)
                    return token
                try:
                    token, expires_in = fetch()
                except BaseException:
                    self._store(appid, None)   # free the lease so another worker may try
                    raise
                self._store(appid, token, expires_in)
                return token
            if time.monotonic() > deadline:
                raise WeChatBusy(message="等待其他进程刷新微信凭证超时 (token refresh timed out)")
            time.sleep(POLL_SECONDS)


def make_token_store(app):
    """The store this deployment shares tokens through (see module docstring)."""
    choice = app.config.get("WECHAT_TOKEN_STORE", "auto")
    if choice == "auto":
        if app.config.get("REDIS_URL"):
            choice = "redis"
        elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            choice = "memory"
        else:
            choice = "database"
    if choice == "redis":
        from app.redis_client import WithFallback, get_redis
        url = app.config["REDIS_URL"]
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            fallback = MemoryTokenStore()
        else:
            from app.extensions import db
            fallback = DatabaseTokenStore(db.engine)
        # Redis down: the token is shared through the database meanwhile (see redis_client).
        return WithFallback(url, "wechat_token_store", RedisTokenStore(get_redis(url)), fallback)
    if choice == "database":
        from app.extensions import db
        return DatabaseTokenStore(db.engine)
    if choice == "memory":
        return MemoryTokenStore()
    raise ValueError(f"unknown WECHAT_TOKEN_STORE {choice!r}")
