"""The WeChat calls this app makes — nothing else talks to the platform.

Functions take plain values and return plain values; errors are app.wechat.errors types. URLs come
from WECHAT_API_BASE_URL / WECHAT_OPEN_BASE_URL, so the same code talks to the simulator.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app

from app.wechat.client import GatewayClient
from app.wechat.errors import WeChatError
from app.wechat.tokens import make_token_store

MP, OA = "mp", "oa"


@dataclass(frozen=True)
class CodeSession:
    """jscode2session: who a wx.login code stands for. session_key stays on the server."""
    openid: str
    session_key: str
    unionid: str | None


@dataclass(frozen=True)
class OAuthIdentity:
    openid: str
    unionid: str | None
    scope: str
    access_token: str


def _client(which: str) -> GatewayClient:
    app = current_app._get_current_object()
    clients = app.extensions.setdefault("wechat_clients", {})
    if which not in clients:
        store = app.extensions.get("wechat_token_store")
        if store is None:
            store = app.extensions["wechat_token_store"] = make_token_store(app)
        prefix = "WECHAT_MP_" if which == MP else "WECHAT_OA_"
        clients[which] = GatewayClient(
            app.config[prefix + "APPID"], app.config[prefix + "SECRET"],
            api_base_url=app.config["WECHAT_API_BASE_URL"], token_store=store,
            timeout=(app.config["WECHAT_CONNECT_TIMEOUT"], app.config["WECHAT_READ_TIMEOUT"]),
            max_token_retries=app.config["WECHAT_TOKEN_RETRIES"])
    client = clients[which]
    client.API_BASE_URL = app.config["WECHAT_API_BASE_URL"].rstrip("/") + "/"
    return client


def reset_clients(app) -> None:
    """Forget clients and token store (after the base URL or secrets change, e.g. in tests)."""
    app.extensions.pop("wechat_clients", None)
    app.extensions.pop("wechat_token_store", None)


# -- mini-program ---------------------------------------------------------------------------
def code_to_session(code: str) -> CodeSession:
    """Exchange a wx.login code (jscode2session)."""
    client = _client(MP)
    result = client._call("get", "sns/jscode2session", params={
        "appid": client.appid, "secret": client.secret, "js_code": code,
        "grant_type": "authorization_code"})
    return CodeSession(openid=result["openid"], session_key=result["session_key"],
                       unionid=result.get("unionid"))


def phone_number(code: str) -> str:
    """The phone number behind a getPhoneNumber code (getuserphonenumber), digits only."""
    result = _client(MP).post("wxa/business/getuserphonenumber", data={"code": code})
    return result["phone_info"]["purePhoneNumber"]


def wxa_code_unlimited(scene: str, *, page: str | None = None, width: int = 430,
                       check_path: bool = False) -> bytes:
    """A mini-program code image (getwxacodeunlimit) for `scene` (≤ 32 visible characters)."""
    data = {"scene": scene, "width": width, "check_path": check_path}
    if page:
        data["page"] = page
    result = _client(MP).post("wxa/getwxacodeunlimit", data=data)
    if isinstance(result, dict):   # WeChat answers JSON only when it refuses
        raise WeChatError(errcode=result.get("errcode"), errmsg=result.get("errmsg"))
    return result.content


def send_subscribe_message(openid: str, template_id: str, data: dict, *,
                           page: str | None = None) -> None:
    """A mini-program subscribe message (subscribeMessage.send)."""
    body = {"touser": openid, "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()}}
    if page:
        body["page"] = page
    _client(MP).post("cgi-bin/message/subscribe/send", data=body)


# -- official account -----------------------------------------------------------------------
def send_template_message(openid: str, template_id: str, data: dict, *,
                          url: str | None = None) -> int | None:
    body = {"touser": openid, "template_id": template_id,
            "data": {k: {"value": v} for k, v in data.items()}}
    if url:
        body["url"] = url
    return _client(OA).post("cgi-bin/message/template/send", data=body).get("msgid")


def oauth_authorize_url(redirect_uri: str, state: str, scope: str = "snsapi_base") -> str:
    """Where to send the browser for web OAuth (open.weixin.qq.com/connect/oauth2/authorize)."""
    base = current_app.config["WECHAT_OPEN_BASE_URL"].rstrip("/")
    query = urlencode({"appid": current_app.config["WECHAT_OA_APPID"], "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": scope, "state": state})
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def oauth_exchange(code: str) -> OAuthIdentity:
    """Exchange a web-OAuth code (sns/oauth2/access_token)."""
    client = _client(OA)
    result = client._call("get", "sns/oauth2/access_token", params={
        "appid": client.appid, "secret": client.secret, "code": code,
        "grant_type": "authorization_code"})
    return OAuthIdentity(openid=result["openid"], unionid=result.get("unionid"),
                         scope=result.get("scope", ""), access_token=result["access_token"])
