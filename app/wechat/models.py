"""Shared WeChat state: the access token every worker uses, and push events already handled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class WeChatAccessToken(db.Model):
    """One row per appid. `refresh_lease_until` lets exactly one worker refresh at a time."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(String(512))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<WeChatAccessToken {self.appid} expires={self.expires_at}>"


class WeChatPushEvent(db.Model):
    """A push message already answered; WeChat retries three times, we act once."""

    __tablename__ = "wechat_push_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(160), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<WeChatPushEvent {self.dedup_key}>"
