"""WeChat users, their per-app openids, and what they have proven (technician, broadband accounts)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.masterdata.models import BroadbandAccount, Technician

WECHAT_APPS = ("mp", "oa")          # mini-program, official account
BINDING_METHODS = ("phone_code", "sms")


class WeChatUser(db.Model):
    """One person. Mini-program and official-account openids meet here through the unionid."""

    __tablename__ = "wechat_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Every issued user token carries this number; bumping it revokes all of them at once.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    identities: Mapped[list[WeChatIdentity]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<WeChatUser {self.id}>"


class WeChatIdentity(db.Model):
    """An openid of one of our WeChat apps. `session_key` is kept here and never sent anywhere."""

    __tablename__ = "wechat_identities"
    __table_args__ = (
        UniqueConstraint("appid", "openid"),
        CheckConstraint("app IN ('mp', 'oa')", name="app"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"), index=True)
    app: Mapped[str] = mapped_column(String(8))
    appid: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(64))
    session_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[WeChatUser] = relationship(back_populates="identities")

    def __repr__(self) -> str:
        return f"<WeChatIdentity {self.app} {self.openid}>"


class TechnicianBinding(db.Model):
    """A user proved to be a technician (employee_no + registered phone). Kept for fraud checks."""

    __tablename__ = "technician_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    technician: Mapped[Technician] = relationship()
    user: Mapped[WeChatUser] = relationship()

    def __repr__(self) -> str:
        return f"<TechnicianBinding technician={self.technician_id} user={self.user_id}>"


class AccountBinding(db.Model):
    """A user proved to hold (or live with the holder of) a broadband account."""

    __tablename__ = "account_bindings"
    __table_args__ = (
        UniqueConstraint("user_id", "account_id"),
        CheckConstraint("method IN ('phone_code', 'sms')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("broadband_accounts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[BroadbandAccount] = relationship()

    def __repr__(self) -> str:
        return f"<AccountBinding user={self.user_id} account={self.account_id}>"


class SmsCode(db.Model):
    """A one-time code sent to an account's registered phone. Only its HMAC is stored."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_account_user", "account_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("broadband_accounts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SmsCode account={self.account_id} user={self.user_id}>"
