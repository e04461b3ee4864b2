"""Badge state per technician, and the images rendered for it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.masterdata.models import Technician

IMAGE_KINDS = ("qr_png", "qr_svg", "card_png", "wxacode")
PRESENCE_CHANNELS = ("miniprogram", "h5")
CONTENT_TYPES = {"qr_png": "image/png", "qr_svg": "image/svg+xml", "card_png": "image/png",
                 "wxacode": "image/png"}


class Badge(db.Model):
    """A technician's badge. Tokens carry `version`; rotating bumps it, so every older token is
    recognisably old (410) rather than unknown (404)."""

    __tablename__ = "badges"
    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    technician: Mapped[Technician] = relationship()

    def __repr__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"<Badge technician={self.technician_id} v{self.version} {state}>"


class BadgeImage(db.Model):
    """A rendered image, kept until what it was drawn from changes.

    `source_key` is a hash of everything drawn (URL, name, team, grade, layout version); a request
    whose inputs hash differently redraws the image. `etag` is a hash of the bytes themselves.
    The mini-program code (`wxacode`) is fetched from WeChat once per badge version and kept here
    the same way.
    """

    __tablename__ = "badge_images"
    __table_args__ = (
        CheckConstraint("kind IN ('qr_png', 'qr_svg', 'card_png', 'wxacode')", name="kind"),
    )

    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"),
                                          primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    def __repr__(self) -> str:
        return f"<BadgeImage badge={self.badge_id} {self.kind} {self.etag[:8]}>"


class TechnicianPhoto(db.Model):
    """A technician's photo for the badge card and the customer pages: a small JPEG re-encoded
    on upload (no EXIF, bounded size), kept apart from the badge so rotating a badge keeps it.
    Served by `etag` (a hash of the bytes): the address changes with the photo, so it can be
    cached for good, and cannot be guessed from an employee number."""

    __tablename__ = "technician_photos"
    __table_args__ = (CheckConstraint("width > 0 AND height > 0", name="size"),)

    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id", ondelete="CASCADE"),
                                               primary_key=True)
    etag: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<TechnicianPhoto technician={self.technician_id} {self.etag[:8]}>"


class Presence(db.Model):
    """A signed-in customer opened a technician's live badge token (在场扫码) while it was live:
    they stood in front of the technician's phone at `scanned_at` (or were sent its screen within
    seconds). Kept as evidence; a rating of that technician within PRESENCE_HOURS carries
    `presence: true`. One row per customer, technician and token step, so reloading the page or a
    retried call records nothing new."""

    __tablename__ = "presences"
    __table_args__ = (
        UniqueConstraint("user_id", "technician_id", "step"),
        CheckConstraint("channel IN ('miniprogram', 'h5')", name="channel"),
        Index("ix_presences_technician_scanned", "technician_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wechat_users.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    step: Mapped[int] = mapped_column(BigInteger)      # the live token's step (live.py)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))
    client_ip: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<Presence user={self.user_id} technician={self.technician_id} step={self.step}>"
