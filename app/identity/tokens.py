"""User tokens for mini-program calls: signed, expiring, revocable.

A token signs (user id, token version). Bumping the user's `token_version` revokes every token
issued before, without a table of issued tokens. The salt keeps these signatures apart from any
other use of SECRET_KEY (sessions, SMS code hashes).
"""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "identity.user-token.v1"
PREFIX = "ut."


@cache
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, user_id: int, version: int) -> str:
    return PREFIX + _serializer(secret_key).dumps([user_id, version])


class TokenClaims(NamedTuple):
    """What a valid token says: whose it is and which token version it was issued under."""

    user_id: int
    token_version: int


def read_token(secret_key: str, token: str, max_age: int) -> TokenClaims | None:
    """The claims, or None when forged, malformed or older than `max_age` seconds. Whether the
    version is still the user's current one (not revoked) is for the caller to check."""
    if not token.startswith(PREFIX):
        return None
    try:
        user_id, version = _serializer(secret_key).loads(
            token[len(PREFIX):], max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    return TokenClaims(user_id, version)
