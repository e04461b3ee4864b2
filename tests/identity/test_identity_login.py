"""POST /api/v1/auth/login through the simulator, and what a user token is worth afterwards."""
from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer

from app.identity import tokens
from tests import factories
from tests.wechat_fixtures import demo_code, login


def test_login_returns_a_working_customer_token(client, wechat):
    response = client.post("/api/v1/auth/login", json={"code": demo_code("alice")})
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"token", "expires_in", "role"} and body["role"] == "customer"
    assert "session_key" not in response.get_data(as_text=True)
    listed = client.get("/api/v1/bindings", headers={"Authorization": f"Bearer {body['token']}"})
    assert listed.status_code == 200 and listed.json == {"items": []}


def test_login_errors_are_clear(client, wechat):
    bad = client.post("/api/v1/auth/login", json={"code": "nonsense"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "wechat_code_invalid"
    code = demo_code("bob")
    assert client.post("/api/v1/auth/login", json={"code": code}).status_code == 200
    reused = client.post("/api/v1/auth/login", json={"code": code})
    assert reused.json["error"]["details"]["errcode"] == 40163
    wechat.post("/__sim/faults", path="sns/jscode2session", errcode=45011)
    limited = client.post("/api/v1/auth/login", json={"code": demo_code("bob")})
    assert limited.status_code == 503 and limited.headers["Retry-After"] == "60"
    assert limited.json["error"]["code"] == "wechat_rate_limited"
    missing = client.post("/api/v1/auth/login", json={})
    assert missing.status_code == 422


def test_forged_expired_and_revoked_tokens_get_401(app, client, wechat):
    token, headers = login(client, "erin")
    forged = tokens.PREFIX + URLSafeTimedSerializer("not-our-key", salt=tokens.SALT).dumps([1, 0])
    for bad in (forged, token[:-2] + "xx", "garbage"):
        answer = client.get("/api/v1/bindings", headers={"Authorization": f"Bearer {bad}"})
        assert answer.status_code == 401 and answer.json["error"]["code"] == "invalid_token"
    app.config["USER_TOKEN_TTL"], ttl = -1, app.config["USER_TOKEN_TTL"]
    try:
        assert client.get("/api/v1/bindings", headers=headers).status_code == 401
    finally:
        app.config["USER_TOKEN_TTL"] = ttl
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/bindings", headers=headers).status_code == 401


def test_same_person_logs_in_to_the_same_user(client, wechat):
    token1, _ = login(client, "frank")
    token2, _ = login(client, "frank")
    assert tokens.read_token("test-secret-key-not-for-production", token1, 60)[0] == \
        tokens.read_token("test-secret-key-not-for-production", token2, 60)[0]


def test_technician_role_after_binding(client, wechat):
    tech = factories.technician(phone="13912340001")
    _, headers = login(client, "tina")
    bound = client.post("/api/v1/technician/bind", headers=headers,
                        json={"employee_no": tech.employee_no, "phone_code": "phone:13912340001"})
    assert bound.status_code == 200
    again = client.post("/api/v1/auth/login", json={"code": demo_code("tina")})
    assert again.json["role"] == "technician"
