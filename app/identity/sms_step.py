"""The SMS step of the H5 pages (binding an account here, the SMS-link page in app/rating/h5.py):
ask for a code, check it, and what the page shows after each. Called only by views, so like a
view it commits: the code leaves by task once the request commits, and a failed attempt counts
towards the limit even though the page answers with an error.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.errors import wait_minutes
from app.extensions import db
from app.identity import accounts
from app.identity.errors import TooManyAttempts, VerificationFailed

_LIMIT_TEXT = {
    "user_limit": "您获取验证码的次数过多，本次未发送。请 {minutes} 分钟后再试。",
    "account_limit": "该宽带账号获取验证码的次数已达上限，本次未发送。请 {minutes} 分钟后再试。",
}
WRONG_CODE = "验证码不正确或已过期。请核对宽带账号和验证码，或重新获取验证码。"
TOO_MANY_FAILURES = "验证失败次数过多，为保护账号安全已暂停验证。请 {minutes} 分钟后再试。"


@dataclass(frozen=True)
class SmsStep:
    """What the SMS step shows."""

    sent: bool = False              # a code is out: show the code field
    masked_phone: str | None = None
    resend_in: int = 0              # seconds the resend button counts down
    error: str | None = None
    notice: str | None = None


def send_code(user, account_no: str) -> SmsStep:
    """Ask for a code for `account_no` (a task sends it once this commits)."""
    try:
        asked = accounts.request_sms_code(user=user, account_no=account_no)
    except TooManyAttempts as exc:
        wait = exc.details["retry_after"]
        if exc.details.get("reason") == "resend_wait":
            # The code sent a moment ago is still on its way: keep showing where it went,
            # and say that no new one went out.
            return SmsStep(sent=True, masked_phone=accounts.sms_destination(account_no),
                           resend_in=wait,
                           notice=f"刚才的验证码仍然有效，请查收短信；{wait} 秒后可以重新获取。")
        text = _LIMIT_TEXT.get(exc.details.get("reason"), _LIMIT_TEXT["user_limit"])
        return SmsStep(error=text.format(minutes=wait_minutes(wait)))
    db.session.commit()      # the task that makes and sends the code leaves on commit
    return SmsStep(sent=True, masked_phone=asked.masked_phone, resend_in=asked.resend_in)


def check_code(user, account_no: str, code: str) -> tuple[object | None, SmsStep]:
    """Bind `account_no` with `code`: (the binding, …) or (None, the step showing the error)."""
    try:
        binding = accounts.bind_account(user=user, account_no=account_no, sms_code=code)
    except VerificationFailed:
        db.session.commit()     # the failed attempt counts towards the limit
        error = WRONG_CODE
    except TooManyAttempts as exc:
        error = TOO_MANY_FAILURES.format(minutes=wait_minutes(exc.details["retry_after"]))
    else:
        db.session.commit()
        return binding, SmsStep()
    return None, SmsStep(sent=True, masked_phone=accounts.sms_destination(account_no),
                         resend_in=accounts.sms_resend_wait(user=user, account_no=account_no),
                         error=error)
