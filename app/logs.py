"""Structured logs with a request id on every line and every response.

A caller may send `X-Request-ID` (letters, digits, `-_.`, at most 64 characters) so one id follows a
request through the reverse proxy and our logs; otherwise we make one.
"""
from __future__ import annotations

import atexit
import json
import logging
import math
import os
import random
import re
import sys
import threading
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

from app.metrics import observe_request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("app.access")
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        entry.update({k: v for k, v in vars(record).items()
                      if k not in _RESERVED and k != "request_id"})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)



class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of the log call (servers and test runners
    replace it after start-up)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass

    def write_line(self, line: str) -> None:
        """A line formatted by the caller, written as `emit` would (same lock, same stream)."""
        self.write_lines([line])

    def write_lines(self, lines: list[str]) -> None:
        with self.lock:
            stream = sys.stderr
            stream.write("".join(line + self.terminator for line in lines))
            stream.flush()


class BufferedLines:
    """Access lines handed to the handler in batches, each at most `delay` seconds after it was
    made (and at once when `size` are waiting, or when the process exits).

    Every write to stderr is a system call that lets go of the interpreter lock; in a threaded
    worker under load each one then waits for the lock again behind the other threads, which made
    one access line cost more than serving a cached badge QR image (bench/badge_qr_serving.py).
    A quiet process still writes within `delay`: a small thread of its own flushes, started in
    each process on its first line (a preloaded master forks workers without it).
    """

    def __init__(self, handler: StderrHandler, *, delay: float, size: int = 256):
        self.handler, self.delay, self.size = handler, delay, size
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.flushing = False
        atexit.register(self.flush)
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        # The child has no flusher thread (threads do not survive a fork) and must not write
        # the parent's lines a second time.
        self.lock = threading.Lock()
        self.lines, self.flushing = [], False

    def add(self, line: str) -> None:
        with self.lock:
            self.lines.append(line)
            full = len(self.lines) >= self.size
            start, self.flushing = not self.flushing, True
        if start:
            threading.Thread(target=self._flush_every_delay, name="access-log-flush",
                             daemon=True).start()
        if full:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            lines, self.lines = self.lines, []
        if lines:
            self.handler.write_lines(lines)

    def _flush_every_delay(self) -> None:
        while True:
            time.sleep(self.delay)
            self.flush()


def _access_line(request_id, fields: dict) -> str:
    """The access log entry exactly as JsonFormatter writes it, without a LogRecord: built for
    every request, it was a fifth of the cost of serving a cached badge QR image. The fields are
    written by hand in json.dumps' own format (strings through its C encoder), the timestamp's
    seconds formatted once per second."""
    parts = [f'{{"ts": "{_timestamp(time.time())}", "level": "info", "logger": "{access_log.name}", '
             f'"msg": "request", "request_id": {_json_value(request_id)}']
    for key, value in fields.items():
        parts.append(f'"{key}": {_json_value(value)}')
    return ", ".join(parts) + "}"


def _json_value(value) -> str:
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    if isinstance(value, float):
        return json.dumps(value)
    return _encode_string(str(value))        # default=str, as JsonFormatter


_encode_string = json.encoder.encode_basestring     # ensure_ascii=False, C-accelerated
_stamp: tuple[int, str] = (0, "")


def _timestamp(now: float) -> str:
    """`now` as ISO 8601 UTC with milliseconds, like JsonFormatter's `ts`."""
    global _stamp
    second, text = _stamp
    if second != int(now):
        second = int(now)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _stamp = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}Z"


def init_logging(app: Flask) -> None:
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())
    # JSON access lines skip the logging machinery when nothing else listens on the access log.
    fast_access = None
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
        fast_access = handler
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    # Batched only where they are written directly (the text format goes through logging).
    delay = app.config["ACCESS_LOG_FLUSH_MS"] / 1000
    write_access = handler.write_line
    if fast_access is not None and delay > 0:
        write_access = BufferedLines(handler, delay=delay).add
    root = logging.getLogger("app")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False

    @app.before_request
    def _assign_request_id():
        context, environ = g._get_current_object(), request.environ
        incoming = environ.get(_REQUEST_ID_ENVIRON, "")
        # Not secret, only unique: drawn without a system call (the random module reseeds in
        # every forked worker, so workers do not repeat each other's ids).
        context.request_id = (incoming if _VALID_ID.match(incoming)
                              else f"{random.getrandbits(128):032x}")
        context.request_started = time.perf_counter()

    @app.after_request
    def _record_request(response):
        """Every answered request: its id on the response, its access line, its metrics."""
        context, req = g._get_current_object(), request._get_current_object()
        request_id = context.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = context.get("request_started")     # None if the hooks never ran
        seconds = time.perf_counter() - started if started is not None else None
        if seconds is not None:
            observe_request(req.endpoint, req.method, response.status_code, seconds)
        if not access_log.isEnabledFor(logging.INFO):
            return response
        fields = {"method": req.method, "path": req.path, "status": response.status_code,
                  "duration_ms": round(seconds * 1000, 2) if seconds is not None else None,
                  "remote_addr": req.remote_addr}
        if fast_access is not None and not access_log.handlers and access_log.propagate \
                and root.handlers == [fast_access]:
            write_access(_access_line(request_id, fields))
        else:
            access_log.info("request", extra=fields)
        return response
