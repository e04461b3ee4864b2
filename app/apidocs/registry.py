"""`@api_doc(...)`: what a JSON view accepts and answers, kept next to the view itself.

The OpenAPI builder walks the URL map and reads these declarations, so a view without one is
visibly undocumented (a test fails on it) instead of silently missing from the document.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ApiDoc:
    summary: str
    tags: tuple[str, ...] = ()
    body: type | None = None                       # marshmallow schema class of a JSON body
    request_bodies: dict = field(default_factory=dict)   # media type → raw JSON schema
    query: type | None = None                      # marshmallow schema class of the query string
    path_params: dict = field(default_factory=dict)      # name → raw JSON schema
    responses: dict = field(default_factory=dict)  # status → schema class, raw dict, or None
    errors: tuple[int, ...] = ()
    error_codes: dict = field(default_factory=dict)     # status → the error codes it may carry
    auth: str | None = None                        # "api_key" | "user_token" | None (derived)
    headers: dict = field(default_factory=dict)    # request header name → description


def api_doc(summary: str, *, tags=(), body=None, request_bodies=None, query=None,
            path_params=None, responses=None, errors=(), error_codes=None, auth=None,
            headers=None):
    error_codes = {status: tuple(codes) for status, codes in (error_codes or {}).items()}
    doc = ApiDoc(summary=summary, tags=tuple(tags), body=body,
                 request_bodies=request_bodies or {}, query=query,
                 path_params=path_params or {}, responses=responses or {},
                 errors=tuple(errors) + tuple(s for s in error_codes if s not in errors),
                 error_codes=error_codes, auth=auth, headers=headers or {})

    def decorator(view):
        view.api_doc = doc
        return view

    return decorator
