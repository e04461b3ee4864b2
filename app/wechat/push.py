"""Official-account push messages: verify, decrypt, deduplicate, and answer badge scans.

A badge QR of the official account carries the scene `b:<badge token>` (see `badge_scene`); when a
user subscribes through it or scans it as a follower, we answer with a link to rate that technician.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply

from app.errors import Forbidden
from app.extensions import db
from app.wechat.models import WeChatPushEvent
from app.wechat.simulator.push import signature as wechat_signature

BADGE_SCENE_PREFIX = "b:"


class BadSignature(Forbidden):
    code = "invalid_signature"
    message = "签名校验失败 (signature check failed)"


@dataclass(frozen=True)
class PushConfig:
    token: str
    aes_key: str | None
    appid: str
    public_base_url: str


def badge_scene(badge_token: str) -> str:
    """The OA QR scene string for a badge token."""
    return BADGE_SCENE_PREFIX + badge_token


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    if not hmac.compare_digest(wechat_signature(token, timestamp, nonce), signature or ""):
        raise BadSignature()


def read_message(config: PushConfig, args, body: bytes):
    """The parsed message of a push POST; raises BadSignature on any forged or garbled request."""
    check_signature(config.token, args.get("signature", ""), args.get("timestamp", ""),
                    args.get("nonce", ""))
    xml = body
    if args.get("encrypt_type") == "aes":
        crypto = WeChatCrypto(config.token, config.aes_key, config.appid)
        try:
            xml = crypto.decrypt_message(body, args.get("msg_signature", ""),
                                         args.get("timestamp", ""), args.get("nonce", ""))
        except (InvalidSignatureException, InvalidAppIdException, KeyError, ValueError) as exc:
            raise BadSignature() from exc
    try:
        return parse_message(xml)
    except Exception as exc:  # malformed XML from someone who knows the token: still refuse
        raise BadSignature("消息格式错误 (malformed message)") from exc


def dedup_key(message) -> str:
    msg_id = getattr(message, "id", None)
    if msg_id:
        return f"msg:{msg_id}"
    return f"evt:{message.source}:{message.create_time.timestamp():.0f}:{getattr(message, 'event', '')}"


def first_time(message) -> bool:
    """Record the message; False when WeChat delivers it again (it retries 3 times)."""
    key = dedup_key(message)[:160]
    if db.session.scalar(select(WeChatPushEvent.id).where(WeChatPushEvent.dedup_key == key)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(WeChatPushEvent(dedup_key=key))
    except IntegrityError:
        return False
    return True


def badge_token_of(message) -> str | None:
    """The badge token of a subscribe/SCAN event from a badge QR, else None."""
    event = getattr(message, "event", "")
    scene = getattr(message, "scene_id", None) or ""
    if event not in ("subscribe_scan", "scan") or not scene.startswith(BADGE_SCENE_PREFIX):
        return None
    token = scene[len(BADGE_SCENE_PREFIX):]
    return token if token and len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() \
        else None


def reply_for(config: PushConfig, message) -> str:
    """The XML reply (encrypted when the request was), or "success" for nothing to say."""
    token = badge_token_of(message)
    if token is None:
        return "success"
    link = f"{config.public_base_url}/b/{token}"
    reply = TextReply(message=message,
                      content=f'感谢使用电信宽带服务！<a href="{link}">点此为本次上门的装维师傅评价</a>')
    return reply.render()


def encrypt_reply(config: PushConfig, xml: str, nonce: str, timestamp: str) -> str:
    return WeChatCrypto(config.token, config.aes_key, config.appid).encrypt_message(
        xml, nonce, timestamp)
