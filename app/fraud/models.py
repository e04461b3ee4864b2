"""Flags raised on ratings, the decisions taken on them, and the sanctions that follow."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db

FLAG_STATUSES = ("open", "confirmed", "dismissed")


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
    score: Mapped[float] = mapped_column(Float)
    # [{"detector", "score", "detail" (zh), "detail_en", "evidence": {...}}]
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

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
