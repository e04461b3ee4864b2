"""Identity errors with the stable codes the mini-program is written against (SPEC)."""
from __future__ import annotations

from app.errors import Forbidden, TooManyRequests, Unauthorized


class VerificationFailed(Forbidden):
    # Deliberately the same for "no such account" and "wrong phone": the answer must not tell.
    code = "verification_failed"
    message = "验证未通过，请核对账号与手机号 (verification failed)"


class TooManyAttempts(TooManyRequests):
    code = "too_many_attempts"

    def __init__(self, retry_after: int, reason: str | None = None):
        details = {"retry_after": retry_after}
        if reason:
            details["reason"] = reason   # which limit: pages word the wait accordingly
        super().__init__(details=details, headers={"Retry-After": str(retry_after)})


class InvalidUserToken(Unauthorized):
    code = "invalid_token"
    message = "登录已失效，请重新登录 (token invalid, expired or revoked)"

    def __init__(self):
        super().__init__(headers={"WWW-Authenticate": 'Bearer realm="user", error="invalid_token"'})


class NotATechnician(Forbidden):
    code = "not_a_technician"
    message = "请先完成装维人员身份绑定 (bind your technician record first)"


class TechnicianInactive(Forbidden):
    code = "technician_inactive"
    message = "该装维人员已停用或离职，不能绑定 (technician is suspended or has left)"
