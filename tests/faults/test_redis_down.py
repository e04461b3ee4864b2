"""Redis down: login, binding and rate limits keep working on their database fallbacks; /readyz
says "degraded" (still 200: the database is what makes a server ready); a warning is logged."""
from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from app.wechat.gateway import reset_clients
from tests import factories
from tests.faults.conftest import closed_port
from tests.wechat_fixtures import login, phone_code


@pytest.fixture
def redis_down(app, wechat):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    app.config["REDIS_URL"] = url
    app.extensions.pop("rate_limiter", None)
    reset_clients(app)
    yield url
    app.config["REDIS_URL"] = None
    app.extensions.pop("rate_limiter", None)
    reset_clients(app)


def _fallbacks(component: str) -> float:
    return REGISTRY.get_sample_value("rating_redis_fallbacks_total", {"component": component}) or 0


def test_login_and_binding_answer_while_redis_is_down(client, redis_down, capsys):
    account = factories.account(phone="13900007777")
    before = _fallbacks("rate_limiter") + _fallbacks("wechat_token_store")
    started = time.monotonic()
    _, headers = login(client, "redis-outage")
    # getuserphonenumber needs the access token, whose shared store is Redis: the database
    # (or memory on SQLite) stands in.
    answer = client.post("/api/v1/bindings", headers=headers,
                         json={"account_no": account.account_no,
                               "phone_code": phone_code("13900007777")})
    assert answer.status_code == 201, answer.json
    assert time.monotonic() - started < 10       # no Redis timeout paid per call
    logged = capsys.readouterr().err
    assert "redis unavailable" in logged
    # The counters are the process's: this test's calls must have added to them.
    assert _fallbacks("rate_limiter") + _fallbacks("wechat_token_store") > before


def test_rate_limits_still_hold_on_the_database(app, client, redis_down, monkeypatch):
    monkeypatch.setitem(app.config, "BIND_MAX_FAILURES_PER_USER", 2)
    before = _fallbacks("rate_limiter")
    account = factories.account(phone="13900008888")
    _, headers = login(client, "redis-outage-2")
    for _ in range(2):
        wrong = client.post("/api/v1/bindings", headers=headers,
                            json={"account_no": "NOPE", "phone_code": phone_code("13900008888")})
        assert wrong.status_code == 403
    blocked = client.post("/api/v1/bindings", headers=headers,
                          json={"account_no": account.account_no,
                                "phone_code": phone_code("13900008888")})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert _fallbacks("rate_limiter") > before


def test_readyz_reports_redis_unavailable_but_stays_ready(client, redis_down, capsys):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded",
                             "checks": {"database": "ok", "redis": "unavailable"}}
    assert "redis unavailable" in capsys.readouterr().err
