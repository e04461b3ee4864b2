"""Customer account binding (SPEC flow 2): prove an account by WeChat phone code or SMS code.

Nothing here may tell a caller whether an account exists: an unknown account and a wrong phone
take the same path (the phone code is exchanged, an SMS code is compared against a dummy) and end
in the same `verification_failed`.

Limits that cannot be turned against the owner: failures count against the WeChat user who made
them (`bind_fail_user`), so strangers' failures never block the owner's correct phone proof.
Wrong SMS codes also count per account (`bind_fail_account`); past that limit the account's
outstanding codes are voided — the owner asks for a new one, or proves the phone through WeChat,
which no failure count blocks.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import utcnow
from app.errors import NotFound
from app import tasks
from app.extensions import db
from app.identity.errors import TooManyAttempts, VerificationFailed
from app.identity.models import AccountBinding, SmsCode, WeChatUser
from app.identity.service import phones_match
from app.identity.sms import Sms
from app.masking import mask_account_no, mask_phone, stand_in_masked_phone
from app.masterdata import service as masterdata
from app.ratelimit import Limit, get_limiter
from app.wechat import gateway


def _limits() -> tuple[Limit, Limit]:
    cfg = current_app.config
    window = cfg["BIND_FAILURE_WINDOW"]
    return (Limit("bind_fail_user", cfg["BIND_MAX_FAILURES_PER_USER"], window),
            Limit("bind_fail_account", cfg["BIND_MAX_FAILURES_PER_ACCOUNT"], window))


def _code_hash(account_key: str, user_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"sms:{account_key}:{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _sms_code_matches(user: WeChatUser, account, code: str) -> bool:
    now = utcnow()
    if account is None:
        # Same work as a real comparison, so the answer time does not tell either.
        hmac.compare_digest(_code_hash("none", user.id, code), "0" * 64)
        return False
    digest = _code_hash(str(account.id), user.id, code)
    candidates = db.session.scalars(select(SmsCode).where(
        SmsCode.account_id == account.id, SmsCode.user_id == user.id,
        SmsCode.used_at.is_(None), SmsCode.expires_at > now))
    for row in candidates:
        if hmac.compare_digest(row.code_hash, digest):
            row.used_at = now
            return True
    return False


def bind_account(*, user: WeChatUser, account_no: str, phone_code: str | None = None,
                 sms_code: str | None = None) -> AccountBinding:
    """Bind `account_no` to `user` after a phone proof; binding twice returns the first binding."""
    limiter = get_limiter()
    user_rule, account_rule = _limits()
    if wait := limiter.attempt(user_rule, str(user.id)):
        raise TooManyAttempts(wait)

    account = masterdata.find_account(account_no)
    if phone_code is not None:
        phone = gateway.phone_number(phone_code)   # exchanged even for an unknown account
        proven = account is not None and phones_match(phone, account.phone)
        method = "phone_code"
    else:
        proven = _sms_code_matches(user, account, sms_code or "")
        method = "sms"
        if not proven and limiter.hit(account_rule, account_no) >= account_rule.limit:
            _void_codes(account)
    if not proven:
        raise VerificationFailed()
    limiter.undo(user_rule, str(user.id))       # a proof that worked is not a failure

    binding = db.session.scalar(select(AccountBinding).where(
        AccountBinding.user_id == user.id, AccountBinding.account_id == account.id))
    if binding is None:
        binding = AccountBinding(user_id=user.id, account=account, method=method)
        db.session.add(binding)
        db.session.flush()
    return binding


@dataclass(frozen=True)
class SmsRequest:
    """A code asked for: what the customer is told (the code itself is made and sent by a task
    after the commit, so the answer never waits for the SMS provider)."""

    masked_phone: str       # where the code went (a stable stand-in for an unknown account)
    resend_in: int          # seconds before another code for this account may be asked for


def _sms_rules() -> tuple[Limit, Limit, Limit]:
    cfg = current_app.config
    return (Limit("sms_user", cfg["SMS_SENDS_PER_USER_PER_HOUR"], 3600),
            Limit("sms_account", cfg["SMS_SENDS_PER_ACCOUNT_PER_HOUR"], 3600),
            Limit("sms_resend", 1, cfg["SMS_RESEND_SECONDS"]))


def _void_codes(account) -> None:
    """Too many wrong codes for this account, from anyone: no outstanding code works any more."""
    if account is None:
        return
    db.session.execute(update(SmsCode).where(SmsCode.account_id == account.id,
                                              SmsCode.used_at.is_(None))
                       .values(used_at=utcnow()))


def request_sms_code(*, user: WeChatUser, account_no: str) -> SmsRequest:
    """Count one code request and enqueue the task that makes and sends the code.

    Known and unknown accounts take the same path, count against the same limits — one code per
    user and account per resend interval, the user's hourly share, the account's hourly share —
    and enqueue the same task, so neither the answer, its time nor a limit being reached tells
    whether the account exists. Each limit is checked and counted in one atomic step; a limit
    reached raises TooManyAttempts with the wait (`details.reason` says which limit).
    """
    limiter = get_limiter()
    user_rule, account_rule, resend_rule = _sms_rules()
    for rule, key, reason in ((resend_rule, f"{user.id}:{account_no}", "resend_wait"),
                              (user_rule, str(user.id), "user_limit"),
                              (account_rule, account_no, "account_limit")):
        if wait := limiter.attempt(rule, key):
            raise TooManyAttempts(wait, reason=reason)
    masked = sms_destination(account_no, masterdata.find_account(account_no))
    tasks.enqueue("identity.send_binding_sms", user_id=user.id, account_no=account_no)
    return SmsRequest(masked, resend_rule.window)


def make_sms_code(*, user_id: int, account_no: str) -> Sms | None:
    """Make a code for the account's registered phone; the task sends it after the commit.

    Returns None for an unknown account (the request already counted every limit).
    """
    account = masterdata.find_account(account_no)
    if account is None:
        return None
    cfg = current_app.config
    code = f"{secrets.randbelow(10 ** 6):06d}"
    ttl = cfg["SMS_CODE_TTL"]
    db.session.add(SmsCode(account_id=account.id, user_id=user_id,
                           code_hash=_code_hash(str(account.id), user_id, code),
                           expires_at=utcnow() + timedelta(seconds=ttl)))
    db.session.flush()
    text = (f"【{cfg['SMS_SIGN_NAME']}】验证码 {code}，用于绑定宽带账号 {mask_account_no(account_no)}，"
            f"{ttl // 60} 分钟内有效。如非本人操作请忽略。")
    return Sms(phone=account.phone, text=text)


def sms_destination(account_no: str, account=None) -> str:
    """The masked phone a code for `account_no` goes to. An unknown account gets a plausible
    stand-in derived from the number and the app's secret: the same every time, so asking twice
    cannot tell a real account from a made-up one."""
    account = account or masterdata.find_account(account_no)
    if account is not None:
        return mask_phone(account.phone)
    return stand_in_masked_phone(current_app.config["SECRET_KEY"], account_no)


def sms_resend_wait(*, user: WeChatUser, account_no: str) -> int:
    """Seconds before this user may ask for another code for `account_no` (0: now)."""
    _, _, resend_rule = _sms_rules()
    return get_limiter().blocked_for(resend_rule, f"{user.id}:{account_no}")


def list_bindings(*, user: WeChatUser) -> list[AccountBinding]:
    return list(db.session.scalars(select(AccountBinding).where(AccountBinding.user_id == user.id)
                                   .order_by(AccountBinding.id)))


def unbind_account(*, user: WeChatUser, binding_id: int) -> None:
    """Remove one of the user's own bindings; someone else's looks exactly like a missing one."""
    binding = db.session.get(AccountBinding, binding_id)
    if binding is None or binding.user_id != user.id:
        raise NotFound("绑定不存在 (binding not found)", code="binding_not_found")
    db.session.delete(binding)
    db.session.flush()
