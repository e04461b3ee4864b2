"""Admin API for tasks: start a long job as a task and follow its progress."""
from __future__ import annotations

from flask import Blueprint, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.extensions import db
from app.tasks import service
from app.tasks.schemas import TaskIn, TaskOut

bp = Blueprint("tasks", __name__)


@bp.post("/tasks")
@require_roles("manager")
@api_doc("启动后台任务 (start a task: fraud scan, month close, badge sheet, export …; 202 with "
         "its id, then poll it)", tags=["tasks"], body=TaskIn, responses={202: TaskOut})
def start_task():
    data = TaskIn().load(request.get_json(silent=True) or {})
    task_id = service.enqueue_by_name(data["name"], key=data["key"], args=data["args"])
    db.session.commit()
    return TaskOut().dump(service.get(task_id)), 202


@bp.get("/tasks/<int:task_id>")
@require_roles("manager")
@api_doc("后台任务状态 (a task's status, progress, result or error)", tags=["tasks"],
         responses={200: TaskOut}, errors=(404,))
def task_status(task_id: int):
    return TaskOut().dump(service.get(task_id))
