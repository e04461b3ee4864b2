"""Domain errors and the one JSON error renderer.

Every error the service answers has the SPEC shape
`{"error": {"code": "snake_case_code", "message": "...", "details": {...}}}`.
Services raise the classes below; Flask's own HTTP errors and marshmallow's ValidationError are
rendered the same way; anything else is logged with the request id and answered with a generic 500.
"""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify
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


class ServiceUnavailable(AppError):
    status, code, message = 503, "service_unavailable", "服务暂时不可用 (service unavailable)"


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


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _render(status: int, code: str, message: str, details: dict | None = None, headers=None):
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
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
