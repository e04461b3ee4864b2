"""Flask's signed-cookie sessions, with the signing serializer built once per key set.

Flask builds a new serializer (and its HMAC key derivation) on every request, cookie or not; on
cheap public routes (badge QR images) that was a measurable share of the request. The keys come
from configuration, so the serializer is rebuilt only when they change. A request that carries
no cookie at all (API calls, QR images fetched by scanners and printers) gets an empty session
without parsing a Cookie header it does not have.
"""
from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


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

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


def init_sessions(app: Flask) -> None:
    app.session_interface = CachedSerializerSessionInterface()
