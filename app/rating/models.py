"""Ratings, idempotent replays and service-recovery tasks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, \
    UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.masterdata.models import WorkOrder

RATING_CHANNELS = ("miniprogram", "h5", "sms_link")
RECOVERY_STATUSES = ("open", "claimed", "closed")
RECOVERY_SOURCES = ("rating", "callback")


class Rating(db.Model):
    """A customer's WeChat rating of one work order. One per order, enforced by a unique key.

    A rating voided by a confirmed fraud decision stays for the record but no longer counts.
    """

    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint("channel IN ('miniprogram', 'h5', 'sms_link', 'imported')", name="channel"),
        Index("ix_ratings_technician_created", "technician_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    # Denormalized from the order so per-technician scans need no join.
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"), index=True)
    openid: Mapped[str | None] = mapped_column(String(64))
    stars: Mapped[int] = mapped_column(Integer)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The rater had scanned this technician's live badge within PRESENCE_HOURS (在场扫码):
    # evidence for reviewers, never a condition for rating.
    presence: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(200))

    order: Mapped[WorkOrder] = relationship()
    # The customer's 追评, if any: loaded only where staff read one order (never on hot paths).
    follow_up: Mapped[RatingFollowUp | None] = relationship(viewonly=True, lazy="select")

    @property
    def is_valid(self) -> bool:
        return self.voided_at is None

    @property
    def order_no(self) -> str:
        return self.order.order_no

    def __repr__(self) -> str:
        return f"<Rating order={self.order_id} {self.stars}★ {self.channel}>"


class RatingFollowUp(db.Model):
    """追评: text the rater adds to their rating later, inside the rating window. It never
    changes the stars (they feed pay); one per rating, kept beside it for staff to read."""

    __tablename__ = "rating_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"),
                                           unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"))
    comment: Mapped[str] = mapped_column(Text)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RatingFollowUp rating={self.rating_id}>"


class IdempotentReplay(db.Model):
    """The first answer to a request carrying an `Idempotency-Key`, replayed on retries."""

    __tablename__ = "idempotent_replays"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<IdempotentReplay user={self.user_id} {self.key!r}>"


class RecoveryTask(db.Model):
    """满意度修复工单: a low rating or a dissatisfied callback to be followed up by the team."""

    __tablename__ = "recovery_tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'closed')", name="status"),
        CheckConstraint("source IN ('rating', 'callback')", name="source"),
        Index("ix_recovery_tasks_team_status", "team", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    team: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    stars: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    order: Mapped[WorkOrder] = relationship()

    @property
    def overdue(self) -> bool:
        return self.status != "closed" and self.due_at < utcnow()

    def __repr__(self) -> str:
        return f"<RecoveryTask order={self.order_id} {self.status}>"


class RatingInvitation(db.Model):
    """The one rating invitation (subscribe message) an order may get."""

    __tablename__ = "rating_invitations"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_rating_invitations_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<RatingInvitation order={self.order_id} {self.status}>"
