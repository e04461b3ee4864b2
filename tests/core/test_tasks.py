"""Tasks: handed over only when their transaction commits, run once, retried with backoff, dead
letters listed and retried in the console; the same on RQ with a real Redis and worker."""
from __future__ import annotations

import uuid

import pytest

from app import tasks
from app.extensions import db
from tests.tasks_helpers import CALLS, FAILURES, fresh_tasks, task_run  # noqa: F401

@pytest.fixture(autouse=True)
def _fresh(fresh_tasks):
    yield


def test_nothing_runs_for_a_rolled_back_transaction(app):
    tasks.enqueue("test.record", value="rolled back")
    db.session.rollback()
    assert tasks.drain() == 0 and CALLS == []


def test_a_committed_task_runs_once_with_its_result_and_progress(app):
    task_id = tasks.enqueue("test.record", value="committed")
    assert CALLS == []                          # not before the commit
    db.session.commit()
    assert tasks.drain() == 1
    assert CALLS == ["committed"]
    run = task_run(task_id)
    assert (run.status, run.attempts, run.result) == ("done", 1, {"value": "committed"})
    assert (run.progress_done, run.progress_total, run.progress_note) == (1, 1, "recorded")
    from app.tasks.runner import perform
    assert perform(task_id) == "skipped"        # delivered twice, run once
    assert CALLS == ["committed"]


def test_a_key_enqueues_once(app):
    first = tasks.enqueue("test.record", key="close:2026-10", value=1)
    second = tasks.enqueue("test.record", key="close:2026-10", value=2)
    db.session.commit()
    tasks.drain()
    assert first == second and CALLS == [1]


def test_failures_are_retried_then_succeed(app):
    FAILURES["left"] = 2
    task_id = tasks.enqueue("test.flaky", value="third time")
    db.session.commit()
    tasks.drain()
    run = task_run(task_id)
    assert (run.status, run.attempts, CALLS) == ("done", 3, ["third time"])


@pytest.fixture
def rq_queue(app, redis_url):
    from app.tasks.queue import RqQueue

    queue = RqQueue(redis_url, f"test-{uuid.uuid4().hex}")
    app.extensions["task_queue"] = queue
    yield queue
    app.extensions.pop("task_queue", None)
    queue.queue.delete(delete_jobs=True)
    # Registries and results too: the Redis database may be shared (TEST_REDIS_URL).
    leftovers = list(queue.connection.scan_iter(f"rq:*{queue.name}*"))
    if leftovers:
        queue.connection.delete(*leftovers)
    queue.connection.srem("rq:queues", f"rq:queue:{queue.name}")


def _work(queue) -> None:
    from rq import SimpleWorker
    SimpleWorker([queue.queue], connection=queue.connection).work(burst=True)


@pytest.mark.real_commits
def test_with_redis_a_worker_runs_the_task(app, rq_queue):
    with app.app_context():
        task_id = tasks.enqueue("test.record", value="via rq")
        db.session.commit()
        assert tasks.drain() == 0 and CALLS == []       # handed to RQ, not run here
        assert rq_queue.queue.count == 1
        _work(rq_queue)
        assert CALLS == ["via rq"]
        assert task_run(task_id).status == "done"


@pytest.mark.real_commits
def test_with_redis_failures_are_retried_and_dead_letters_kept(app, rq_queue):
    from rq.registry import FailedJobRegistry

    FAILURES["left"] = 99
    with app.app_context():
        task_id = tasks.enqueue("test.flaky", value="never")
        db.session.commit()
        _work(rq_queue)
        run = task_run(task_id)
        assert (run.status, run.attempts) == ("dead", 3)
        failed = FailedJobRegistry(queue=rq_queue.queue)
        assert failed.get_job_ids() == [rq_queue.job_id(task_id)]


@pytest.mark.real_commits
def test_with_redis_down_committed_tasks_still_run(app):
    from app.tasks.queue import RqQueue
    from tests.faults.conftest import closed_port

    app.extensions["task_queue"] = RqQueue(f"redis://127.0.0.1:{closed_port()}/0", "nowhere")
    try:
        with app.app_context():
            tasks.enqueue("test.record", value="fallback")
            db.session.commit()
            assert tasks.drain() == 1 and CALLS == ["fallback"]
    finally:
        app.extensions.pop("task_queue", None)


def test_the_cli_enqueues_lists_and_retries(app):
    runner = app.test_cli_runner()
    output = runner.invoke(args=["tasks", "enqueue", "test.record", "value=7"]).output
    assert "queued" in output
    # A real `flask` process runs them when its app context ends; here the test's context is
    # the command's, so it is drained by hand.
    tasks.drain()
    assert CALLS == [7]
    FAILURES["left"] = 3
    runner.invoke(args=["tasks", "enqueue", "test.flaky", "value=8"])
    tasks.drain()
    listed = runner.invoke(args=["tasks", "list", "--status", "dead"]).output
    assert "test.flaky" in listed and "provider down" in listed
    task_id = int(listed.split()[0])
    assert "queued again" in runner.invoke(args=["tasks", "retry", str(task_id)]).output
    tasks.drain()
    assert CALLS == [7, 8]
    unknown = runner.invoke(args=["tasks", "enqueue", "no.such.task"])
    assert unknown.exit_code != 0


def test_the_admin_api_starts_a_task_and_reports_it(client, api_key):
    headers = {"Authorization": f"Bearer {api_key('manager')}"}
    started = client.post("/api/v1/admin/tasks", headers=headers,
                          json={"name": "test.record", "args": {"value": "api"}, "key": "api-1"})
    assert started.status_code == 202, started.json
    task_id = started.json["id"]
    status = client.get(f"/api/v1/admin/tasks/{task_id}", headers=headers).json
    assert (status["status"], status["result"]) == ("done", {"value": "api"})
    again = client.post("/api/v1/admin/tasks", headers=headers,
                        json={"name": "test.record", "args": {"value": "api"}, "key": "api-1"})
    assert again.json["id"] == task_id and CALLS == ["api"]
    unknown = client.post("/api/v1/admin/tasks", headers=headers, json={"name": "rm.rf"})
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "unknown_task"
    auditor = {"Authorization": f"Bearer {api_key('auditor')}"}
    assert client.get(f"/api/v1/admin/tasks/{task_id}", headers=auditor).status_code == 403
    assert client.get("/api/v1/admin/tasks/999999", headers=headers).status_code == 404


def test_sweep_hands_over_stale_tasks_and_forgets_old_finished_ones(app):
    from datetime import timedelta

    from app.db import utcnow
    from app.tasks.models import TaskRun

    stale = TaskRun(name="test.record", args={"value": "stale"}, status="queued", attempts=0,
                    max_attempts=1, progress_done=0, progress_note="",
                    created_at=utcnow() - timedelta(hours=1))
    old = TaskRun(name="test.record", args={}, status="done", attempts=1, max_attempts=1,
                  progress_done=0, progress_note="", created_at=utcnow() - timedelta(days=40),
                  finished_at=utcnow() - timedelta(days=40))
    db.session.add_all([stale, old])
    db.session.flush()
    output = app.test_cli_runner().invoke(args=["tasks", "sweep"]).output
    assert "1 tasks handed over again, 1 finished tasks forgotten" in output
    tasks.drain()
    assert CALLS == ["stale"]
