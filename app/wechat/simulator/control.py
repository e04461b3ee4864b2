"""`/__sim/…`: what the real platform has no API for — minting codes, moving the clock, injecting
errors, expiring tokens, reading sent messages, and pushing official-account events to the app."""
from __future__ import annotations

import requests
import xmltodict
from flask import Blueprint, current_app, jsonify, render_template_string, request
from wechatpy.crypto import WeChatCrypto

from app.wechat.simulator.platform import ERRMSG, state
from app.wechat.simulator.push import build_push, scan_event_xml
from app.wechat.simulator.state import CODE_TTL

bp = Blueprint("sim_control", __name__, url_prefix="/__sim")


def _body() -> dict:
    return request.get_json(silent=True) or {}


@bp.post("/codes")
def mint_code():
    """{"kind": "login"|"phone"|"oauth", "who" or "openid"/"unionid", "phone", "appid", "scope"}."""
    data = _body()
    kind = data.get("kind", "login")
    if kind not in ("login", "phone", "oauth"):
        return jsonify(error="kind must be login, phone or oauth"), 400
    cfg = current_app.config
    appid = data.get("appid") or (cfg["SIM_OA_APPID"] if kind == "oauth" else cfg["SIM_MP_APPID"])
    sim = state()
    who = data.get("who")
    openid = data.get("openid") or (sim.openid_for(appid, who) if who else None)
    unionid = data.get("unionid") or (sim.unionid_for(who) if who else None)
    if kind == "phone" and not str(data.get("phone", "")).isdigit():
        return jsonify(error="phone (digits) is required for a phone code"), 400
    if kind != "phone" and not openid:
        return jsonify(error="who or openid is required"), 400
    code = sim.mint(kind=kind, appid=appid, openid=openid, unionid=unionid,
                    phone=data.get("phone"), scope=data.get("scope", "snsapi_base"))
    return jsonify(code=code, kind=kind, openid=openid, unionid=unionid,
                   phone=data.get("phone"), expires_in=CODE_TTL), 201


@bp.post("/clock")
def move_clock():
    with state().lock:
        state().clock_offset += float(_body().get("advance", 0))
    return jsonify(offset=state().clock_offset)


@bp.post("/faults")
def add_fault():
    """{"path": "sns/jscode2session", "errcode": 45011, "times": 1}: the next calls fail so.
    With "delay": seconds, they answer that much later (without "errcode": answer normally)."""
    data = _body()
    errcode = int(data["errcode"]) if data.get("errcode") is not None else None
    state().add_fault(data["path"], errcode, data.get("errmsg") or ERRMSG.get(errcode, "error"),
                      int(data.get("times", 1)), float(data.get("delay", 0)))
    return jsonify(ok=True), 201


@bp.post("/tokens/expire")
def expire_tokens():
    return jsonify(expired=state().expire_tokens(_body().get("appid")))


@bp.get("/messages")
def messages():
    return jsonify(items=list(state().messages))


@bp.get("/calls")
def calls():
    return jsonify(dict(state().calls))


@bp.post("/push")
def push_event():
    """Deliver a subscribe/SCAN event to the app's push URL, signed, AES-encrypted if asked.

    {"target": "http://127.0.0.1:5000/wechat/push", "event": "subscribe"|"SCAN",
     "who": "alice" (or "openid"), "scene": "b:<badge token>" (or "ticket"), "encrypt": true}
    """
    data = _body()
    cfg, sim = current_app.config, state()
    scene = data.get("scene") or sim.tickets.get(data.get("ticket", ""), "")
    openid = data.get("openid") or sim.openid_for(cfg["SIM_OA_APPID"], data.get("who", "h5demo"))
    xml = scan_event_xml(oa_original_id=cfg["SIM_OA_ORIGINAL_ID"], openid=openid,
                         event=data.get("event", "subscribe"), scene=scene,
                         ticket=data.get("ticket", ""))
    aes_key = cfg["SIM_OA_AES_KEY"] if data.get("encrypt") else None
    push = build_push(xml, token=cfg["SIM_OA_TOKEN"], openid=openid, aes_key=aes_key,
                      appid=cfg["SIM_OA_APPID"])
    target = data.get("target") or cfg["SIM_PUSH_TARGET"]
    response = requests.post(target, params=push.params, data=push.body,
                             headers={"Content-Type": "text/xml"}, timeout=5)
    reply = response.text
    if aes_key and reply.strip().startswith("<xml"):
        parsed = xmltodict.parse(reply)["xml"]
        crypto = WeChatCrypto(cfg["SIM_OA_TOKEN"], aes_key, cfg["SIM_OA_APPID"])
        reply = crypto.decrypt_message(reply, parsed["MsgSignature"], parsed["TimeStamp"],
                                       parsed["Nonce"])
    return jsonify(status=response.status_code, reply=reply, sent=xml)


@bp.post("/reset")
def reset():
    sim = state()
    with sim.lock:
        for name in ("codes", "tokens", "oauth_tokens", "tickets", "faults", "calls"):
            getattr(sim, name).clear()
        sim.messages.clear()
        sim.clock_offset = 0.0
    return jsonify(ok=True)


PAGE = """<!doctype html><meta charset="utf-8"><title>WeChat simulator</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52em;margin:2em auto}code{background:#eee;padding:0 .3em}</style>
<h1>WeChat 模拟器 (loopback WeChat simulator)</h1>
<p>Mini-program appid <code>{{ mp }}</code>, official-account appid <code>{{ oa }}</code>.
Codes are single-use and expire after 5 minutes, like the real ones.</p>
<h2>Codes with no setup</h2>
<ul>
<li><code>demo:alice</code> — a <code>wx.login</code> code of demo person <em>alice</em>
 (openid <code>{{ mp_openid }}</code>, unionid <code>un_alice</code>). Used once; next time send
 <code>demo:alice:2</code>, <code>demo:alice:3</code>… (same person).</li>
<li><code>phone:13800000001</code> — a <code>getPhoneNumber</code> code for that number.</li>
<li>H5 login: the browser arrives as <code>h5demo</code>, or as <code>?sim_user=NAME</code> / cookie <code>sim_user</code>.</li>
</ul>
<h2>Minted codes</h2>
<pre>curl -s -XPOST {{ base }}/__sim/codes -H 'Content-Type: application/json' \\
  -d '{"kind":"login","openid":"o_custom","unionid":"u_custom"}'
curl -s -XPOST {{ base }}/__sim/codes -H 'Content-Type: application/json' -d '{"kind":"phone","phone":"13800000001"}'</pre>
<h2>Errors, clock, tokens, push</h2>
<pre>POST /__sim/faults {"path":"sns/jscode2session","errcode":45011,"times":1}
POST /__sim/faults {"path":"sns/jscode2session","delay":6,"times":1}   # a slow platform
POST /__sim/clock {"advance":301}          # codes minted earlier are now expired (40029)
POST /__sim/tokens/expire {}               # next API call answers 42001
POST /__sim/push {"event":"subscribe","who":"alice","scene":"b:TOKEN","encrypt":true}
GET  /__sim/messages                       # subscribe/template messages the app sent</pre>
"""


@bp.get("/")
def index():
    cfg = current_app.config
    return render_template_string(PAGE, mp=cfg["SIM_MP_APPID"], oa=cfg["SIM_OA_APPID"],
                                  mp_openid=state().openid_for(cfg["SIM_MP_APPID"], "alice"),
                                  base=request.host_url.rstrip("/"))
