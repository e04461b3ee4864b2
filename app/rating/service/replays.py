"""Idempotency-Key replays: the first answer to a request, given again to its retries."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from app.db import insert_unless_duplicate, utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.rating.models import IdempotentReplay


def request_fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def find_replay(*, user_id: int, key: str, fingerprint: str) -> IdempotentReplay | None:
    """The stored first answer for this key, or None. The same key with another body is an error."""
    replay = db.session.scalar(select(IdempotentReplay).where(
        IdempotentReplay.user_id == user_id, IdempotentReplay.key == key))
    if replay is not None and replay.fingerprint != fingerprint:
        raise Unprocessable("同一个 Idempotency-Key 用于了不同的请求 (Idempotency-Key reused with a "
                            "different body)", code="idempotency_key_reused")
    return replay


def remember_answer(*, user_id: int, key: str, fingerprint: str, status: int, body: dict) -> None:
    """Store the first answer for this key. A concurrent request with the same key that stored
    its answer first (we waited for its commit) wins: with another body this one is a 422 and
    its transaction, rating included, rolls back. (The same body cannot get here twice: the
    order's unique rating already refused the second.)"""
    inserted = insert_unless_duplicate(
        db.session, IdempotentReplay.__table__,
        {"user_id": user_id, "key": key, "fingerprint": fingerprint, "status": status,
         "body": body, "created_at": utcnow()}, unique=("user_id", "key"))
    if inserted is None:
        find_replay(user_id=user_id, key=key, fingerprint=fingerprint)
        raise Unprocessable("同一个 Idempotency-Key 正被另一个请求使用 (Idempotency-Key in use by a "
                            "concurrent request)", code="idempotency_key_reused")
