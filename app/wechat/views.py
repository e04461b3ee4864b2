"""Official-account endpoints: the message push URL and H5 login through web OAuth."""
from __future__ import annotations

import hmac
import logging
import secrets

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request,
                   session)

from app.extensions import db
from app.guards import raw_body
from app.redirects import safe_next
from app.identity import accounts
from app.identity import service as identity
from app.identity.decorators import h5_current_user, h5_sign_in
from app.wechat import gateway, push

bp = Blueprint("wechat", __name__)
log = logging.getLogger(__name__)
OAUTH_STATE = "wx_oauth_state"
OAUTH_NEXT = "wx_oauth_next"


def _push_config() -> push.PushConfig:
    cfg = current_app.config
    return push.PushConfig(token=cfg["WECHAT_OA_TOKEN"], aes_key=cfg["WECHAT_OA_AES_KEY"],
                           appid=cfg["WECHAT_OA_APPID"], public_base_url=cfg["PUBLIC_BASE_URL"])


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


@bp.get("/wechat/push")
def push_verify():
    """WeChat checks the URL once: echo `echostr` back when the signature is ours."""
    args = request.args
    try:
        push.check_signature(_push_config().token, args.get("signature", ""),
                             args.get("timestamp", ""), args.get("nonce", ""))
    except push.BadSignature:
        return _text("invalid signature", 403)
    return _text(args.get("echostr", ""))


@bp.post("/wechat/push")
@raw_body
def push_receive():
    """Events and messages. WeChat waits 5 s, so nothing here calls out; duplicates are ignored."""
    config = _push_config()
    try:
        message = push.read_message(config, request.args, request.get_data(cache=False))
    except push.BadSignature:
        log.warning("wechat push with a bad signature", extra={"remote": request.remote_addr})
        return _text("invalid signature", 403)
    if not push.first_time(message):
        return _text("success")
    reply = push.reply_for(config, message)
    db.session.commit()
    if reply == "success":
        return _text(reply)
    if request.args.get("encrypt_type") == "aes":
        reply = push.encrypt_reply(config, reply, request.args.get("nonce", ""),
                                   request.args.get("timestamp", ""))
    return Response(reply, mimetype="application/xml")


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect here would lend our domain to phishing.
    return safe_next(target, default="/h5/me")


@bp.get("/h5/login")
def h5_login():
    """Send the browser to WeChat web OAuth (snsapi_base: no consent screen, openid only)."""
    state = secrets.token_urlsafe(16)
    session[OAUTH_STATE] = state
    session[OAUTH_NEXT] = _safe_next(request.args.get("next"))
    callback = current_app.config["PUBLIC_BASE_URL"] + "/h5/oauth/callback"
    return redirect(gateway.oauth_authorize_url(callback, state), code=302)


@bp.get("/h5/oauth/callback")
def h5_oauth_callback():
    """WeChat sends the browser back with `code` and our `state` (checked against CSRF)."""
    expected = session.pop(OAUTH_STATE, None)
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected or not hmac.compare_digest(expected, state):
        abort(400, description="登录请求已失效，请重新打开页面 (OAuth state mismatch)")
    if not code:
        abort(400, description="微信未授权 (no OAuth code)")
    target = _safe_next(session.get(OAUTH_NEXT))
    oauth = gateway.oauth_exchange(code)
    user = identity.login_official_account(openid=oauth.openid, unionid=oauth.unionid)
    db.session.commit()
    h5_sign_in(user)
    return redirect(target, code=302)


@bp.get("/h5/me")
def h5_me():
    user = h5_current_user()
    if user is None:
        return redirect("/h5/login?next=/h5/me")
    return render_template("account/me.html", count=len(accounts.list_bindings(user=user)))


