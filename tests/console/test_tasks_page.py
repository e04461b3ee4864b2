"""The console's 后台任务 page: dead letters listed for admins, retried from there."""
from __future__ import annotations

from app import tasks
from app.extensions import db
from tests.tasks_helpers import CALLS, FAILURES, fresh_tasks, task_run  # noqa: F401


def test_a_task_out_of_attempts_is_dead_and_the_console_retries_it(app, sign_in, fresh_tasks):
    FAILURES["left"] = 3
    task_id = tasks.enqueue("test.flaky", value="eventually")
    db.session.commit()
    tasks.drain()
    run = task_run(task_id)
    assert (run.status, run.attempts) == ("dead", 3) and "provider down" in run.error

    admin = sign_in("admin")
    page = admin.get("/console/tasks").get_data(as_text=True)
    assert "test.flaky" in page and "provider down" in page and "失败" in page
    assert sign_in("manager").get("/console/tasks").status_code == 403

    answer = admin.post(f"/console/tasks/{task_id}/retry")
    assert answer.status_code == 302
    run = task_run(task_id)
    assert (run.status, CALLS) == ("done", ["eventually"])
