"""Build the official-account push requests WeChat sends: signed plain XML or AES-encrypted XML.

Pure functions, shared by the simulator (which delivers them over HTTP) and tests.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner


def signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def event_xml(*, to_user: str, from_user: str, event: str, event_key: str = "",
              ticket: str = "", create_time: int | None = None) -> str:
    create_time = create_time or int(time.time())
    extra = ""
    if event_key:
        extra += f"<EventKey><![CDATA[{event_key}]]></EventKey>"
    if ticket:
        extra += f"<Ticket><![CDATA[{ticket}]]></Ticket>"
    return (f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName>"
            f"<FromUserName><![CDATA[{from_user}]]></FromUserName>"
            f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{extra}</xml>")


@dataclass(frozen=True)
class PushRequest:
    params: dict
    body: bytes


def scan_event_xml(*, oa_original_id: str, openid: str, event: str, scene: str, ticket: str = "",
                   create_time: int | None = None) -> str:
    """subscribe (new follower, EventKey `qrscene_<scene>`) or SCAN (follower, EventKey `<scene>`)."""
    key = f"qrscene_{scene}" if event == "subscribe" and scene else scene
    return event_xml(to_user=oa_original_id, from_user=openid, event=event, event_key=key,
                     ticket=ticket, create_time=create_time)


def build_push(xml: str, *, token: str, openid: str, aes_key: str | None = None,
               appid: str | None = None, timestamp: str | None = None,
               nonce: str | None = None) -> PushRequest:
    """The query string and body WeChat POSTs to the push URL (plain when `aes_key` is None)."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(5)
    params = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "openid": openid}
    if aes_key is None:
        return PushRequest(params, xml.encode())
    crypto = WeChatCrypto(token, aes_key, appid)
    body = crypto.encrypt_message(xml, nonce, timestamp)
    # encrypt_message signs the ciphertext; WeChat sends that as msg_signature in the query.
    import xmltodict
    params.update(encrypt_type="aes",
                  msg_signature=xmltodict.parse(body)["xml"]["MsgSignature"])
    return PushRequest(params, body.encode())


def echo_params(token: str, echostr: str) -> dict:
    """The GET WeChat sends when the push URL is configured."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "echostr": echostr}
