"""Tasks: side effects and long jobs that run after their transaction commits.

    @task("identity.send_binding_sms", attempts=3, backoff=(5, 30, 120))
    def send_binding_sms(*, user_id: int, account_no: str): ...

    tasks.enqueue("identity.send_binding_sms", user_id=user.id, account_no=account_no)
    db.session.commit()          # the task is handed over now, and only now

`enqueue` writes a `task_runs` row in the caller's transaction (an outbox): a rolled-back
request enqueues nothing, a committed one always has its task. After the commit the task goes to
RQ when REDIS_URL is set (`flask tasks worker` runs it, with retries and backoff), else it runs
in this process after the response has been sent (`bin/run` needs nothing else). Every run
claims its row first, so a task delivered twice runs once; `key=` makes enqueuing idempotent.
A task whose every attempt failed is `dead`: the console's 任务 page lists it and can retry it.

Task functions are boundaries like CLI commands: they may commit (to make a code durable before
an SMS leaves, say); the runner commits once more at the end. A task body of one line wraps a
service function — see app/tasks/jobs.py.
"""
from __future__ import annotations

from app.tasks.dispatch import drain, enqueue, init_tasks
from app.tasks.registry import REGISTRY, TaskSpec, progress, task

__all__ = ["REGISTRY", "TaskSpec", "drain", "enqueue", "init_tasks", "progress", "task"]
