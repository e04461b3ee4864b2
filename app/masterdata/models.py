"""Master data pushed by upstream systems. Each table has its business key as a unique column."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy import false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import UTCDateTime, utcnow
from app.extensions import db

TECHNICIAN_STATUSES = ("active", "suspended", "left")
ORDER_TYPES = ("install", "move", "repair")
PRODUCTS = ("broadband", "iptv", "iptv_bundled", "landline", "campus")
ORDER_STATUSES = ("open", "completed", "cancelled")
CALLBACK_CHANNELS = ("ivr", "manual")
CALLBACK_RESULTS = ("satisfied", "dissatisfied", "no_answer")
COMPLAINT_LEVELS = ("local", "escalated")
# Repairs whose fault lies upstream (OLT equipment, cable) are handed to the responsible post and
# exempt from the overdue penalty (转派责任岗位).
FAULT_CAUSES = ("olt", "cable")
URGE_CAUSES = ("procedure", "overdue", "excused")
PENALTY_KINDS = ("false_closure", "complaint", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Timestamps:
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Technician(Timestamps, db.Model):
    __tablename__ = "technicians"
    __table_args__ = (CheckConstraint(_in("status", TECHNICIAN_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    team: Mapped[str] = mapped_column(String(64), index=True)
    area: Mapped[str] = mapped_column(String(64), index=True)
    vendor: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")

    def __repr__(self) -> str:
        return f"<Technician {self.employee_no} {self.name} {self.status}>"


class TechnicianSuspension(db.Model):
    """A period of 待岗培训: the technician is `suspended` from `starts_on` to `ends_on` (local
    dates, both included) unless lifted. Whether someone is suspended today is read from these
    dates, so a suspension ends by itself; `status` above stays what upstream last sent."""

    __tablename__ = "technician_suspensions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        Index("ix_technician_suspensions_technician_ends", "technician_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    planned_ends_on: Mapped[date] = mapped_column(Date)     # as decided, before any shortening
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last manager change (shortened or lifted) and why; the audit log keeps every one.
    changed_by: Mapped[str | None] = mapped_column(String(100))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    change_note: Mapped[str | None] = mapped_column(Text)

    technician: Mapped[Technician] = relationship()

    def covers(self, day: date) -> bool:
        return self.lifted_at is None and self.starts_on <= day <= self.ends_on

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def __repr__(self) -> str:
        return f"<TechnicianSuspension technician={self.technician_id} {self.starts_on}..{self.ends_on}>"


class BroadbandAccount(Timestamps, db.Model):
    __tablename__ = "broadband_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(String(32), unique=True)
    holder_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(255))
    area: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<BroadbandAccount {self.account_no}>"


class WorkOrder(Timestamps, db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        CheckConstraint(_in("order_type", ORDER_TYPES), name="order_type"),
        CheckConstraint(_in("product", PRODUCTS), name="product"),
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        CheckConstraint("status != 'completed' OR completed_at IS NOT NULL",
                        name="completed_has_time"),
        CheckConstraint(f"fault_cause IS NULL OR {_in('fault_cause', FAULT_CAUSES)}",
                        name="fault_cause"),
        Index("ix_work_orders_technician_completed", "technician_id", "completed_at"),
        Index("ix_work_orders_completed_at", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("broadband_accounts.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    order_type: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    # Repairs: the deadline (NULL: created_at + 24 h) and what caused the fault (NULL: the line).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fault_cause: Mapped[str | None] = mapped_column(String(16))

    account: Mapped[BroadbandAccount] = relationship()
    technician: Mapped[Technician] = relationship()

    def __repr__(self) -> str:
        return f"<WorkOrder {self.order_no} {self.order_type}/{self.product} {self.status}>"


class CallbackResult(Timestamps, db.Model):
    """An IVR or manual callback (回访) outcome. Business key: order, channel and call time."""

    __tablename__ = "callback_results"
    __table_args__ = (
        UniqueConstraint("order_id", "channel", "called_at"),
        CheckConstraint(_in("channel", CALLBACK_CHANNELS), name="channel"),
        CheckConstraint(_in("result", CALLBACK_RESULTS), name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    result: Mapped[str] = mapped_column(String(16))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)

    order: Mapped[WorkOrder] = relationship()

    def __repr__(self) -> str:
        return f"<CallbackResult order={self.order_id} {self.channel} {self.result}>"


class Complaint(Timestamps, db.Model):
    """A customer complaint (投诉) against an order and/or a technician.

    Complaints carry no id upstream; their business key is the order, the technician and the time,
    stored as `natural_key` because either side may be missing and NULLs never collide in UNIQUE.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(_in("level", COMPLAINT_LEVELS), name="level"),
        Index("ix_complaints_technician_complained", "technician_id", "complained_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(120), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    complained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[str] = mapped_column(String(16))
    justified: Mapped[bool] = mapped_column(Boolean)

    def __repr__(self) -> str:
        return f"<Complaint technician={self.technician_id} {self.level} justified={self.justified}>"


# --- What the pay sheet reads besides orders (SPEC "The whole pay sheet") -----------------------

class Urge(Timestamps, db.Model):
    """A customer's urge (催修) on an order. Business key: the order and the time of the urge."""

    __tablename__ = "urges"
    __table_args__ = (
        UniqueConstraint("order_id", "urged_at"),
        CheckConstraint(_in("cause", URGE_CAUSES), name="cause"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    urged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(16))
    appointment_recorded: Mapped[bool] = mapped_column(Boolean)

    def __repr__(self) -> str:
        return f"<Urge order={self.order_id} {self.cause}>"


class Penalty(Timestamps, db.Model):
    """A service penalty decided elsewhere: a false closure (虚假回单) of an order, or a complaint
    or other fine. A false closure is one per order; the others are keyed by kind, technician,
    order and time (`natural_key`, as complaints are)."""

    __tablename__ = "penalties"
    __table_args__ = (
        CheckConstraint(_in("kind", PENALTY_KINDS), name="kind"),
        CheckConstraint("amount_fen IS NULL OR amount_fen >= 0", name="amount"),
        CheckConstraint("kind != 'false_closure' OR order_id IS NOT NULL",
                        name="false_closure_has_order"),
        CheckConstraint("kind = 'false_closure' OR (amount_fen IS NOT NULL AND "
                        "occurred_at IS NOT NULL)", name="fine_has_amount_and_time"),
        Index("ix_penalties_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    # NULL only for a false closure without an amount: the tariff's default applies when paid.
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Penalty {self.kind} technician={self.technician_id} {self.amount_fen}>"


class Commission(Timestamps, db.Model):
    """Sales and other commissions (顺销等酬金) of a technician for a month, one row per note."""

    __tablename__ = "commissions"
    __table_args__ = (UniqueConstraint("technician_id", "month", "note"),
                      Index("ix_commissions_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    month: Mapped[str] = mapped_column(String(7))            # YYYY-MM
    amount_fen: Mapped[int] = mapped_column(Integer)          # signed: a correction may claw back
    note: Mapped[str] = mapped_column(String(200), default="")

    def __repr__(self) -> str:
        return f"<Commission technician={self.technician_id} {self.month} {self.amount_fen}>"


class AssessmentItem(Timestamps, db.Model):
    """Points of one assessment item (考核项) kept outside the service, per technician and month."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("technician_id", "month", "item"),
                      Index("ix_assessment_items_month", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    month: Mapped[str] = mapped_column(String(7))            # YYYY-MM
    item: Mapped[str] = mapped_column(String(64))
    points_centi: Mapped[int] = mapped_column(Integer)        # hundredths of a point, exact
    note: Mapped[str] = mapped_column(String(200), default="")

    def __repr__(self) -> str:
        return f"<AssessmentItem technician={self.technician_id} {self.month} {self.item}>"


IMPORT_CHANNELS = ("console", "api", "cli")


class ImportRun(db.Model):
    """One import as people remember it: who sent which file when, what it did, and the rows it
    refused with their original cells, so they can be downloaded, fixed and sent again."""

    __tablename__ = "import_runs"
    __table_args__ = (CheckConstraint(_in("channel", IMPORT_CHANNELS), name="channel"),
                      Index("ix_import_runs_kind_started", "kind", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255), default="")
    actor: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows_seen: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    header: Mapped[list] = mapped_column(JSON, default=list)      # the file's own columns
    rejected: Mapped[list] = mapped_column(JSON, default=list)    # [{row, error, cells}], ≤ 1000

    def __repr__(self) -> str:
        return f"<ImportRun {self.id} {self.kind} {self.filename!r} by {self.actor}>"
