"""gunicorn glue: a sync worker whose own error answers are JSON like the app's.

gunicorn answers some requests before the app sees them — a header with a NUL byte, a request
line too long — and answers 500 itself when a request fails outside the app's error handlers.
Its answers are HTML; API callers get `{"error": {"code", "message", "details"}}` from us for
everything else, so they get it here too. `gunicorn.conf.py` selects this worker.
"""
from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed",
          431: "headers_too_large", 500: "internal_error", 501: "not_implemented"}
_MESSAGES = {400: "请求格式有误 (malformed request)", 500: "服务器内部错误，请稍后重试 (internal error)"}


def json_error_response(status: int, reason: str, message: str) -> bytes:
    """The raw HTTP response gunicorn writes for an error of its own, as our JSON error."""
    body = json.dumps({"error": {
        "code": _CODES.get(status, "http_error"),
        "message": _MESSAGES.get(status, reason),
        # gunicorn's own text names the bad header or line; nothing internal for a 500.
        "details": {"reason": message[:200]} if status < 500 and message else {},
    }}, ensure_ascii=False).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def _write_json_error(sock, status_int, reason, mesg) -> None:
    util.write_nonblock(sock, json_error_response(int(status_int), reason, mesg))


class JsonErrorSyncWorker(SyncWorker):
    def handle_error(self, req, client, addr, exc):
        # gunicorn builds its answer in `util.write_error`; a sync worker handles one request
        # at a time, so swapping it for the call is safe.
        original, util.write_error = util.write_error, _write_json_error
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            util.write_error = original
