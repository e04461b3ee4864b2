"""Every JSON error an API test provokes must be documented on its operation: the code is among
the `x-error-codes` that /api/openapi.json lists for that path, method and status. The static
scan (app/apidocs/errorscan.py) documents what it can see; this catches what it cannot."""
from __future__ import annotations

from flask import Flask, request

from app.apidocs.openapi import documented_codes
from app.apidocs.views import document_of

UNDOCUMENTED: list[str] = []


def install(app: Flask) -> None:
    @app.after_request
    def _check_error_is_documented(response):
        if response.status_code < 400 or not response.is_json or request.url_rule is None:
            return response
        view = app.view_functions.get(request.url_rule.endpoint)
        if getattr(view, "api_doc", None) is None:
            return response
        code = ((response.get_json(silent=True) or {}).get("error") or {}).get("code")
        if code and code not in documented_codes(document_of(app), request.url_rule,
                                                 request.method):
            UNDOCUMENTED.append(f"{request.method} {request.url_rule.rule} answered "
                                f"{response.status_code} {code}, not in its documented codes")
        return response


def take() -> list[str]:
    found = list(UNDOCUMENTED)
    UNDOCUMENTED.clear()
    return found
