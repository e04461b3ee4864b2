"""`flask tasks …`: run workers, enqueue a task by hand, list and retry tasks."""
from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from app.db import utcnow
from app.extensions import db
from app.tasks import service
from app.tasks.models import TaskRun


@click.group("tasks", help="后台任务 (background tasks).")
def tasks_cli():
    pass


@tasks_cli.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker(burst: bool):
    """Run tasks from Redis (REDIS_URL). Start as many as the load needs, on any server."""
    from rq import SimpleWorker

    from app.tasks.queue import use_app

    queue = current_app.extensions.get("task_queue")
    if queue is None:
        raise click.ClickException("REDIS_URL is not set: tasks run inside the web process")
    use_app(current_app._get_current_object())
    # SimpleWorker runs each job in this process (no fork per job): the app, its pools and
    # the compiled statements are built once; a crashed job is retried by RQ.
    SimpleWorker([queue.queue], connection=queue.connection).work(
        burst=burst, with_scheduler=True, logging_level="WARNING")


@tasks_cli.command("enqueue")
@click.argument("name")
@click.argument("args", nargs=-1)
@click.option("--key", default=None, help="idempotency key: enqueued once")
@with_appcontext
def enqueue_command(name: str, args: tuple[str, ...], key: str | None):
    """Enqueue task NAME with ARGS as key=value (values are JSON when they parse)."""
    values = {}
    for arg in args:
        field, _, raw = arg.partition("=")
        try:
            values[field] = json.loads(raw)
        except ValueError:
            values[field] = raw
    task_id = service.enqueue_by_name(name, key=key, args=values)
    db.session.commit()
    click.echo(f"task {task_id} queued")


@tasks_cli.command("list")
@click.option("--status", default=None, help="queued|running|retrying|done|dead")
@click.option("--limit", default=30, show_default=True)
@with_appcontext
def list_command(status: str | None, limit: int):
    for run in service.recent(status=status, limit=limit):
        click.echo(f"{run.id:>6} {run.status:<9} {run.name:<28} attempts {run.attempts}/"
                   f"{run.max_attempts} {run.error or ''}"[:160])


@tasks_cli.command("retry")
@click.argument("task_id", type=int)
@with_appcontext
def retry_command(task_id: int):
    """Run a dead task again (all its attempts anew)."""
    service.retry(task_id)
    db.session.commit()
    click.echo(f"task {task_id} queued again")


@tasks_cli.command("sweep")
@click.option("--older-than", default=300, show_default=True, help="seconds")
@click.option("--keep-days", default=30, show_default=True, help="finished tasks kept")
@with_appcontext
def sweep(older_than: int, keep_days: int):
    """Hand over again tasks left queued (Redis was down at their commit, or lost them), and
    forget finished ones after --keep-days (dead letters stay until retried)."""
    stale = list(db.session.scalars(select(TaskRun).where(
        TaskRun.status.in_(("queued", "retrying")),
        TaskRun.created_at < utcnow() - timedelta(seconds=older_than))))
    for run in stale:
        service.requeue(run.id, run.name)
    forgotten = db.session.execute(delete(TaskRun).where(
        TaskRun.status == "done",
        TaskRun.finished_at < utcnow() - timedelta(days=keep_days))).rowcount
    db.session.commit()
    click.echo(f"{len(stale)} tasks handed over again, {forgotten} finished tasks forgotten")
