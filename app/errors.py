"""Domain errors and the one JSON error renderer.

Every error the service answers has the SPEC shape
`{"error": {"code": "snake_case_code", "message": "...", "details": {...}}}`.
Services raise the classes below; Flask's own HTTP errors and marshmallow's ValidationError are
rendered the same way; anything else is logged with the request id and answered with a generic 500.

People in a browser (a customer who typed a wrong address, followed an old link or hit a limit)
get the same error as a Chinese HTML page with a next step instead: `wants_html` decides, and API
callers — `/api/…`, an `Authorization` header, or an Accept that does not prefer HTML — keep JSON.
"""
from __future__ import annotations

import logging
import math
import re

from flask import Flask, g, jsonify, make_response, render_template, request
from marshmallow import ValidationError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误 (bad request)"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 details: dict | None = None, headers: dict | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        self.headers = headers or {}


class BadRequest(AppError):
    pass


class Unauthorized(AppError):
    status, code, message = 401, "unauthorized", "需要登录或有效的凭证 (authentication required)"


class Forbidden(AppError):
    status, code, message = 403, "forbidden", "无权执行此操作 (forbidden)"


class NotFound(AppError):
    status, code, message = 404, "not_found", "资源不存在 (not found)"


class Conflict(AppError):
    status, code, message = 409, "conflict", "与当前状态冲突 (conflict)"


class Gone(AppError):
    status, code, message = 410, "gone", "资源已失效 (gone)"


class Unprocessable(AppError):
    status, code, message = 422, "validation_error", "输入校验失败 (validation failed)"


class TooManyRequests(AppError):
    status, code, message = 429, "too_many_attempts", "尝试次数过多，请稍后再试 (too many attempts)"


# Stable codes for the errors Flask/Werkzeug raise on its own.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


# The title and the default sentence of each browser error page; a Chinese message of the error
# itself replaces the sentence (werkzeug's own descriptions are English and never shown).
PAGE_TEXTS = {
    400: ("无法处理该请求", "页面信息不完整或已过期，请返回后重新操作。"),
    401: ("需要重新登录", "登录已失效，请重新打开页面。"),
    403: ("无法访问", "您没有权限查看此页面，或页面已过期，请刷新后重试。"),
    404: ("页面不存在", "您打开的页面不存在或已失效。请重新扫描装维人员工牌上的二维码。"),
    405: ("无法这样打开此页面", "请从首页或扫码重新进入。"),
    409: ("操作未完成", "当前状态不允许此操作，请刷新后查看。"),
    410: ("已失效", "您打开的内容已失效。"),
    413: ("内容过大", "上传的内容超过了大小限制。"),
    422: ("信息有误", "提交的信息未通过校验，请返回修改。"),
    429: ("操作过于频繁", "为保护您的账户安全，操作已暂时受限。"),
    500: ("系统繁忙", "很抱歉，系统出现了问题，请稍后再试。"),
    503: ("服务暂时不可用", "系统正在维护或繁忙，请稍后再试。"),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A bilingual message ends in its English twin: "已超过评价期限 (the rating window has closed)".
_ENGLISH_TAIL = re.compile(r"\s*[(（][^()（）\u4e00-\u9fff]*[)）]\s*$")


def chinese_only(message: str | None) -> str:
    """The Chinese half of a bilingual message ("" when it has none) — for customer pages."""
    text = _ENGLISH_TAIL.sub("", message or "").strip()
    return text if _CJK.search(text) else ""


def wait_minutes(seconds: int | float | None) -> int:
    """A wait as whole minutes for people (never "0 分钟")."""
    return max(1, math.ceil((seconds or 0) / 60))


def wants_html() -> bool:
    """A person's browser rather than a program: no API path, no credentials header, and an
    Accept that prefers HTML (browsers send one; HTTP clients and fetch() do not)."""
    if request.path.startswith("/api/") or "Authorization" in request.headers:
        return False
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _render(status: int, code: str, message: str, details: dict | None = None, headers=None):
    if wants_html():
        try:
            response = _page(status, message, details or {}, headers or {})
        except Exception:      # a broken page must not hide the error: answer it as JSON
            log.exception("error page failed to render")
        else:
            response.status_code = status
            for key, value in (headers or {}).items():
                response.headers[key] = value
            return response
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(status: int, message: str, details: dict, headers: dict):
    title, default = PAGE_TEXTS.get(status, PAGE_TEXTS[500 if status >= 500 else 400])
    wait = str(details.get("retry_after") or headers.get("Retry-After") or "")
    page = render_template(
        "errors/page.html", status=status, title=title,
        # A server error's message is never the customer's business; the reference is.
        text=(chinese_only(message) if status < 500 else "") or default,
        wait_minutes=wait_minutes(int(wait)) if status == 429 and wait.isdigit() else None,
        reference=g.get("request_id") if status >= 500 else None)
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(exc: AppError):
        return _render(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return _render(422, "validation_error", "输入校验失败 (validation failed)", {"fields": fields})

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status, "http_error")
        headers = {}
        if status == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return _render(status, code, exc.description or exc.name, headers=headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)            # psycopg: "the connection is closed"
    @app.errorhandler(DisconnectionError)
    def _database_unavailable(exc: Exception):
        # The database restarting, failing over or out of connections: nothing the caller did
        # wrong and nothing a traceback helps with; the pool reconnects (pool_pre_ping) once it
        # is back. A retry with the same Idempotency-Key is safe.
        log.warning("database unavailable", extra={"error": type(exc).__name__,
                                                   "detail": str(exc).splitlines()[0][:200]})
        return _render(503, "database_unavailable",
                       "数据库暂时不可用，请稍后重试 (database temporarily unavailable)",
                       {"request_id": g.get("request_id")}, headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        request_id = g.get("request_id")
        return _render(500, "internal_error", "服务器内部错误，请稍后重试 (internal error)",
                       {"request_id": request_id})
