"""Staff accounts of the console. (The audit log of what they and API keys did is
app.auth.models.AuditEntry, written by app.auth.audit.record.)"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db

from app.auth.models import AuditEntry  # noqa: F401  (where callers knew it)

STAFF_ROLES = ("auditor", "manager", "admin")


class StaffUser(db.Model):
    """A person who signs in to the console. Only a salted scrypt hash of the password is kept."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('auditor', 'manager', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<StaffUser {self.username} {self.role}{'' if self.active else ' inactive'}>"


class StaffSession(db.Model):
    """A signed-in console session, kept on the server so that signing out (or a password
    change, or deactivation) ends it for good: the browser's signed cookie only carries the id,
    and a copied cookie stops working the moment this row is revoked."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)    # sha256 of the cookie's id
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<StaffSession user={self.user_id} until {self.expires_at}>"
