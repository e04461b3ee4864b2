"""Issue 17: JSON errors from every failure path — gunicorn's own answers (a NUL byte in a header)
and a request whose session cleanup fails (PostgreSQL gone during the rollback)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.extensions import db
from tests.faults.conftest import closed_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_server(tmp_path):
    port = closed_port()
    env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": "x" * 40,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "WEB_CONCURRENCY": "1",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def _raw(port: int, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_a_nul_in_a_header_gets_a_json_400_from_gunicorn(gunicorn_server):
    status, headers, body = _raw(gunicorn_server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                                  b"X-Note: a\x00b\r\n\r\n")
    assert status == 400
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and set(error) == {"code", "message", "details"}


def test_the_served_app_still_answers(gunicorn_server):
    status, _, body = _raw(gunicorn_server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                            b"Connection: close\r\n\r\n")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_failing_session_cleanup_still_answers_json(app, client, monkeypatch):
    original = db.session.remove
    failures = {"left": 1}

    def remove():
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection"))
        original()

    monkeypatch.setattr(db.session, "remove", remove)
    answers = []
    # From a thread of its own, so the request gets (and tears down) an app context of its own.
    thread = threading.Thread(target=lambda: answers.append(client.get("/api/v1/rating-tags")))
    thread.start()
    thread.join(30)
    assert failures["left"] == 0                  # the cleanup did fail …
    assert answers[0].status_code == 200          # … and the answer stands, no HTML 500
    assert answers[0].get_json()["items"]
