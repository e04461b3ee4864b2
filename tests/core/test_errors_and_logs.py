"""One JSON error format everywhere; a request id on every response and log line."""
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import create_app


def assert_error_shape(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


def test_unknown_url_is_json_404(client):
    assert_error_shape(client.get("/no/such/page"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/healthz")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def crashing_app(tmp_path):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "SECRET_KEY": "x", "TESTING": False, "ACCESS_LOG_FLUSH_MS": 0})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    return app


def test_unexpected_error_is_generic_500_with_request_id(capfd, crashing_app):
    response = crashing_app.test_client().get("/boom", headers={"X-Request-ID": "req-123"})
    assert_error_shape(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.json["error"]["details"]["request_id"] == "req-123"
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines()
              if line.startswith("{")]
    crash = [entry for entry in logged if entry["msg"] == "unhandled error"]
    assert crash and crash[0]["request_id"] == "req-123" and "hunter2" in crash[0]["exc"]


def test_request_id_is_echoed_or_made(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-DEF_1.2"})
    assert echoed.headers["X-Request-ID"] == "abc-DEF_1.2"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32
    other = client.get("/healthz")
    assert other.headers["X-Request-ID"] != made.headers["X-Request-ID"]


def test_access_log_is_structured_json_with_request_id(capfd, crashing_app):
    crashing_app.test_client().get("/healthz", headers={"X-Request-ID": "trace-9"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()
             if line.startswith("{")]
    access = [entry for entry in lines if entry["logger"] == "app.access"]
    assert access[-1]["request_id"] == "trace-9"
    assert access[-1]["path"] == "/healthz" and access[-1]["status"] == 200
    assert isinstance(access[-1]["duration_ms"], float)


def _access_lines(capfd) -> list[dict]:
    return [entry for entry in (json.loads(line) for line in capfd.readouterr().err.splitlines()
                                if line.startswith("{")) if entry["logger"] == "app.access"]


def test_batched_access_lines_are_written_within_their_delay(capfd, tmp_path):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "SECRET_KEY": "x", "ACCESS_LOG_FLUSH_MS": 100})
    client = app.test_client()
    for n in range(3):
        client.get("/healthz", headers={"X-Request-ID": f"batch-{n}"})
    seen, deadline = [], time.monotonic() + 10      # a bound for a busy machine, not a target
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        seen += _access_lines(capfd)
    assert [entry["request_id"] for entry in seen] == ["batch-0", "batch-1", "batch-2"]


def test_access_lines_still_waiting_are_written_when_the_process_exits(tmp_path):
    script = f"""
import sys
from app import create_app
app = create_app({{"APP_ENV": "testing", "DATABASE_URL": "sqlite:///{tmp_path}/x.db",
                  "SECRET_KEY": "x", "ACCESS_LOG_FLUSH_MS": 600000}})
app.test_client().get("/healthz", headers={{"X-Request-ID": "last-words"}})
sys.exit(0)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=str(Path(__file__).parents[2]))
    assert done.returncode == 0, done.stderr
    assert '"request_id": "last-words"' in done.stderr


@pytest.mark.parametrize("fields", [
    {"method": "GET", "path": "/b/ABC.png", "status": 200, "duration_ms": 0.31,
     "remote_addr": "127.0.0.1"},
    {"method": "POST", "path": '/路径/"quoted"\\back\nline\t\x7f😀', "status": 422,
     "duration_ms": None, "remote_addr": None},
    {"method": "GET", "path": "/", "status": 500, "duration_ms": float("nan"),
     "remote_addr": "::1", "flag": True, "count": 10**20, "big": 1e300, "other": object},
])
def test_access_line_is_the_json_the_formatter_would_write(fields):
    from app.logs import _access_line
    line = _access_line("rid-1", fields)
    entry = json.loads(line)
    expected = {"ts": entry["ts"], "level": "info", "logger": "app.access", "msg": "request",
                "request_id": "rid-1", **fields}
    assert line == json.dumps(expected, ensure_ascii=False, default=str)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["ts"])
