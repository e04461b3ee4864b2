"""Request guards: what every request must satisfy before a view sees it.

- No NUL or other control characters in the path, the query, form fields, JSON strings or header
  values. PostgreSQL refuses NUL in text (the request would end in a 500), and a control character
  in a name, an order number or a redirect target is never legitimate. Tab, CR and LF stay allowed
  in bodies (a comment may have line breaks); they are refused in the path and headers.
- Bodies are small unless the route says otherwise: anonymous calls (no credentials at all) may
  send `ANONYMOUS_BODY_LIMIT`, signed-in calls `BODY_LIMIT`, and only routes marked
  `@large_body` (imports) up to MAX_CONTENT_LENGTH. Werkzeug refuses a larger declared length
  with 413 before reading, and stops a chunked body at the limit.
- JSON nesting is bounded (`JSON_MAX_DEPTH`): a `[[[[…]]]]` body would otherwise exhaust the
  parser's recursion and end in a 500.

Routes that read their body themselves (imports, the WeChat push) are marked `@large_body` or
`@raw_body`; the import engine then rejects a bad row on its own, row by row.
"""
from __future__ import annotations

import re
from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter

from app.errors import Unprocessable

# C0 controls but tab, LF, CR; and DEL. In a path, a query or a header even those three are out.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
JSON_MAX_DEPTH = 32


def has_control(text: str, *, in_line: bool = False) -> bool:
    """True when `text` holds a control character (`in_line`: tab/CR/LF count too)."""
    return bool((_LINE_CONTROL if in_line else _BODY_CONTROL).search(text))


def large_body(view):
    """The route takes uploads up to MAX_CONTENT_LENGTH and checks its own content."""
    view.large_body = True
    return view


def raw_body(view):
    """The route reads its body itself (XML, signed payloads): only its size is guarded."""
    view.raw_body = True
    return view


def _control_error(where: str):
    return Unprocessable("请求含有不允许的控制字符 (control characters are not allowed)",
                         code="invalid_characters", details={"where": where})


def _depth_error():
    return Unprocessable(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）(JSON nested too deeply)",
                         code="json_too_deep", details={"max_depth": JSON_MAX_DEPTH})


def check_json_value(value, *, max_depth: int = JSON_MAX_DEPTH) -> None:
    """Raise 422 for nesting deeper than `max_depth` or a control character in a key or string."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_control(item):
                raise _control_error("json")
        elif isinstance(item, (list, dict)):
            if depth > max_depth:
                raise _depth_error()
            if isinstance(item, dict):
                for key, child in item.items():
                    if has_control(key):
                        raise _control_error("json")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _view():
    endpoint = request.url_rule.endpoint if request.url_rule else None
    return current_app.view_functions.get(endpoint) if endpoint else None


def _has_credentials() -> bool:
    return bool(request.headers.get("Authorization") or request.cookies)


def _body_limit(view) -> int:
    config = current_app.config
    if getattr(view, "large_body", False):
        return config["MAX_CONTENT_LENGTH"]
    limit = config["BODY_LIMIT"] if _has_credentials() else config["ANONYMOUS_BODY_LIMIT"]
    return min(limit, config["MAX_CONTENT_LENGTH"])


def _check_request() -> None:
    # Every request pays for this (the badge QR image is served thousands of times a minute):
    # plain loops over what is there, nothing parsed that the request does not carry.
    req = request._get_current_object()
    if _LINE_CONTROL.search(req.path):
        raise _control_error("path")
    # Header values straight from the WSGI environ, checked in one search: werkzeug's Headers
    # view rebuilds every name on iteration, which cost more than the rest of the guard.
    environ = req.environ
    if _BODY_CONTROL.search("\n".join([
            value for key, value in environ.items()
            if (key.startswith("HTTP_") or key == "CONTENT_TYPE") and isinstance(value, str)])):
        raise _control_error("header")
    if environ.get("QUERY_STRING"):
        for key, value in req.args.items(multi=True):
            if has_control(key, in_line=True) or has_control(value):
                raise _control_error("query")
    if req.method in ("GET", "HEAD", "OPTIONS"):
        req.max_content_length = current_app.config["ANONYMOUS_BODY_LIMIT"]
        return
    view = _view()
    request.max_content_length = _body_limit(view)
    if getattr(view, "large_body", False) or getattr(view, "raw_body", False):
        return
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            raise _depth_error() from None
        if data is not None:
            check_json_value(data)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if has_control(key, in_line=True) or has_control(value):
                raise _control_error("form")


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that answers 404 for ids no database column can hold (not an overflow 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def init_guards(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_check_request)

