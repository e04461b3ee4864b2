"""Tasks registered for the tests (tests/core/test_tasks.py, tests/console/test_tasks_page.py)."""
from __future__ import annotations

import pytest

from app import tasks
from app.extensions import db
from app.tasks.models import TaskRun

CALLS: list = []
FAILURES = {"left": 0}


@tasks.task("test.record", attempts=1)
def _record(*, value):
    CALLS.append(value)
    tasks.progress(1, 1, "recorded")
    return {"value": value}


@tasks.task("test.flaky", attempts=3, backoff=(0,))
def _flaky(*, value):
    if FAILURES["left"] > 0:
        FAILURES["left"] -= 1
        raise RuntimeError("provider down")
    CALLS.append(value)


@pytest.fixture
def fresh_tasks():
    CALLS.clear()
    FAILURES["left"] = 0


def task_run(task_id: int) -> TaskRun:
    db.session.expire_all()
    return db.session.get(TaskRun, task_id)
