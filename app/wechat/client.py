"""wechatpy's client, configured for production use.

wechatpy 1.8.18 hard-codes `https://api.weixin.qq.com/cgi-bin/token`, fetches tokens without a
timeout, keeps the token per process, and retries token errors without limit. This subclass takes
every URL from one base URL (the platform or the simulator), puts a timeout on every call, shares
the token through a TokenStore, retries a rejected token a bounded number of times, and turns
platform errors into app.wechat.errors types.
"""
from __future__ import annotations

import logging

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from app.metrics import wechat_call
from app.wechat.errors import TOKEN_ERRCODES, WeChatError, WeChatUnavailable, from_errcode

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = (3.05, 5)   # connect, read — the OA push must be answered within 5 s overall


class GatewayClient(WeChatClient):
    def __init__(self, appid: str, secret: str, *, api_base_url: str, token_store,
                 timeout=DEFAULT_TIMEOUT, max_token_retries: int = 1):
        # auto_retry=False: wechatpy's own retry recurses without bound; ours is in `_request`.
        super().__init__(appid, secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self.token_store = token_store
        self.max_token_retries = max_token_retries

    # -- access token -----------------------------------------------------------------------
    def _fetch_from_platform(self) -> tuple[str, int]:
        result = self._call("get", "cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        return result["access_token"], int(result.get("expires_in", 7200))

    def fetch_access_token(self, stale: str | None = None) -> str:
        return self.token_store.get_or_refresh(self.appid, self._fetch_from_platform, stale=stale)

    @property
    def access_token(self) -> str:
        return self.fetch_access_token()

    # -- requests ---------------------------------------------------------------------------
    def _call(self, method: str, endpoint: str, **kwargs):
        """One HTTP call without an access token (token fetch, jscode2session, OAuth)."""
        kwargs["params"] = list((kwargs.get("params") or {}).items())  # a list: wechatpy adds no token
        return self._send(method, endpoint, **kwargs)

    def _send(self, method: str, endpoint: str, **kwargs):
        try:
            result = super()._request(method, endpoint, **kwargs)
        except WeChatClientException as exc:
            wechat_call(endpoint, f"errcode_{exc.errcode}")
            raise from_errcode(exc.errcode, exc.errmsg) from exc
        except requests.RequestException as exc:
            wechat_call(endpoint, "timeout" if isinstance(exc, requests.Timeout) else "unreachable")
            log.warning("wechat call failed", extra={"endpoint": endpoint, "error": repr(exc)})
            raise WeChatUnavailable() from exc
        wechat_call(endpoint, "ok")
        return result

    def _request(self, method, url_or_endpoint, **kwargs):
        """A call with the shared access token; a rejected token is replaced at most N times."""
        params = dict(kwargs.pop("params", None) or {})
        token = self.access_token
        attempt = 0
        while True:
            try:
                return self._send(method, url_or_endpoint,
                                  params={**params, "access_token": token}, **kwargs)
            except WeChatError as exc:
                if exc.errcode not in TOKEN_ERRCODES or attempt >= self.max_token_retries:
                    raise
                attempt += 1
                log.info("wechat access token rejected, refreshing", extra={"errcode": exc.errcode})
                token = self.fetch_access_token(stale=token)
