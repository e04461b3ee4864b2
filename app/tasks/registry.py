"""The task registry and the progress report a long task gives while it runs."""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import update

from app.extensions import db
from app.tasks.models import TaskRun


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable
    attempts: int = 3                       # first run included
    backoff: tuple[int, ...] = (10, 60, 300)    # seconds before the 2nd, 3rd … attempt
    timeout: int = 600                      # seconds a worker gives one attempt


REGISTRY: dict[str, TaskSpec] = {}
current_task_id: ContextVar[int | None] = ContextVar("current_task_id", default=None)


def task(name: str, *, attempts: int = 3, backoff: tuple[int, ...] = (10, 60, 300),
         timeout: int = 600):
    """Register a function (keyword arguments, JSON values) as the task `name`."""
    def decorator(func: Callable) -> Callable:
        REGISTRY[name] = TaskSpec(name, func, attempts, tuple(backoff), timeout)
        return func
    return decorator


def progress(done: int, total: int | None = None, note: str = "") -> None:
    """Tell the console how far the running task is. On PostgreSQL it is written at once on a
    connection of its own, so it shows while the task's own transaction is still open; on
    SQLite (one writer at a time) it lands with the task's next commit."""
    task_id = current_task_id.get()
    if task_id is None:
        return
    statement = update(TaskRun).where(TaskRun.id == task_id).values(
        progress_done=done, progress_total=total, progress_note=note[:200])
    if db.engine.dialect.name != "sqlite":
        with db.engine.begin() as connection:
            if connection.execute(statement).rowcount:
                return
    # SQLite, or a task row not committed yet (enqueued and run inside one test transaction).
    db.session.execute(statement)
