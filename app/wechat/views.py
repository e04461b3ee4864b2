"""Official-account endpoints: the message push URL. (The H5 sign-in through web OAuth is
identity's: app/identity/oauth_views.py.)"""
from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from app.extensions import db
from app.guards import raw_body
from app.wechat import push

bp = Blueprint("wechat", __name__)
log = logging.getLogger(__name__)


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
