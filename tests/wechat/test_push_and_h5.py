"""The official-account push URL (plain and AES, signatures, duplicates) and H5 web-OAuth login."""
from __future__ import annotations

import time

import pytest
import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from app.wechat.simulator.push import build_push, echo_params, scan_event_xml


def _push(client, app, *, event="subscribe", scene="b:AbC123xyz", encrypt=False, token=None,
          create_time=None):
    cfg = app.config
    xml = scan_event_xml(oa_original_id="gh_demo_official", openid="ooa_alice", event=event,
                         scene=scene, create_time=create_time or int(time.time() * 1000) % 10**9)
    request = build_push(xml, token=token or cfg["WECHAT_OA_TOKEN"], openid="ooa_alice",
                         aes_key=cfg["WECHAT_OA_AES_KEY"] if encrypt else None,
                         appid=cfg["WECHAT_OA_APPID"])
    return client.post("/wechat/push", query_string=request.params, data=request.body,
                       content_type="text/xml")


def test_echostr_verification(client, app):
    params = echo_params(app.config["WECHAT_OA_TOKEN"], "hello123")
    assert client.get("/wechat/push", query_string=params).get_data(as_text=True) == "hello123"
    params["signature"] = "0" * 40
    assert client.get("/wechat/push", query_string=params).status_code == 403


def test_plain_subscribe_from_a_badge_qr_replies_with_the_rating_link(client, app):
    answer = _push(client, app, event="subscribe", scene="b:AbC123xyz")
    assert answer.status_code == 200
    reply = xmltodict.parse(answer.get_data(as_text=True))["xml"]
    assert reply["ToUserName"] == "ooa_alice" and reply["MsgType"] == "text"
    assert "http://rating.test/b/AbC123xyz" in reply["Content"]


def test_encrypted_scan_gets_an_encrypted_reply(client, app):
    cfg = app.config
    answer = _push(client, app, event="SCAN", scene="b:Tok_987", encrypt=True)
    assert answer.status_code == 200
    outer = xmltodict.parse(answer.get_data(as_text=True))["xml"]
    crypto = WeChatCrypto(cfg["WECHAT_OA_TOKEN"], cfg["WECHAT_OA_AES_KEY"], cfg["WECHAT_OA_APPID"])
    inner = crypto.decrypt_message(answer.get_data(as_text=True), outer["MsgSignature"],
                                   outer["TimeStamp"], outer["Nonce"])
    assert "/b/Tok_987" in xmltodict.parse(inner)["xml"]["Content"]


def test_bad_signatures_are_refused(client, app):
    assert _push(client, app, token="forged-token").status_code == 403
    assert _push(client, app, token="forged-token", encrypt=True).status_code == 403


def test_duplicates_and_other_events_get_success(client, app):
    first = _push(client, app, create_time=1700000001)
    again = _push(client, app, create_time=1700000001)
    assert "<xml>" in first.get_data(as_text=True)
    assert again.get_data(as_text=True) == "success"
    assert _push(client, app, scene="", create_time=1700000002).get_data(as_text=True) == "success"
    assert _push(client, app, scene="other:1", create_time=1700000003).get_data(as_text=True) \
        == "success"


def test_h5_login_through_web_oauth(client, wechat):
    start = client.get("/h5/login?next=/h5/me")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(wechat.base_url + "/connect/oauth2/authorize")
    assert "scope=snsapi_base" in authorize
    back = requests.get(authorize.split("#")[0], cookies={"sim_user": "grace"},
                        allow_redirects=False, timeout=5).headers["Location"]
    assert back.startswith("http://rating.test/h5/oauth/callback?")
    done = client.get(back.replace("http://rating.test", ""))
    assert done.status_code == 302 and done.headers["Location"] == "/h5/me"
    assert "已通过微信登录" in client.get("/h5/me").get_data(as_text=True)


def test_h5_callback_checks_state(client, wechat):
    client.get("/h5/login")
    code = wechat.mint(kind="oauth", who="eve")
    forged = client.get(f"/h5/oauth/callback?code={code}&state=not-the-state")
    assert forged.status_code == 400
    assert client.get("/h5/me").status_code == 302   # still not logged in


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0d%0aevil.example", "/%5Cevil.example",
                                    "//evil.example/", "https:/evil.example"])
def test_sign_in_never_redirects_off_site(client, wechat, target):
    # Issue 17: `GET /h5/login?next=/%09/evil.example` → after OAuth `Location: //evil.example`.
    start = client.get(f"/h5/login?next={target}")
    authorize = start.headers["Location"]
    back = requests.get(authorize.split("#")[0], cookies={"sim_user": "grace"},
                        allow_redirects=False, timeout=5).headers["Location"]
    done = client.get(back.replace("http://rating.test", ""))
    assert done.status_code == 302 and done.headers["Location"] == "/h5/me"


def test_open_redirect_is_refused(client, wechat):
    client.get("/h5/login?next=//evil.example/")
    # the stored target fell back to our own page
    with client.session_transaction() as session:
        assert session["wx_oauth_next"] == "/h5/me"


def test_every_identity_call_is_in_openapi(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/technician/bind", "/api/v1/bindings",
                 "/api/v1/bindings/sms", "/api/v1/bindings/{binding_id}"):
        assert path in paths
    assert paths["/api/v1/bindings"]["post"]["security"] == [{"user_token": []}]
