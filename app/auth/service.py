"""API keys: issue, look up, revoke.

Keys are 256 random bits, so a single SHA-256 is the right hash: there is nothing to brute-force
that a slow hash would protect, and lookups stay one indexed query.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import ROLES, ApiKey
from app.db import utcnow
from app.errors import BadRequest, NotFound
from app.extensions import db

KEY_PREFIX = "rk_"
# last_used_at is a hint for operators; writing it on every call would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(*, role: str, name: str) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is shown once and never stored."""
    if role not in ROLES:
        raise BadRequest(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         code="unknown_role")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role, prefix=raw[:11], key_hash=hash_key(raw))
    db.session.add(key)
    db.session.flush()
    return key, raw


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """The active key for `raw_key`, or None."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(raw_key)
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def revoke_api_key(*, key_id: int | None = None, prefix: str | None = None) -> ApiKey:
    """Revoke by id or by the printed prefix; revoking twice is harmless."""
    query = select(ApiKey)
    query = query.where(ApiKey.id == key_id) if key_id is not None else query.where(
        ApiKey.prefix == prefix)
    key = db.session.scalar(query)
    if key is None:
        raise NotFound("no such API key", code="api_key_not_found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def list_api_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.id)))
