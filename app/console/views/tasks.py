"""后台任务: the tasks that need someone (dead letters, retries), running ones with their
progress, and the latest finished ones; admins retry a dead task here."""
from __future__ import annotations

from flask import redirect, render_template, request, send_from_directory, url_for

from app.console.views.base import audit, bp, requires
from app.extensions import db
from app.tasks import service as tasks
from app.tasks.jobs import output_dir

STATUS_LABELS = {"queued": "排队中", "running": "运行中", "retrying": "等待重试", "done": "完成",
                 "dead": "失败"}


@bp.get("/tasks")
@requires("tasks")
def task_list():
    status = request.args.get("status") or None
    return render_template("console/tasks.html", runs=tasks.recent(status=status, limit=100),
                           counts=tasks.summary(), status=status, labels=STATUS_LABELS)


@bp.post("/tasks/<int:task_id>/retry")
@requires("tasks")
def task_retry(task_id: int):
    run = tasks.retry(task_id)
    audit("task_retried", f"{run.name} #{run.id}")
    db.session.commit()
    return redirect(url_for("console.task_list"))


@bp.get("/tasks/<int:task_id>/file")
@requires("tasks")
def task_file(task_id: int):
    """The file a task made (a badge sheet, an export)."""
    run = tasks.get(task_id)
    name = (run.result or {}).get("file")
    if run.status != "done" or not name:
        return redirect(url_for("console.task_list"))
    return send_from_directory(output_dir(), name, as_attachment=True)
