"""Security headers for the HTML pages people open in a browser (customers, technicians).

Every HTML answer gets a Content-Security-Policy unless its blueprint set one (the console has
its own). Inline scripts run only with this request's nonce: a template marks its own scripts
with `nonce="{{ csp_nonce() }}"`, so markup injected into a page (a comment, an address) cannot
run script even if an escaping bug let it through. The API docs and the WeChat simulator's
pages keep their own rules (they load their own bundles).
"""
from __future__ import annotations

import secrets

from flask import Flask, request

NONCE_KEY = "app.csp_nonce"
EXEMPT_BLUEPRINTS = frozenset({"apidocs", "sim_open", "sim_control"})
POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
          "script-src 'self'{nonce}; connect-src 'self'; object-src 'none'; "
          "frame-ancestors 'none'; base-uri 'none'")


def csp_nonce() -> str:
    """This request's script nonce, made when a template first asks for it."""
    # Kept on the request, not on `g`: an app context can outlive one request (tests, CLI).
    nonce = request.environ.get(NONCE_KEY)
    if nonce is None:
        nonce = request.environ[NONCE_KEY] = secrets.token_urlsafe(16)
    return nonce


def policy(nonce: str | None) -> str:
    return POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def _headers(response):
    if not (response.content_type or "").startswith("text/html") \
            or request.blueprint in EXEMPT_BLUEPRINTS:
        return response
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = policy(request.environ.get(NONCE_KEY))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def init_page_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_headers)
