"""Closed months: versioned, frozen copies of the monthly report, the whole pay sheet and every
line of every technician's pay; and the monthly bulletin sent after a close.

A month is closed while its latest version has not been reopened. Later imports, voided ratings
or fraud decisions change the live figures, never a version; closing again (after a reopen) or
recomputing writes a new version that records the tariff it used and what changed per technician.
"""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db


class MonthVersion(db.Model):
    __tablename__ = "report_month_versions"
    __table_args__ = (
        UniqueConstraint("month", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("kind IN ('close', 'recompute')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))           # YYYY-MM in TIMEZONE
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    tariff_version: Mapped[str] = mapped_column(String(80))
    tariff: Mapped[dict] = mapped_column(JSON)               # the full document, to reprice later
    totals: Mapped[dict] = mapped_column(JSON)
    # vs the previous version: {"changed": [{"employee_no", "changes": {field: {old, new}}}],
    # "added": [...], "removed": [...], "tariff_changed": bool}; NULL for version 1.
    changes: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reopened_by: Mapped[str | None] = mapped_column(String(100))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    # Set by the close that wrote this version, for its answer; not stored.
    bulletins_queued: ClassVar[int | None] = None

    @property
    def is_open(self) -> bool:
        return self.reopened_at is not None

    def __repr__(self) -> str:
        return f"<MonthVersion {self.month} v{self.version} {self.tariff_version}>"


class MonthRow(db.Model):
    """One technician's lines of a closed month, exactly as the monthly report (`figures`) and the
    pay sheet (`pay`) showed them; either is NULL when the technician was not on that one."""

    __tablename__ = "report_month_rows"
    __table_args__ = (UniqueConstraint("version_id", "technician_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_month_versions.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32))
    install_pay_fen: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict | None] = mapped_column(JSON)
    pay: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<MonthRow v={self.version_id} {self.employee_no} {self.install_pay_fen}>"


LEDGER_COMPONENTS = ("install", "maintenance", "commission", "quarterly_bonus", "overdue", "urge",
                     "false_closure", "fraud", "complaint", "other")


class LedgerLine(db.Model):
    """One line of a technician's pay in a closed month, signed (penalties are negative).

    `install` lines are one per completed order (its effective star, source and install pay);
    `maintenance`, `overdue`, `urge` and `false_closure` lines belong to an order too; commission,
    quarterly bonus, fraud, complaint and other lines do not (order columns NULL, `detail` says
    what they are). A technician's lines sum to the pay sheet's total_pay, component by component.
    """

    __tablename__ = "report_ledger_lines"
    __table_args__ = (
        Index("ix_report_ledger_lines_version_technician", "version_id", "technician_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint("component IN ('" + "', '".join(LEDGER_COMPONENTS) + "')",
                        name="component"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_month_versions.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    component: Mapped[str] = mapped_column(String(16), server_default="install")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    order_no: Mapped[str | None] = mapped_column(String(32))
    order_type: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stars: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(16))
    rating_id: Mapped[int | None] = mapped_column(Integer)
    pay_rule: Mapped[str] = mapped_column(String(16))
    priced_star: Mapped[int | None] = mapped_column(Integer)
    unit_price_fen: Mapped[int | None] = mapped_column(Integer)
    coefficient: Mapped[str | None] = mapped_column(String(16))     # exact decimal text
    quantity: Mapped[int | None] = mapped_column(Integer)           # e.g. days overdue
    score: Mapped[str | None] = mapped_column(String(16))           # assessment score applied
    detail: Mapped[dict | None] = mapped_column(JSON)
    amount_fen: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<LedgerLine {self.component} {self.order_no} {self.amount_fen}>"


BULLETIN_STATUSES = ("pending", "sending", "sent", "failed", "no_recipient")


class Bulletin(db.Model):
    """The monthly bulletin (每月评选结果告示) for one technician and one closed version: queued in
    the close's transaction, sent afterwards, at most once (a unique key, a claiming UPDATE)."""

    __tablename__ = "report_bulletins"
    __table_args__ = (
        UniqueConstraint("technician_id", "month", "version"),
        CheckConstraint("status IN ('" + "', '".join(BULLETIN_STATUSES) + "')", name="status"),
        Index("ix_report_bulletins_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    month: Mapped[str] = mapped_column(String(7))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON)        # score, rank, total pay as announced
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return (f"<Bulletin {self.month} v{self.version} technician={self.technician_id} "
                f"{self.status}>")
