"""What the console and CLI do with tasks: list them, enqueue one by name, retry a dead one."""
from __future__ import annotations

from sqlalchemy import case, select

from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.tasks.dispatch import enqueue, requeue
from app.tasks.models import STATUSES, TaskRun
from app.tasks.registry import REGISTRY

__all__ = ["enqueue", "enqueue_by_name", "get", "recent", "requeue", "retry", "summary"]


def get(task_id: int) -> TaskRun:
    run = db.session.get(TaskRun, task_id)
    if run is None:
        raise NotFound("任务不存在 (task not found)", code="task_not_found")
    return run


def enqueue_by_name(name: str, *, key: str | None, args: dict) -> int:
    if name not in REGISTRY:
        raise Unprocessable(f"没有这个任务 {name!r} (unknown task)", code="unknown_task",
                            details={"known": sorted(REGISTRY)})
    return enqueue(name, key=key, **args)


def recent(*, status: str | None = None, limit: int = 50) -> list[TaskRun]:
    """Dead and retrying tasks first (they need someone), then the newest."""
    query = select(TaskRun)
    if status in STATUSES:
        query = query.where(TaskRun.status == status)
    urgency = case((TaskRun.status == "dead", 0), (TaskRun.status == "retrying", 1),
                   (TaskRun.status == "running", 2), else_=3)
    return list(db.session.scalars(query.order_by(urgency, TaskRun.id.desc()).limit(limit)))


def summary() -> dict[str, int]:
    from sqlalchemy import func
    rows = db.session.execute(select(TaskRun.status, func.count()).group_by(TaskRun.status))
    return {status: count for status, count in rows}


def retry(task_id: int) -> TaskRun:
    """A dead task gets all its attempts again, after this transaction commits."""
    run = get(task_id)
    if run.status != "dead":
        raise Conflict("只能重试失败的任务 (only dead tasks are retried)", code="task_not_dead")
    run.status, run.attempts, run.finished_at = "queued", 0, None
    requeue(run.id, run.name)
    return run
