"""H5 pages for a customer's broadband accounts: bind one with an SMS code, list and unbind them.

    /h5/bind                       account number → code to its registered phone → bound
    /h5/bindings                   the accounts this WeChat user has bound
    /h5/bindings/<id>/unbind       confirm, then unbind (POST)

The SMS step (`send_code`, `check_code`) is shared with the SMS-link page outside WeChat
(app/rating/h5.py). It tells the customer where the code went (masked), when they may ask again
and, when a limit is reached, how many minutes to wait — and never says "sent" when nothing was
sent because of a limit. For an account that does not exist the page reads exactly as for one
that does (a stand-in masked phone, the same words); see accounts.request_sms_code.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from app.csrf import csrf_protect
from app.errors import NotFound, wait_minutes
from app.extensions import db
from app.identity import accounts
from app.identity.decorators import h5_login_required
from app.identity.errors import TooManyAttempts, VerificationFailed
from app.masking import mask_account_no, mask_address
from app.redirects import safe_next

bp = Blueprint("h5_account", __name__)

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


@bp.route("/h5/bind", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def bind():
    """Two steps on one page: send a code to the account's phone, then type it in."""
    next_url = _safe_next(request.values.get("next"))
    account_no = (request.form.get("account_no") or "").strip()
    step = SmsStep()
    if request.method == "POST":
        if not account_no:
            step = SmsStep(error="请填写宽带账号。")
        elif request.form.get("step") == "send":
            step = send_code(g.user, account_no)
        else:
            binding, step = check_code(g.user, account_no,
                                       (request.form.get("sms_code") or "").strip())
            if binding is not None:
                flash(f"绑定成功：宽带账号 {mask_account_no(account_no)} 已绑定到您的微信。", "ok")
                return redirect(next_url)
    return render_template("account/bind.html", account_no=account_no, step=step,
                           next_url=next_url)


@bp.get("/h5/bindings")
@h5_login_required
def bindings():
    items = [_binding_row(b) for b in accounts.list_bindings(user=g.user)]
    return render_template("account/bindings.html", items=items,
                           bind_url=url_for(".bind", next=url_for(".bindings")))


@bp.route("/h5/bindings/<int:binding_id>/unbind", methods=["GET", "POST"])
@h5_login_required
@csrf_protect
def unbind(binding_id: int):
    """Ask first (GET), then unbind (POST). Someone else's binding is a plain 404."""
    row = next((_binding_row(b) for b in accounts.list_bindings(user=g.user)
                if b.id == binding_id), None)
    if row is None:
        raise NotFound("绑定不存在 (binding not found)", code="binding_not_found")
    if request.method == "POST":
        accounts.unbind_account(user=g.user, binding_id=binding_id)
        db.session.commit()
        flash(f"已解除绑定：宽带账号 {row['account_no']}。", "ok")
        return redirect(url_for(".bindings"))
    return render_template("account/unbind.html", binding=row)


def _binding_row(binding) -> dict:
    return {"id": binding.id, "account_no": mask_account_no(binding.account.account_no),
            "address": mask_address(binding.account.address),
            "bound_on": binding.created_at}


def _safe_next(target: str | None) -> str:
    return safe_next(target, default=url_for(".bindings"))

