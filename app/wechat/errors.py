"""WeChat failures as typed errors the caller can act on, rendered as clear JSON by app.errors.

`from_errcode` is the one place that knows what the platform's numeric codes mean.
"""
from __future__ import annotations

from app.errors import AppError

# Access-token problems: refresh the token (once) and retry.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
CODE_ERRCODES = frozenset({40029, 40163})          # invalid / already used (or expired) code
RATE_LIMIT_ERRCODES = frozenset({45009, 45011})    # daily quota / per-minute frequency limit
BUSY_ERRCODES = frozenset({-1})                    # 系统繁忙


class WeChatError(AppError):
    status, code, message = 502, "wechat_error", "微信接口返回错误 (WeChat refused the call)"

    def __init__(self, message: str | None = None, *, errcode: int | None = None,
                 errmsg: str | None = None, **kw):
        details = dict(kw.pop("details", None) or {})
        if errcode is not None:
            details.setdefault("errcode", errcode)
        super().__init__(message, details=details, **kw)
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatCodeInvalid(WeChatError):
    status, code = 400, "wechat_code_invalid"
    message = "微信授权码无效、已使用或已过期，请重新获取 (the WeChat code is invalid, used or expired)"


class WeChatRateLimited(WeChatError):
    status, code = 503, "wechat_rate_limited"
    message = "微信接口调用过于频繁，请稍后再试 (WeChat rate limit reached)"
    retry_after = 60

    def __init__(self, *args, **kw):
        super().__init__(*args, headers={"Retry-After": str(self.retry_after)}, **kw)


class WeChatBusy(WeChatRateLimited):
    status, code = 503, "wechat_busy"
    message = "微信系统繁忙，请稍后再试 (WeChat is busy)"
    retry_after = 2


class WeChatUnavailable(WeChatRateLimited):
    """Timeouts, connection failures, or a token that stays invalid after the bounded refresh."""

    status, code = 503, "wechat_unavailable"
    message = "暂时无法连接微信，请稍后再试 (WeChat is unreachable)"
    retry_after = 5


class WeChatTokenExpired(WeChatUnavailable):
    code = "wechat_token_expired"


class WeChatUnauthorizedScope(WeChatError):
    status, code = 403, "wechat_scope_unauthorized"
    message = "该微信授权不包含此权限 (the WeChat authorization lacks this scope)"


def from_errcode(errcode: int | None, errmsg: str | None = None) -> WeChatError:
    """The typed error for a platform errcode (None: an HTTP-level failure)."""
    kw = {"errcode": errcode, "errmsg": errmsg}
    if errcode is None:
        return WeChatUnavailable(**kw)
    if errcode in CODE_ERRCODES:
        return WeChatCodeInvalid(**kw)
    if errcode in BUSY_ERRCODES:
        return WeChatBusy(**kw)
    if errcode in RATE_LIMIT_ERRCODES:
        return WeChatRateLimited(**kw)
    if errcode in TOKEN_ERRCODES:
        return WeChatTokenExpired(**kw)
    if errcode == 48001:
        return WeChatUnauthorizedScope(**kw)
    return WeChatError(**kw)
