"""RQ as the task queue when REDIS_URL is set.

Why RQ: the tasks here are few and plain (send one SMS, scan one month), Redis is already the
deployment's shared store, and RQ brings what is needed and no more — retries with backoff
(`Retry`), a failed-job registry, a scheduler for delayed retries, workers that are one command.
Celery would add a second configuration world for the same result; Dramatiq needs a results
middleware for what `task_runs` already records. The queue only carries task ids: arguments,
state, progress and the dead-letter list live in the database (`task_runs`), so they survive a
Redis restart and look the same without Redis.
"""
from __future__ import annotations

import re
from functools import cached_property

from flask import Flask, has_app_context

from app.tasks.registry import REGISTRY

JOB = "app.tasks.queue.run_job"
FAILURE_TTL = 30 * 86400
_worker_app: Flask | None = None


class RqQueue:
    def __init__(self, url: str, name: str):
        self.url, self.name = url, name

    @cached_property
    def connection(self):
        import redis
        # RQ stores pickled job data: it needs a connection that answers bytes.
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    @cached_property
    def queue(self):
        from rq import Queue
        return Queue(self.name, connection=self.connection)

    def job_id(self, task_id: int) -> str:
        # RQ takes letters, digits, "_" and "-" only.
        return re.sub(r"[^A-Za-z0-9_-]", "_", f"{self.name}-task-{task_id}")

    def push(self, task_id: int, name: str) -> None:
        from rq import Retry

        spec = REGISTRY[name]
        retry = Retry(max=spec.attempts - 1, interval=list(spec.backoff)) \
            if spec.attempts > 1 else None
        # Job ids carry the queue's name: deployments (and test runs) sharing a Redis database
        # each number their tasks from 1.
        self.queue.enqueue_call(JOB, args=(task_id,), job_id=self.job_id(task_id),
                                timeout=spec.timeout, failure_ttl=FAILURE_TTL, result_ttl=3600,
                                retry=retry, description=f"{name} #{task_id}")


def run_job(task_id: int) -> str:
    """What an RQ worker runs: one attempt; an exception makes RQ retry it (or file it failed)."""
    from app.tasks.runner import perform

    if has_app_context():
        return perform(task_id)
    app = _worker_app or _build_app()
    with app.app_context():
        return perform(task_id)


def _build_app() -> Flask:
    global _worker_app
    from app import create_app
    _worker_app = create_app()
    return _worker_app


def use_app(app: Flask) -> None:
    """`flask tasks worker` runs jobs with the app it was started with."""
    global _worker_app
    _worker_app = app
