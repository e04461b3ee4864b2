"""Flags raised on ratings, the cases that group them, the decisions taken on them, and the
offences (one per technician-month) that follow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db
from app.masterdata.models import Technician, TechnicianSuspension, WorkOrder
from app.rating.models import Rating

FLAG_STATUSES = ("open", "confirmed", "dismissed")
CASE_STATUSES = ("open", "confirmed", "dismissed")
DECISIONS = ("confirmed", "dismissed", "reopened", "reversed")
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
    # Bumped by every decision: a decision names the version it saw (ETag / If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("fraud_cases.id"), index=True)
    # The offence a confirmed flag counts in; None while not confirmed.
    offence_id: Mapped[int | None] = mapped_column(ForeignKey("fraud_offences.id"), index=True)

    rating: Mapped[Rating] = relationship()
    order: Mapped[WorkOrder] = relationship()
    technician: Mapped[Technician] = relationship()
    case: Mapped[FraudCase | None] = relationship(back_populates="flags")

    @property
    def detector_ids(self) -> list[str]:
        return [d for d in (self.detectors or "").split(",") if d]

    def __repr__(self) -> str:
        return f"<FraudFlag rating={self.rating_id} {self.score:.2f} {self.status}>"


class FraudCase(db.Model):
    """Flags that share evidence — one technician-month, one ring, one burst — reviewed together.

    One decision with one note settles the case: the ticked ratings confirmed, the rest
    dismissed. Its score is its strongest flag's. A case anyone has decided on keeps its flags.
    """

    __tablename__ = "fraud_cases"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status"),
        Index("ix_fraud_cases_status_score", "status", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    month: Mapped[str | None] = mapped_column(String(7), index=True)   # its earliest flag's
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    flags: Mapped[list[FraudFlag]] = relationship(
        back_populates="case", order_by="(FraudFlag.score.desc(), FraudFlag.id)")

    def __repr__(self) -> str:
        return f"<FraudCase {self.id} {self.flag_count} flags {self.score:.2f} {self.status}>"


class FraudDecision(db.Model):
    """Every decision on a flag, kept with who, when and why (flags can be re-decided, and a
    confirmation reversed). A case decision writes one row per flag it settled, with the case."""

    __tablename__ = "fraud_decisions"
    __table_args__ = (
        CheckConstraint("decision IN ('confirmed', 'dismissed', 'reopened', 'reversed')",
                        name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("fraud_flags.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("fraud_cases.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    flag: Mapped[FraudFlag] = relationship()

    def __repr__(self) -> str:
        return f"<FraudDecision flag={self.flag_id} {self.decision}>"


class FraudOffence(db.Model):
    """One finding (一次发现): every fraud confirmed against a technician for one month (of the
    rated orders' completion), however many ratings, flags or cases it spans (SPEC flow 5).

    Offences are numbered by month among the technician's live ones; undoing the last confirmed
    rating of a month revokes its offence (kept, with `revoked_at`) and renumbers later months.
    """

    __tablename__ = "fraud_offences"
    __table_args__ = (
        UniqueConstraint("technician_id", "month"),
        CheckConstraint("offence_no >= 1", name="offence_no"),
        CheckConstraint("fine >= 0", name="fine"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    month: Mapped[str] = mapped_column(String(7))           # YYYY-MM in TIMEZONE
    offence_no: Mapped[int] = mapped_column(Integer)
    fine: Mapped[int] = mapped_column(Integer)               # yuan
    suspension: Mapped[bool] = mapped_column(Boolean, default=False)
    # The suspension this offence brought (kept when a manager lifts it early).
    suspension_id: Mapped[int | None] = mapped_column(ForeignKey("technician_suspensions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    technician: Mapped[Technician] = relationship()
    suspension_row: Mapped[TechnicianSuspension | None] = relationship()
    flags: Mapped[list[FraudFlag]] = relationship(order_by="FraudFlag.id", viewonly=True)

    @property
    def rating_ids(self) -> list[int]:
        """The confirmed fake ratings this finding rests on."""
        return [flag.rating_id for flag in self.flags]

    def __repr__(self) -> str:
        return f"<FraudOffence technician={self.technician_id} {self.month} #{self.offence_no}>"


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
    """A technician's appeal against a confirmed flag; upholding it reverses the confirmation."""

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
