"""Service recovery (满意度修复): a task for the team after a low rating or a dissatisfied callback."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, insert, select
from sqlalchemy.orm import joinedload

from app import tasks
from app.db import insert_unless_duplicate, utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.masterdata.models import CallbackResult, Technician, WorkOrder
from app.masterdata.service import rows_imported
from app.rating.models import Rating, RecoveryTask


def open_recovery_task(*, order_id: int, technician_id: int, team: str, area: str, source: str,
                       stars: int | None, due_at: datetime, now: datetime) -> int | None:
    """Open the order's recovery task unless it already has one (one task per order)."""
    return insert_unless_duplicate(db.session, RecoveryTask.__table__, {
        "order_id": order_id, "technician_id": technician_id, "team": team, "area": area,
        "source": source, "stars": stars, "status": "open", "due_at": due_at, "created_at": now,
    }, unique="order_id")


def open_recovery_for_dissatisfied_callbacks(*, due_hours: int,
                                             now: datetime | None = None) -> int:
    """Open tasks for orders with a dissatisfied callback and no task yet (set-based)."""
    now = now or utcnow()
    candidates = (
        select(WorkOrder.id, WorkOrder.technician_id, Technician.team, Technician.area)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(exists().where(and_(CallbackResult.order_id == WorkOrder.id,
                                   CallbackResult.result == "dissatisfied")))
        .where(~exists().where(RecoveryTask.order_id == WorkOrder.id))
    )
    rows = [{"order_id": r.id, "technician_id": r.technician_id, "team": r.team, "area": r.area,
             "source": "callback", "stars": 1, "status": "open",
             "due_at": now + timedelta(hours=due_hours), "created_at": now}
            for r in db.session.execute(candidates)]
    if rows:
        db.session.execute(insert(RecoveryTask.__table__), rows)
    return len(rows)


def list_recovery_tasks(*, team: str | None = None, area: str | None = None,
                        status: str | None = None, overdue: bool = False,
                        now: datetime | None = None, page: int = 1, per_page: int = 50,
                        technician_id: int | None = None):
    now = now or utcnow()
    query = select(RecoveryTask).options(joinedload(RecoveryTask.order))
    if technician_id is not None:
        query = query.where(RecoveryTask.technician_id == technician_id)
    if team:
        query = query.where(RecoveryTask.team == team)
    if area:
        query = query.where(RecoveryTask.area == area)
    if status:
        query = query.where(RecoveryTask.status == status)
    if overdue:
        query = query.where(RecoveryTask.status != "closed", RecoveryTask.due_at < now)
    query = query.order_by(RecoveryTask.due_at, RecoveryTask.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def ratings_of_orders(order_ids: list[int]) -> dict[int, Rating]:
    """The rating of each order that has one (what the customer said, for the follow-up call)."""
    if not order_ids:
        return {}
    rows = db.session.scalars(select(Rating).where(Rating.order_id.in_(order_ids)))
    return {row.order_id: row for row in rows}


def get_recovery_task(task_id: int) -> RecoveryTask:
    task = db.session.get(RecoveryTask, task_id)
    if task is None:
        raise NotFound("修复工单不存在 (recovery task not found)", code="recovery_task_not_found")
    return task


def claim_recovery_task(*, task_id: int, by: str, now: datetime | None = None) -> RecoveryTask:
    task = get_recovery_task(task_id)
    if task.status == "closed":
        raise Conflict("修复工单已关闭 (the task is closed)", code="recovery_task_closed")
    if task.status == "claimed" and task.claimed_by != by:
        raise Conflict(f"已由 {task.claimed_by} 认领 (already claimed)", code="recovery_task_claimed")
    task.status, task.claimed_by, task.claimed_at = "claimed", by, now or utcnow()
    return task


def close_recovery_task(*, task_id: int, by: str, note: str,
                        now: datetime | None = None) -> RecoveryTask:
    task = get_recovery_task(task_id)
    if task.status == "closed":
        raise Conflict("修复工单已关闭 (the task is closed)", code="recovery_task_closed")
    task.status, task.closed_by, task.closed_at, task.note = "closed", by, now or utcnow(), note
    return task


def _after_import(kind: str, result) -> None:
    from app.rating.invitations import queue_invitations

    if not (result.created or result.updated):
        return
    if kind == "callbacks":
        open_recovery_for_dissatisfied_callbacks(
            due_hours=current_app.config["RECOVERY_DUE_HOURS"])
    elif kind == "orders":
        if queue_invitations(window_days=current_app.config["RATING_WINDOW_DAYS"]):
            tasks.enqueue("rating.send_invitations")     # sent once the import commits


def connect_import_listeners() -> None:
    """Follow callback imports with recovery tasks and order imports with rating invitations."""
    rows_imported.connect(_after_import)
