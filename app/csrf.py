"""CSRF protection for cookie-authenticated pages (H5 forms, the console).

Synchronizer token: one random token per session, put in every form as `csrf_token`, compared in
constant time on every unsafe request. JSON APIs authenticated by a Bearer header need none —
a browser never attaches that header on its own.
"""
from __future__ import annotations

import hmac
import secrets
from functools import wraps

from flask import Flask, request, session

from app.errors import Forbidden

SESSION_KEY = "csrf"
FIELD = "csrf_token"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = "页面已过期，请刷新后重试 (CSRF check failed)"


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if token is None:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def verify_csrf() -> None:
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(expected, sent):
        raise CsrfFailed()


def csrf_protect(view):
    """Check the token on POST/PUT/PATCH/DELETE; GET and HEAD pass."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            verify_csrf()
        return view(*args, **kwargs)
    return wrapper


def init_csrf(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
