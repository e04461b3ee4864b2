"""Flags raised on ratings, the decisions taken on them, and the sanctions that follow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.masterdata.models import Technician, WorkOrder
from app.rating.models import Rating

FLAG_STATUSES = ("open", "confirmed", "dismissed")
SAMPLE_OUTCOMES = ("customer_confirmed", "customer_denied", "unreachable")
APPEAL_STATUSES = ("open", "upheld", "rejected")


class FraudFlag(db.Model):
    """One flag per rating: the combined score and every detector's reason with its evidence.

    A flag is evidence for an auditor to weigh, never a sanction by itself.
    """

    __tablename__ = "fraud_flags"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status"),
        CheckConstraint("score >= 0 AND score <= 1", name="score"),
        Index("ix_fraud_flags_status_score", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    # YYYY-MM (TIMEZONE) of the rated order's completion: the month a scan covers and a sanction
    # lands in. Null only for flags raised before migration 0007.
    month: Mapped[str | None] = mapped_column(String(7), index=True)
    score: Mapped[float] = mapped_column(Float)
    # ",burst,shared_device," — lets the queue filter by detector with a portable LIKE.
    detectors: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # [{"detector", "score", "detail" (zh), "detail_en", "evidence": {...}}]
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    rating: Mapped[Rating] = relationship()
    order: Mapped[WorkOrder] = relationship()
    technician: Mapped[Technician] = relationship()

    @property
    def detector_ids(self) -> list[str]:
        return [d for d in (self.detectors or "").split(",") if d]

    def __repr__(self) -> str:
        return f"<FraudFlag rating={self.rating_id} {self.score:.2f} {self.status}>"


class FraudDecision(db.Model):
    """Every decision on a flag, kept with who, when and why (flags can be re-decided)."""

    __tablename__ = "fraud_decisions"
    __table_args__ = (
        CheckConstraint("decision IN ('confirmed', 'dismissed', 'reopened')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("fraud_flags.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    flag: Mapped[FraudFlag] = relationship()

    def __repr__(self) -> str:
        return f"<FraudDecision flag={self.flag_id} {self.decision}>"


class Sanction(db.Model):
    """The consequence of a confirmed fraud for the technician, in the month of the rated order:
    not star-eligible that month, no quarterly grade, and the offence count's fine/suspension."""

    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint("offence_no >= 1", name="offence_no"),
        Index("ix_sanctions_technician_month", "technician_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("fraud_flags.id"), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    month: Mapped[str] = mapped_column(String(7))           # YYYY-MM in TIMEZONE
    offence_no: Mapped[int] = mapped_column(Integer)
    fine: Mapped[int] = mapped_column(Integer)               # yuan
    suspension: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Sanction technician={self.technician_id} {self.month} #{self.offence_no}>"


class TechnicianSighting(db.Model):
    """An address (and device) a technician used for their own requests: a rating sent from it is
    the technician's hand. One row per technician and address, first and last seen."""

    __tablename__ = "technician_sightings"
    __table_args__ = (UniqueConstraint("technician_id", "client_ip"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    client_ip: Mapped[str] = mapped_column(String(45), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(400))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<TechnicianSighting technician={self.technician_id} {self.client_ip}>"


class FraudSample(db.Model):
    """A month's callback sample (抽样回访): flagged ratings by score band plus unflagged ones.
    `populations` holds each stratum's size when drawn, which the estimates weigh by."""

    __tablename__ = "fraud_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    seed: Mapped[int] = mapped_column(Integer)
    populations: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[FraudSampleItem]] = relationship(
        back_populates="sample", order_by="FraudSampleItem.id")

    def __repr__(self) -> str:
        return f"<FraudSample {self.month} #{self.id}>"


class FraudSampleItem(db.Model):
    """One rating to call back, and what the customer said."""

    __tablename__ = "fraud_sample_items"
    __table_args__ = (
        UniqueConstraint("sample_id", "rating_id"),
        CheckConstraint("outcome IS NULL OR outcome IN "
                        "('customer_confirmed', 'customer_denied', 'unreachable')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("fraud_samples.id"))
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), index=True)
    stratum: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    detectors: Mapped[list] = mapped_column(JSON, default=list)   # as they stood when drawn
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    called_by: Mapped[str | None] = mapped_column(String(100))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sample: Mapped[FraudSample] = relationship(back_populates="items")

    def __repr__(self) -> str:
        return f"<FraudSampleItem rating={self.rating_id} {self.stratum} {self.outcome}>"


class FraudAppeal(db.Model):
    """A technician's appeal against a confirmed flag; upholding it dismisses the flag."""

    __tablename__ = "fraud_appeals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("fraud_flags.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<FraudAppeal flag={self.flag_id} {self.status}>"
