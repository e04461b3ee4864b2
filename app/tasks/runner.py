"""Running one task: claim its row, call it, record the outcome."""
from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta

from flask import Flask
from sqlalchemy import or_, update

from app.db import utcnow
from app.extensions import db
from app.tasks.models import TaskRun
from app.tasks.registry import REGISTRY, current_task_id

log = logging.getLogger(__name__)
# A run still `running` after this long died with its worker: it may be claimed again.
STALE_AFTER = timedelta(hours=1)
# In process (no Redis) a retry waits at most this long: the worker is a web worker.
INLINE_MAX_BACKOFF = 2.0


class TaskFailed(Exception):
    """An attempt failed; the queue retries it unless it was the last."""


def claim(task_id: int) -> bool:
    """Take the task for this attempt; False when it is done, dead, or running elsewhere."""
    now = utcnow()
    result = db.session.execute(
        update(TaskRun)
        .where(TaskRun.id == task_id, or_(
            TaskRun.status.in_(("queued", "retrying")),
            (TaskRun.status == "running") & (TaskRun.started_at < now - STALE_AFTER)))
        .values(status="running", attempts=TaskRun.attempts + 1, started_at=now, error=None))
    db.session.commit()
    return result.rowcount == 1


def perform(task_id: int) -> str:
    """Run one attempt in the current app context: `done`, `skipped` (claimed elsewhere or
    finished), or TaskFailed after recording the failure (`retrying`, or `dead` when no
    attempts are left)."""
    try:
        if not claim(task_id):
            return "skipped"
        run = db.session.get(TaskRun, task_id)
        spec = REGISTRY[run.name]
        token = current_task_id.set(task_id)
        try:
            result = spec.func(**run.args)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            _failed(task_id, exc)
            raise TaskFailed(f"{run.name} #{task_id}: {exc!r}") from exc
        finally:
            current_task_id.reset(token)
        db.session.execute(update(TaskRun).where(TaskRun.id == task_id).values(
            status="done", finished_at=utcnow(),
            result=result if isinstance(result, dict) else None))
        db.session.commit()
        return "done"
    finally:
        db.session.remove()


def _failed(task_id: int, exc: Exception) -> None:
    run = db.session.get(TaskRun, task_id)
    run.status = "dead" if run.attempts >= run.max_attempts else "retrying"
    run.error = "".join(traceback.format_exception_only(exc)).strip()[-2000:]
    run.finished_at = utcnow()
    db.session.commit()
    level = logging.ERROR if run.status == "dead" else logging.WARNING
    log.log(level, "task %s #%s failed (attempt %s of %s)", run.name, task_id, run.attempts,
            run.max_attempts, extra={"task": run.name, "task_id": task_id,
                                     "status": run.status, "error": run.error})


def run_inline(app: Flask, task_id: int) -> str:
    """Every attempt of a task in this process, with (short) backoff between attempts."""
    attempt = 0
    while True:
        with app.app_context():
            try:
                return perform(task_id)
            except TaskFailed:
                run = db.session.get(TaskRun, task_id)
                status, name = run.status, run.name
                db.session.remove()
        if status == "dead":
            return "dead"
        backoff = REGISTRY[name].backoff
        time.sleep(min(backoff[min(attempt, len(backoff) - 1)], INLINE_MAX_BACKOFF)
                   if backoff else 0)
        attempt += 1
