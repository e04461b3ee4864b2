"""Customer account binding (SPEC flow 2) through the simulator."""
from __future__ import annotations

import re

import pytest

from app.identity.sms import get_sms_backend
from tests import factories
from tests.wechat_fixtures import login, phone_code


def _bind(client, headers, account_no, phone=None, sms=None):
    body = {"account_no": account_no}
    body.update({"phone_code": phone_code(phone)} if phone else {"sms_code": sms})
    return client.post("/api/v1/bindings", headers=headers, json=body)


def test_bind_by_phone_code_answers_masked(client, wechat):
    account = factories.account(account_no="03522000012", phone="13900001234",
                                address="城区营业部迎宾街12号3栋2单元1203室", holder_name="张三丰")
    _, headers = login(client, "alice")
    answer = _bind(client, headers, account.account_no, phone="13900001234")
    assert answer.status_code == 201
    body = answer.json
    assert body["account_no"] == "035****012"
    assert body["address"] == "城区营业部迎宾街****"
    assert body["holder_name"] == "张**"
    assert body["method"] == "phone_code"
    assert "13900001234" not in answer.get_data(as_text=True)
    listed = client.get("/api/v1/bindings", headers=headers).json["items"]
    assert [b["id"] for b in listed] == [body["id"]]


def test_wrong_phone_and_unknown_account_are_indistinguishable(client, wechat):
    account = factories.account(phone="13900005678")
    _, headers = login(client, "bob")
    wrong = _bind(client, headers, account.account_no, phone="13900000000")
    unknown = _bind(client, headers, "NO-SUCH-ACCOUNT", phone="13900005678")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json == unknown.json
    assert wrong.json["error"]["code"] == "verification_failed"
    assert wrong.headers.get("Retry-After") == unknown.headers.get("Retry-After")


def test_failures_are_rate_limited_per_user(app, client, wechat, monkeypatch):
    monkeypatch.setitem(app.config, "BIND_MAX_FAILURES_PER_USER", 3)
    account = factories.account(phone="13900001111")
    _, headers = login(client, "carol")
    for _ in range(3):
        assert _bind(client, headers, "UNKNOWN1", phone="13900001111").status_code == 403
    blocked = _bind(client, headers, account.account_no, phone="13900001111")  # right phone, too late
    assert blocked.status_code == 429
    assert blocked.json["error"]["code"] == "too_many_attempts"
    assert int(blocked.headers["Retry-After"]) > 0


def test_strangers_failures_do_not_lock_the_owner_out(app, client, wechat, monkeypatch):
    # Issue 17: 10 failed binds on an account from throwaway users used to make the owner's
    # correct phone proof answer 429 for an hour.
    monkeypatch.setitem(app.config, "BIND_MAX_FAILURES_PER_ACCOUNT", 2)
    account = factories.account(phone="13900002222")
    for who in ("d1", "d2", "d3", "d4"):
        _, headers = login(client, who)
        assert _bind(client, headers, account.account_no, phone="13900000000").status_code == 403
    _, owner = login(client, "owner")
    assert _bind(client, owner, account.account_no, phone="13900002222").status_code == 201


def _sms_code(client, headers, account_no) -> str:
    assert client.post("/api/v1/bindings/sms", headers=headers,
                       json={"account_no": account_no}).status_code == 202
    return re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)


def test_wrong_sms_codes_per_account_void_the_codes_not_the_account(app, client, wechat,
                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "BIND_MAX_FAILURES_PER_ACCOUNT", 3)
    # No resend wait here: the owner asks again at once (the 60 s wait has tests of its own).
    monkeypatch.setitem(app.config, "SMS_RESEND_SECONDS", 0)
    account = factories.account(phone="13900002233")
    _, owner = login(client, "code-owner")
    code = _sms_code(client, owner, account.account_no)
    wrong = "000000" if code != "000000" else "111111"
    for who in ("g1", "g2", "g3"):             # guessers, each with a code of their own
        _, headers = login(client, who)
        _sms_code(client, headers, account.account_no)
        assert _bind(client, headers, account.account_no, sms=wrong).status_code == 403
    # The owner's outstanding code was voided with everyone's …
    assert _bind(client, owner, account.account_no, sms=code).status_code == 403
    # … but the account is not locked: a new code works, and so does the WeChat phone proof.
    fresh = _sms_code(client, owner, account.account_no)
    assert _bind(client, owner, account.account_no, sms=fresh).status_code == 201
    _, spouse = login(client, "spouse")
    assert _bind(client, spouse, account.account_no, phone="13900002233").status_code == 201


def test_several_accounts_per_user_and_users_per_account_and_unbinding(client, wechat):
    home = factories.account(phone="13900003333")
    shop = factories.account(phone="13900004444")
    _, mum = login(client, "mum")
    _, son = login(client, "son")
    first = _bind(client, mum, home.account_no, phone="13900003333").json
    _bind(client, mum, shop.account_no, phone="13900004444")
    _bind(client, son, home.account_no, phone="13900003333")
    assert len(client.get("/api/v1/bindings", headers=mum).json["items"]) == 2
    assert len(client.get("/api/v1/bindings", headers=son).json["items"]) == 1
    # Someone else's binding looks exactly like a missing one.
    assert client.delete(f"/api/v1/bindings/{first['id']}", headers=son).status_code == 404
    assert client.delete(f"/api/v1/bindings/{first['id']}", headers=mum).status_code == 204
    assert len(client.get("/api/v1/bindings", headers=mum).json["items"]) == 1
    assert client.delete(f"/api/v1/bindings/{first['id']}", headers=mum).status_code == 404


def test_bind_by_sms_code(client, wechat):
    account = factories.account(phone="13900005555")
    _, headers = login(client, "erin")
    for account_no in (account.account_no, "NO-SUCH-ACCOUNT"):
        answer = client.post("/api/v1/bindings/sms", headers=headers, json={"account_no": account_no})
        assert answer.status_code == 202
    outbox = get_sms_backend().outbox
    assert [sms.phone for sms in outbox] == ["13900005555"]    # nothing for the unknown account
    code = re.search(r"验证码 (\d{6})", outbox[-1].text).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert _bind(client, headers, account.account_no, sms=wrong).status_code == 403
    bound = _bind(client, headers, account.account_no, sms=code)
    assert bound.status_code == 201 and bound.json["method"] == "sms"
    # Single use: the same code does not bind another user.
    _, other = login(client, "mallory")
    assert _bind(client, other, account.account_no, sms=code).status_code == 403


@pytest.mark.parametrize("body", [{"account_no": "A1"},
                                  {"account_no": "A1", "phone_code": "x", "sms_code": "123456"}])
def test_exactly_one_proof(client, wechat, body):
    _, headers = login(client, "frank")
    assert client.post("/api/v1/bindings", headers=headers, json=body).status_code == 422


def test_binding_needs_a_user_token(client, admin_headers):
    answer = client.get("/api/v1/bindings", headers=admin_headers)
    assert answer.status_code == 401
