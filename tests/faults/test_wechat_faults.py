"""WeChat slow or refusing: bounded waits and retries, a clear 503 with Retry-After."""
from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from app.wechat.gateway import reset_clients
from tests import factories
from tests.wechat_fixtures import demo_code, login, phone_code


def _outcomes(endpoint: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("rating_wechat_calls_total",
                                     {"endpoint": endpoint, "outcome": outcome}) or 0


@pytest.fixture
def short_timeouts(app, wechat, monkeypatch):
    monkeypatch.setitem(app.config, "WECHAT_READ_TIMEOUT", 1.0)
    reset_clients(app)
    yield wechat
    reset_clients(app)


def test_a_slow_platform_costs_one_read_timeout_then_recovers(client, short_timeouts):
    sim = short_timeouts
    sim.post("/__sim/faults", path="sns/jscode2session", delay=3, times=1)
    before = _outcomes("sns/jscode2session", "timeout")
    started = time.monotonic()
    slow = client.post("/api/v1/auth/login", json={"code": demo_code("slowpoke")})
    elapsed = time.monotonic() - started
    assert slow.status_code == 503
    assert slow.json["error"]["code"] == "wechat_unavailable"
    assert slow.headers["Retry-After"] == "5"
    assert elapsed < 2.5, elapsed          # the read timeout (1 s), not the platform's 3 s
    assert _outcomes("sns/jscode2session", "timeout") == before + 1
    again = client.post("/api/v1/auth/login", json={"code": demo_code("slowpoke")})
    assert again.status_code == 200


@pytest.mark.parametrize("errcode, code, retry_after", [
    (-1, "wechat_busy", "2"),
    (45011, "wechat_rate_limited", "60"),
])
def test_busy_or_throttled_login_is_a_503_without_a_retry_storm(client, wechat, errcode, code,
                                                                retry_after):
    wechat.post("/__sim/faults", path="sns/jscode2session", errcode=errcode, times=1)
    calls = wechat.calls("sns/jscode2session")
    answer = client.post("/api/v1/auth/login", json={"code": demo_code("busy")})
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == code
    assert answer.json["error"]["details"]["errcode"] == errcode
    assert answer.headers["Retry-After"] == retry_after
    # The code is single-use: we do not retry it ourselves; the client retries after Retry-After.
    assert wechat.calls("sns/jscode2session") == calls + 1


def test_a_token_the_platform_keeps_rejecting_is_retried_a_bounded_number_of_times(
        app, client, wechat):
    account = factories.account(phone="13900006666")
    _, headers = login(client, "token-trouble")
    wechat.post("/__sim/faults", path="wxa/business/getuserphonenumber", errcode=40001, times=50)
    calls = wechat.calls("wxa/business/getuserphonenumber")
    started = time.monotonic()
    answer = client.post("/api/v1/bindings", headers=headers,
                         json={"account_no": account.account_no,
                               "phone_code": phone_code("13900006666")})
    assert answer.status_code == 503
    assert answer.json["error"]["code"] == "wechat_token_expired"
    assert "Retry-After" in answer.headers
    assert wechat.calls("wxa/business/getuserphonenumber") - calls == \
        1 + app.config["WECHAT_TOKEN_RETRIES"]
    assert time.monotonic() - started < 10


def test_busy_phone_lookup_during_binding_is_a_503_not_a_failed_proof(client, wechat):
    account = factories.account(phone="13900005555")
    _, headers = login(client, "busy-binding")
    wechat.post("/__sim/faults", path="wxa/business/getuserphonenumber", errcode=-1, times=1)
    answer = client.post("/api/v1/bindings", headers=headers,
                         json={"account_no": account.account_no,
                               "phone_code": phone_code("13900005555")})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
    retried = client.post("/api/v1/bindings", headers=headers,
                          json={"account_no": account.account_no,
                                "phone_code": phone_code("13900005555")})
    assert retried.status_code == 201
