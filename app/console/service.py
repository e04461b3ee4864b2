"""Console staff accounts, sign-in, and the audit log.

Passwords are hashed with werkzeug's salted scrypt. Sign-in failures are counted per username
from one client address, and per address, with the shared limiter: someone guessing from
elsewhere cannot lock the real user out, and the answer never says whether the username exists.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.audit import record  # noqa: F401  (the console's audit entries are written here too)
from app.auth.models import AuditEntry
from app.console.models import STAFF_ROLES, StaffSession, StaffUser
from app.db import utcnow
from app.errors import Conflict, NotFound, TooManyRequests, Unauthorized, Unprocessable
from app.extensions import db
from app.ratelimit import Limit, get_limiter

MIN_PASSWORD = 10
LOGIN_PER_USER = Limit("console_login_user_ip", 5, 15 * 60)     # key: username + address
LOGIN_PER_IP = Limit("console_login_ip", 30, 15 * 60)
# Compared against when the username is unknown, so both answers take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-hashed-alike")


class SignInFailed(Unauthorized):
    code, message = "sign_in_failed", "用户名或密码错误 (wrong username or password)"


def _check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise Unprocessable(f"密码至少 {MIN_PASSWORD} 位 (at least {MIN_PASSWORD} characters)",
                            details={"fields": {"password": [f"min {MIN_PASSWORD}"]}})


def create_user(*, username: str, role: str, password: str, display_name: str = "") -> StaffUser:
    """A new active staff user."""
    username = (username or "").strip().lower()
    if not username or len(username) > 64:
        raise Unprocessable("用户名不能为空 (username required)")
    if role not in STAFF_ROLES:
        raise Unprocessable(f"角色须为 {', '.join(STAFF_ROLES)} (unknown role)")
    _check_password_rules(password)
    if find_user(username) is not None:
        raise Conflict("用户名已存在 (username taken)", code="username_taken")
    user = StaffUser(username=username, role=role, display_name=display_name or "",
                     password_hash=generate_password_hash(password), active=True)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(
        StaffUser.username == (username or "").strip().lower()))


def get_user(user_id: int) -> StaffUser | None:
    return db.session.get(StaffUser, user_id)


def _existing(username: str) -> StaffUser:
    user = find_user(username)
    if user is None:
        raise NotFound("没有这个用户 (no such staff user)", code="staff_user_not_found")
    return user


def set_password(*, username: str, password: str) -> StaffUser:
    """Change the password; every session signed in with the old one ends."""
    user = _existing(username)
    _check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = utcnow()
    revoke_sessions(user)
    db.session.flush()
    return user


def deactivate_user(*, username: str) -> StaffUser:
    user = _existing(username)
    user.active = False
    revoke_sessions(user)
    db.session.flush()
    return user


# --- Server-side sessions ------------------------------------------------------------------------

def _session_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def open_session(user: StaffUser, *, hours: int, ip: str | None) -> str:
    """A new session for `user`; returns the random id the browser's cookie carries."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(StaffSession(id=_session_key(raw), user_id=user.id, created_at=now,
                                expires_at=now + timedelta(hours=hours), ip=ip))
    return raw


def session_user(raw: str | None) -> StaffUser | None:
    """The active user of a live, unrevoked session, or None."""
    if not isinstance(raw, str) or not raw:
        return None
    row = db.session.get(StaffSession, _session_key(raw))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = db.session.get(StaffUser, row.user_id)
    return user if user is not None and user.active else None


def close_session(raw: str | None) -> None:
    if isinstance(raw, str) and raw:
        db.session.execute(update(StaffSession).where(
            StaffSession.id == _session_key(raw), StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()))


def revoke_sessions(user: StaffUser) -> None:
    """Every session of `user` ends (password change, deactivation)."""
    db.session.execute(update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow()))


def list_users() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).order_by(StaffUser.username)))


def session_stamp(user: StaffUser) -> str:
    """Changes with the password, so a password change signs out every other session."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def sign_in(*, username: str, password: str, ip: str | None,
            now: datetime | None = None) -> StaffUser:
    """The active user with this password, or SignInFailed / TooManyRequests.

    Failures are counted through the request's session: the caller commits before answering.
    """
    limiter = get_limiter()
    name = (username or "").strip().lower()[:64]
    ip_key = ip or "unknown"
    user_key = f"{ip_key}:{name}"
    wait = limiter.attempt(LOGIN_PER_IP, ip_key)
    if not wait and (wait := limiter.attempt(LOGIN_PER_USER, user_key)):
        limiter.undo(LOGIN_PER_IP, ip_key)
    if wait:
        raise TooManyRequests(f"登录失败次数过多，请 {wait} 秒后再试 (too many attempts)",
                              details={"retry_after": wait}, headers={"Retry-After": str(wait)})
    user = find_user(name) if name else None
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not user.active or not valid:
        record(actor=name or "-", action="sign_in_failed", target=name, ip=ip, now=now)
        raise SignInFailed()
    limiter.undo(LOGIN_PER_USER, user_key)
    limiter.undo(LOGIN_PER_IP, ip_key)
    user.last_login_at = now or utcnow()
    record(actor=user.username, action="sign_in", target=user.username, ip=ip, now=now)
    return user


# --- Audit log ------------------------------------------------------------------------------------

ACTION_LABELS = {
    "sign_in": "登录", "sign_in_failed": "登录失败", "sign_out": "退出",
    "flag_confirmed": "确认虚假评价", "flag_dismissed": "排除稽核标记",
    "flag_reversed": "撤销虚假评价确认", "case_confirmed": "确认案件", "case_dismissed": "排除案件",
    "case_reversed": "撤销案件确认", "phone_revealed": "查看客户电话",
    "suspension_started": "待岗培训开始", "suspension_cancelled": "待岗培训取消",
    "suspension_lifted": "解除待岗培训", "suspension_shortened": "缩短待岗培训",
    "sample_drawn": "抽取回访样本", "sample_outcome": "记录回访结果",
    "badge_rotated": "更换工牌", "badge_revoked": "作废工牌",
    "api_key_created": "创建 API 密钥", "api_key_revoked": "吊销 API 密钥",
    "month_closed": "月结", "month_reopened": "重新打开月结",
    "import": "导入数据", "import_dry_run": "试导入（未写入）",
    "download": "下载", "recovery_claimed": "认领修复工单", "recovery_closed": "关闭修复工单",
    "task_retried": "重试后台任务",
}


def list_audit(*, actor: str | None = None, action: str | None = None,
               target: str | None = None, page: int = 1, per_page: int = 50):
    """Newest first."""
    query = select(AuditEntry)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target.contains(target, autoescape=True))
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_actors() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.actor).group_by(AuditEntry.actor)
                                   .order_by(func.max(AuditEntry.at).desc()).limit(100)))
