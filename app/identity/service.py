"""WeChat users: login, user tokens, and technician binding."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from blinker import Namespace
from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.identity import tokens
from app.identity.errors import TechnicianInactive, TooManyAttempts, VerificationFailed
from app.identity.models import TechnicianBinding, WeChatIdentity, WeChatUser
from app.masterdata.models import Technician
from app.ratelimit import Limit, get_limiter
from app.wechat import gateway

_NOT_DIGITS = re.compile(r"\D")

# Sent when a technician signs in (with the request's address, from the boundary), so the fraud
# review can tell a rating sent from the technician's own phone or network.
signals = Namespace()
technician_seen = signals.signal("technician-seen")


@dataclass(frozen=True)
class Login:
    user: WeChatUser
    token: str
    expires_in: int
    role: str


def normalize_phone(phone: str | None) -> str:
    """Digits only, without the +86 / 0086 country prefix."""
    digits = _NOT_DIGITS.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def phones_match(a: str | None, b: str | None) -> bool:
    a, b = normalize_phone(a), normalize_phone(b)
    return bool(a) and a == b


def identity_user(*, app: str, appid: str, openid: str, unionid: str | None,
                  session_key: str | None = None) -> WeChatUser:
    """The user behind an openid, created on first sight and joined to others by unionid."""
    identity = db.session.scalar(select(WeChatIdentity).where(
        WeChatIdentity.appid == appid, WeChatIdentity.openid == openid))
    if identity is None:
        try:
            with db.session.begin_nested():
                user = None
                if unionid:
                    user = db.session.scalar(select(WeChatUser).where(WeChatUser.unionid == unionid))
                if user is None:
                    user = WeChatUser(unionid=unionid)
                    db.session.add(user)
                identity = WeChatIdentity(user=user, app=app, appid=appid, openid=openid)
                db.session.add(identity)
        except IntegrityError:
            # A concurrent first login of the same person won the race; use its rows.
            identity = db.session.scalar(select(WeChatIdentity).where(
                WeChatIdentity.appid == appid, WeChatIdentity.openid == openid))
    user = identity.user
    if unionid and user.unionid is None and db.session.scalar(
            select(WeChatUser.id).where(WeChatUser.unionid == unionid)) is None:
        user.unionid = unionid
    if session_key:
        identity.session_key = session_key
    identity.last_seen_at = utcnow()
    db.session.flush()
    return user


def users_for_openids(*, app: str, appid: str,
                      raters: dict[str, str | None]) -> dict[str, int]:
    """Openid → user id for many raters at once (a ratings import): known openids keep their user,
    a unionid already known joins that user, the rest get new users. `raters`: openid → unionid."""
    found: dict[str, int] = {}
    openids = sorted(raters)
    for start in range(0, len(openids), 500):
        chunk = openids[start:start + 500]
        found.update(db.session.execute(select(WeChatIdentity.openid, WeChatIdentity.user_id).where(
            WeChatIdentity.appid == appid, WeChatIdentity.openid.in_(chunk))).all())
    missing = [o for o in openids if o not in found]
    unionids = sorted({raters[o] for o in missing if raters[o]})
    by_unionid: dict[str, int] = {}
    for start in range(0, len(unionids), 500):
        by_unionid.update(db.session.execute(select(WeChatUser.unionid, WeChatUser.id).where(
            WeChatUser.unionid.in_(unionids[start:start + 500]))).all())
    for openid in missing:
        unionid = raters[openid]
        user_id = by_unionid.get(unionid) if unionid else None
        if user_id is None:
            user = WeChatUser(unionid=unionid)
            db.session.add(user)
            db.session.flush()
            user_id = user.id
            if unionid:
                by_unionid[unionid] = user_id
        db.session.add(WeChatIdentity(user_id=user_id, app=app, appid=appid, openid=openid))
        found[openid] = user_id
    db.session.flush()
    return found


def create_phone_user() -> WeChatUser:
    """A person outside WeChat (an SMS rating link opened in a plain browser). They have no openid
    and act only for accounts whose registered phone they prove by SMS code."""
    user = WeChatUser(token_version=0)
    db.session.add(user)
    db.session.flush()
    return user


def role_of(user: WeChatUser) -> str:
    bound = db.session.scalar(select(TechnicianBinding.id).where(TechnicianBinding.user_id == user.id))
    return "technician" if bound else "customer"


def login_miniprogram(*, code: str) -> Login:
    """Exchange a wx.login code for our own token; session_key stays in the database."""
    session = gateway.code_to_session(code)
    user = identity_user(app="mp", appid=current_app.config["WECHAT_MP_APPID"],
                         openid=session.openid, unionid=session.unionid,
                         session_key=session.session_key)
    user.last_login_at = utcnow()
    ttl = current_app.config["USER_TOKEN_TTL"]
    token = tokens.issue_token(current_app.config["SECRET_KEY"], user.id, user.token_version)
    return Login(user=user, token=token, expires_in=ttl, role=role_of(user))


def login_official_account(*, openid: str, unionid: str | None) -> WeChatUser:
    """The user behind an official-account openid (H5 web OAuth)."""
    user = identity_user(app="oa", appid=current_app.config["WECHAT_OA_APPID"],
                         openid=openid, unionid=unionid)
    user.last_login_at = utcnow()
    return user


def claims_of(user: WeChatUser) -> tokens.TokenClaims:
    """What a token of `user` would claim (for pages signed in by session, not by token)."""
    return tokens.TokenClaims(user.id, user.token_version)


def token_claims(token: str) -> tokens.TokenClaims | None:
    """The claims of a token with a good signature and age; revocation is not checked here."""
    return tokens.read_token(current_app.config["SECRET_KEY"], token,
                             current_app.config["USER_TOKEN_TTL"])


def user_of_claims(claims: tokens.TokenClaims) -> WeChatUser | None:
    """The user the claims name, if the token version is still theirs (not revoked)."""
    user = db.session.scalar(_user_by_id(), {"user_id": claims.user_id})
    if user is None or user.token_version != claims.token_version:
        return None
    return user


@cache
def _user_by_id():
    # Built once: every mini-program call authenticates, and building costs more than running.
    return select(WeChatUser).where(WeChatUser.id == bindparam("user_id"))


def revoke_tokens(user: WeChatUser) -> None:
    """Every token issued to `user` so far stops working."""
    user.token_version += 1
    db.session.flush()


def get_user(user_id: int) -> WeChatUser | None:
    return db.session.get(WeChatUser, user_id)


def technician_of(user: WeChatUser) -> Technician | None:
    return db.session.scalar(select(Technician).join(
        TechnicianBinding, TechnicianBinding.technician_id == Technician.id)
        .where(TechnicianBinding.user_id == user.id))


def _technician_bind_limit() -> Limit:
    cfg = current_app.config
    return Limit("tech_bind_fail", cfg["BIND_MAX_FAILURES_PER_USER"], cfg["BIND_FAILURE_WINDOW"])


def bind_technician(*, user: WeChatUser, employee_no: str, phone_code: str) -> Technician:
    """Prove `user` is technician `employee_no`: the WeChat phone must be the registered one."""
    limiter, rule = get_limiter(), _technician_bind_limit()
    if wait := limiter.attempt(rule, str(user.id)):
        raise TooManyAttempts(wait)
    phone = gateway.phone_number(phone_code)
    technician = db.session.scalar(select(Technician).where(Technician.employee_no == employee_no))
    if technician is None or not phones_match(phone, technician.phone):
        raise VerificationFailed()
    limiter.undo(rule, str(user.id))          # a proof that worked is not a failure
    if technician.status != "active":
        raise TechnicianInactive(details={"status": technician.status})
    existing = db.session.scalar(select(TechnicianBinding).where(TechnicianBinding.user_id == user.id))
    if existing is not None:
        if existing.technician_id != technician.id:
            raise Conflict("该微信已绑定其他装维人员 (this WeChat user is bound to another technician)",
                           code="already_bound_technician")
        return technician
    db.session.add(TechnicianBinding(technician=technician, user=user,
                                     phone=normalize_phone(phone)))
    db.session.flush()
    return technician
