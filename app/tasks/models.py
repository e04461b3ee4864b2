"""One row per task: the outbox that hands work to the queue, and what the console shows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, utcnow
from app.extensions import db

STATUSES = ("queued", "running", "retrying", "done", "dead")


class TaskRun(db.Model):
    """A task to run once: written in the transaction that wants it, run after that commits.

    `key` makes a task idempotent: enqueuing the same key again while one exists adds nothing
    (a month closes once, an invitation is sent once). `dead` is the dead-letter list: every
    attempt failed; an admin can retry it from the console.
    """

    __tablename__ = "task_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'retrying', 'done', 'dead')",
                        name="status"),
        Index("ix_task_runs_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    progress_note: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<TaskRun {self.id} {self.name} {self.status}>"
