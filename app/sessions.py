"""Flask's signed-cookie sessions, with the signing serializer built once per key set.

Flask builds a new serializer (and its HMAC key derivation) on every request, cookie or not; on
cheap public routes (badge QR images) that was a measurable share of the request. The keys come
from configuration, so the serializer is rebuilt only when they change.
"""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._keys: tuple | None = None
        self._serializer = None

    def get_signing_serializer(self, app: Flask):
        keys = (tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        if keys != self._keys:
            self._serializer = super().get_signing_serializer(app)
            self._keys = keys
        return self._serializer


def init_sessions(app: Flask) -> None:
    app.session_interface = CachedSerializerSessionInterface()
