"""Handing tasks over once their transaction commits: to RQ with Redis, else in this process."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import redis_client
from app.db import insert_unless_duplicate, utcnow
from app.extensions import db
from app.tasks.models import TaskRun
from app.tasks.registry import REGISTRY

_PENDING = "tasks_pending"          # session.info: ids enqueued in the open transaction
_READY = "tasks_ready"              # g: ids committed and waiting to run in this process


def enqueue(name: str, *, key: str | None = None, **args) -> int:
    """Add task `name` to the current transaction; it is handed over when that commits.
    With `key`, a task of that key enqueued before (in any state) is not added again.
    Returns the task's id."""
    spec = REGISTRY[name]
    values = {"name": name, "key": key, "args": args, "status": "queued", "attempts": 0,
              "max_attempts": spec.attempts, "progress_done": 0, "progress_note": "",
              "created_at": utcnow()}
    if key is None:
        run = TaskRun(**values)
        db.session.add(run)
        db.session.flush()
        task_id = run.id
    else:
        task_id = insert_unless_duplicate(db.session, TaskRun.__table__, values, unique="key")
        if task_id is None:
            return db.session.scalar(select(TaskRun.id).where(TaskRun.key == key))
    requeue(task_id, name)
    return task_id


def requeue(task_id: int, name: str) -> None:
    """Hand a task over after this transaction commits (enqueue, console retry, the sweeper)."""
    db.session.info.setdefault(_PENDING, []).append((task_id, name))


def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _hand_over(pending)


def _rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:         # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


def _hand_over(pending: list[tuple[int, str]]) -> None:
    app = current_app._get_current_object()
    queue = app.extensions.get("task_queue")
    if queue is not None and redis_client.available(queue.url):
        try:
            for task_id, name in pending:
                queue.push(task_id, name)
            return
        except Exception as exc:   # Redis down: the committed rows are safe; run them here
            # (and skip Redis for its cooldown, so requests do not each wait for its timeout)
            redis_client.mark_down(queue.url, "task_queue", exc)
    g.setdefault(_READY, []).extend(task_id for task_id, _ in pending)


def drain(app: Flask | None = None) -> int:
    """Run the tasks this app context has ready, each in an app context of its own; tasks they
    enqueue run too. Returns how many ran."""
    from app.tasks.runner import run_inline

    app = app or current_app._get_current_object()
    ran = 0
    while ids := g.pop(_READY, None):
        for task_id in ids:
            run_inline(app, task_id)
            ran += 1
    return ran


def _after_request(response):
    ids = g.pop(_READY, None)
    if not ids:
        return response
    app = current_app._get_current_object()
    if app.config["TASKS_EAGER"]:
        g.setdefault(_READY, []).extend(ids)
        drain(app)
    else:
        # After the last byte of the response: the caller never waits for a side effect (an
        # SMS provider taking 300 ms must not show in the answer's time).
        response.call_on_close(lambda: _run_after_response(app, ids))
    return response


def _run_after_response(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        g.setdefault(_READY, []).extend(ids)
        drain(app)


def _teardown(_exc) -> None:
    # Committed tasks no response took (CLI commands, shells, tasks that enqueue tasks) run when
    # their app context ends.
    if g.get(_READY):
        drain()


def init_tasks(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url and app.config["TASKS_BACKEND"] in ("auto", "rq"):
        from app.tasks.queue import RqQueue
        app.extensions["task_queue"] = RqQueue(url, app.config["TASKS_QUEUE"])
    app.after_request(_after_request)
    app.teardown_appcontext(_teardown)
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_soft_rollback", _rolled_back)
    from app.tasks import cli, jobs  # noqa: F401  (register the tasks and `flask tasks`)
    app.cli.add_command(cli.tasks_cli)
