"""User tokens for mini-program calls: signed, expiring, revocable.

A token signs (user id, token version). Bumping the user's `token_version` revokes every token
issued before, without a table of issued tokens. The salt keeps these signatures apart from any
other use of SECRET_KEY (sessions, SMS code hashes).
"""
from __future__ import annotations

from functools import cache

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "identity.user-token.v1"
PREFIX = "ut."


@cache
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, user_id: int, version: int) -> str:
    return PREFIX + _serializer(secret_key).dumps([user_id, version])


def read_token(secret_key: str, token: str, max_age: int) -> tuple[int, int] | None:
    """(user id, version), or None when forged, malformed or older than `max_age` seconds."""
    if not token.startswith(PREFIX):
        return None
    try:
        user_id, version = _serializer(secret_key).loads(
            token[len(PREFIX):], max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    return user_id, version
