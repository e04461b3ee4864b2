"""The WeChat platform endpoints the app calls, with the real request, response and error shapes."""
from __future__ import annotations

import io
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

import qrcode
from flask import Blueprint, Response, current_app, jsonify, redirect, request

from app.wechat.simulator.state import State

api = Blueprint("sim_api", __name__)
open_bp = Blueprint("sim_open", __name__)

ERRMSG = {
    -1: "system error", 40001: "invalid credential, access_token is invalid or not latest",
    40013: "invalid appid", 40029: "invalid code", 40125: "invalid appsecret",
    40163: "code been used", 40169: "invalid length for scene, or the data is not json string",
    41001: "access_token missing", 41002: "appid missing", 41008: "missing code",
    42001: "access_token expired", 45011: "api minute-quota reach limit  mustslower  retry next minute",
    47001: "data format error", 48001: "api unauthorized", 40097: "invalid args",
}
# getwxacodeunlimit: at most 32 visible characters from this set.
SCENE_RE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")


def state() -> State:
    return current_app.config["SIM_STATE"]


def error(errcode: int, errmsg: str | None = None):
    rid = secrets.token_hex(4) + "-" + secrets.token_hex(6)
    return jsonify(errcode=errcode, errmsg=f"{errmsg or ERRMSG.get(errcode, 'error')} rid: {rid}")


def _fault():
    fault = state().next_fault(request.path.strip("/"))
    if fault and fault.delay:
        time.sleep(fault.delay)
    return error(fault.errcode, fault.errmsg) if fault and fault.errcode is not None else None


def _app_secret_error(appid: str | None, secret: str | None):
    if not appid:
        return error(41002)
    app = state().apps.get(appid)
    if app is None:
        return error(40013)
    if secret != app.secret:
        return error(40125)
    return None


def _token_app():
    """(appid, None) for a valid access_token, else (None, error response)."""
    token = request.args.get("access_token")
    if not token:
        return None, error(41001)
    appid, errcode = state().check_token(token)
    return (appid, None) if appid else (None, error(errcode))


@api.get("/cgi-bin/token")
def token():
    if (resp := _fault()) is not None:
        return resp
    appid = request.args.get("appid")
    if (resp := _app_secret_error(appid, request.args.get("secret"))) is not None:
        return resp
    return jsonify(access_token=state().issue_token(appid), expires_in=7200)


@api.get("/sns/jscode2session")
def jscode2session():
    if (resp := _fault()) is not None:
        return resp
    appid = request.args.get("appid")
    if (resp := _app_secret_error(appid, request.args.get("secret"))) is not None:
        return resp
    if not request.args.get("js_code"):
        return error(41008)
    code, errcode = state().take_code(request.args["js_code"], "login", appid)
    if code is None:
        return error(errcode)
    body = {"openid": code.openid, "session_key": secrets.token_urlsafe(16)}
    if code.unionid:
        body["unionid"] = code.unionid
    return jsonify(body)


@api.post("/wxa/business/getuserphonenumber")
def getuserphonenumber():
    appid, resp = _token_app()
    if resp is not None or (resp := _fault()) is not None:
        return resp
    payload = request.get_json(force=True, silent=True) or {}
    if not payload.get("code"):
        return error(47001)
    code, errcode = state().take_code(payload["code"], "phone", appid)
    if code is None:
        return error(errcode)
    return jsonify(errcode=0, errmsg="ok", phone_info={
        "phoneNumber": code.phone, "purePhoneNumber": code.phone, "countryCode": "86",
        "watermark": {"timestamp": int(state().now()), "appid": appid}})


@api.post("/wxa/getwxacodeunlimit")
def getwxacodeunlimit():
    _appid, resp = _token_app()
    if resp is not None or (resp := _fault()) is not None:
        return resp
    payload = request.get_json(force=True, silent=True) or {}
    scene = payload.get("scene")
    if not isinstance(scene, str) or not SCENE_RE.match(scene):
        return error(40169)
    image = qrcode.make(f"wxacode:{payload.get('page', '')}?scene={scene}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png")


@api.post("/cgi-bin/qrcode/create")
def qrcode_create():
    _appid, resp = _token_app()
    if resp is not None or (resp := _fault()) is not None:
        return resp
    payload = request.get_json(force=True, silent=True) or {}
    scene = ((payload.get("action_info") or {}).get("scene") or {})
    scene_str = scene.get("scene_str") or (str(scene["scene_id"]) if "scene_id" in scene else "")
    if payload.get("action_name") not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE",
                                          "QR_LIMIT_STR_SCENE") or not 1 <= len(scene_str) <= 64:
        return error(40097)
    ticket = "gQ" + secrets.token_urlsafe(30)
    with state().lock:
        state().tickets[ticket] = scene_str
    body = {"ticket": ticket, "url": f"http://weixin.qq.com/q/{secrets.token_urlsafe(16)}"}
    if payload["action_name"] in ("QR_SCENE", "QR_STR_SCENE"):
        body["expire_seconds"] = int(payload.get("expire_seconds") or 60)
    return jsonify(body)


def _record_message(kind: str):
    appid, resp = _token_app()
    if resp is not None or (resp := _fault()) is not None:
        return resp
    payload = request.get_json(force=True, silent=True) or {}
    if not payload.get("touser") or not payload.get("template_id"):
        return error(47001)
    with state().lock:
        state().messages.append({"kind": kind, "appid": appid, **payload})
        msgid = len(state().messages)
    return jsonify(errcode=0, errmsg="ok", msgid=msgid)


@api.post("/cgi-bin/message/subscribe/send")
def subscribe_send():
    return _record_message("subscribe")


@api.post("/cgi-bin/message/template/send")
def template_send():
    return _record_message("template")


@api.get("/cgi-bin/user/info")
def user_info():
    appid, resp = _token_app()
    if resp is not None or (resp := _fault()) is not None:
        return resp
    openid = request.args.get("openid", "")
    who = openid.split("_", 1)[-1]
    return jsonify(subscribe=1, openid=openid, language="zh_CN", subscribe_time=int(state().now()),
                   unionid=state().unionid_for(who), remark="", groupid=0, tagid_list=[],
                   subscribe_scene="ADD_SCENE_QR_CODE", qr_scene=0, qr_scene_str="")


@api.get("/sns/oauth2/access_token")
def oauth_access_token():
    if (resp := _fault()) is not None:
        return resp
    appid = request.args.get("appid")
    if (resp := _app_secret_error(appid, request.args.get("secret"))) is not None:
        return resp
    code, errcode = state().take_code(request.args.get("code", ""), "oauth", appid)
    if code is None:
        return error(errcode)
    token = "simsns_" + secrets.token_urlsafe(24)
    with state().lock:
        state().oauth_tokens[token] = (code.openid, code.scope, code.unionid, state().now() + 7200)
    body = {"access_token": token, "expires_in": 7200, "refresh_token": "simref_" + token[7:],
            "openid": code.openid, "scope": code.scope, "is_snapshotuser": 0}
    if code.unionid:
        body["unionid"] = code.unionid
    return jsonify(body)


@api.get("/sns/userinfo")
def sns_userinfo():
    entry = state().oauth_tokens.get(request.args.get("access_token", ""))
    if entry is None:
        return error(40001)
    openid, scope, unionid, expires = entry
    if expires <= state().now():
        return error(42001)
    if scope != "snsapi_userinfo":
        return error(48001)
    who = openid.split("_", 1)[-1]
    return jsonify(openid=openid, nickname=f"演示用户 {who}", sex=0, province="", city="",
                   country="", headimgurl="", privilege=[], unionid=unionid)


@open_bp.get("/connect/oauth2/authorize")
def oauth_authorize():
    """WeChat's web OAuth: snsapi_base redirects straight back with a code, like the real one.

    Which demo person is "in WeChat" comes from `sim_user` (query or cookie), default `h5demo`.
    """
    args = request.args
    appid, redirect_uri, scope = args.get("appid"), args.get("redirect_uri"), args.get("scope")
    if appid not in state().apps or state().apps[appid].tag != "oa":
        return Response("appid 参数错误 (invalid appid)", status=400)
    if not redirect_uri or args.get("response_type") != "code" or \
            scope not in ("snsapi_base", "snsapi_userinfo"):
        return Response("redirect_uri / response_type / scope 参数错误", status=400)
    who = args.get("sim_user") or request.cookies.get("sim_user") or "h5demo"
    code = state().mint(kind="oauth", appid=appid, openid=state().openid_for(appid, who),
                        unionid=state().unionid_for(who), scope=scope)
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query) + [("code", code), ("state", args.get("state", ""))]
    return redirect(urlunsplit(parts._replace(query=urlencode(query))), code=302)


