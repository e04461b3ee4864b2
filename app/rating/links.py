"""Signed SMS rating links (`/s/<token>`): one order each, unforgeable, expiring with the window."""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "rating.sms-link.v1"


def make_sms_link_token(secret_key: str, order_id: int) -> str:
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(order_id)


def read_sms_link_token(secret_key: str, token: str, max_age: int) -> int | None:
    """The order id, or None when forged, altered or older than `max_age` seconds."""
    try:
        value = URLSafeTimedSerializer(secret_key, salt=SALT).loads(token, max_age=max_age)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
