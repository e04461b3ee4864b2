"""Technicians (search, a technician's page, badge rotation) and service-recovery tasks."""
from __future__ import annotations

from datetime import date

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.badge import service as badge_service
from app.console import pages
from app.console import recovery as recovery_cards
from app.console.views.base import audit, bp, requires, tariff, today, tz
from app.console.views.review import STATUS_LABELS
from app.errors import Unprocessable
from app.db import utcnow
from app.extensions import db
from app.masterdata import service as masterdata
from app.pagination import page_number
from app.rating import service as rating_service
from app.timeutil import month_bounds

TASK_STATUS = {"open": "待处理", "claimed": "处理中", "closed": "已关闭"}


def _month_arg() -> str:
    month = request.args.get("month") or pages.default_month(tz())
    try:
        month_bounds(month, tz())
    except ValueError:
        raise Unprocessable("月份格式应为 YYYY-MM (month must look like YYYY-MM)") from None
    return month


@bp.get("/technicians")
@requires("people")
def technicians():
    query = (request.args.get("q") or "").strip()[:40]
    team, area = request.args.get("team") or None, request.args.get("area") or None
    found = masterdata.search_technicians(query=query, team=team, area=area, limit=200)
    if query and len(found) == 1:
        return redirect(url_for("console.technician", employee_no=found[0].employee_no))
    return render_template("console/technicians.html", technicians=found, q=query, team=team,
                           area=area, areas=masterdata.teams_by_area())


@bp.get("/technicians/<employee_no>")
@requires("people")
def technician(employee_no: str):
    month = _month_arg()
    if pages.issue_missing_badge(employee_no):
        db.session.commit()
    data = pages.technician_page(employee_no, month=month, tariff=tariff(), tz_name=tz())
    return render_template("console/technician.html", flag_status=STATUS_LABELS,
                           task_status=TASK_STATUS, today=today(), **data)


@bp.post("/technicians/<employee_no>/suspensions/<int:suspension_id>")
@requires("suspend")
def change_suspension(employee_no: str, suspension_id: int):
    """A manager lifts a suspension now or brings its last day forward, with a reason."""
    technician = masterdata.get_technician(employee_no)
    reason = (request.form.get("reason") or "").strip()
    if request.form.get("action") == "lift":
        row = masterdata.lift_suspension(suspension_id=suspension_id, reason=reason,
                                         by=g.staff.username, technician_id=technician.id)
        action, done = "suspension_lifted", "已解除"
    else:
        try:
            ends_on = date.fromisoformat(request.form.get("ends_on") or "")
        except ValueError:
            raise Unprocessable("请填写新的结束日期 (give the new last day)") from None
        row = masterdata.shorten_suspension(suspension_id=suspension_id, ends_on=ends_on,
                                            reason=reason, by=g.staff.username, today=today(),
                                            technician_id=technician.id)
        action, done = "suspension_shortened", f"缩短至 {row.ends_on}"
    audit(action, f"technician {employee_no}", starts_on=row.starts_on.isoformat(),
          ends_on=row.ends_on.isoformat(), reason=reason)
    db.session.commit()
    flash(f"{technician.name} 的待岗培训{done}。", "ok")
    return redirect(url_for("console.technician", employee_no=employee_no) + "#suspensions")


@bp.post("/technicians/<employee_no>/badge/rotate")
@requires("rotate")
def rotate_badge(employee_no: str):
    technician = masterdata.get_technician(employee_no)
    badge = badge_service.rotate_badge(technician=technician)
    audit("badge_rotated", employee_no, version=badge.version,
          reason=(request.form.get("reason") or "").strip()[:200])
    db.session.commit()
    flash(f"{technician.name} 的工牌已更换为第 {badge.version} 版，旧二维码立即失效。", "ok")
    return redirect(url_for("console.technician", employee_no=employee_no))


@bp.get("/recovery")
@requires("people")
def recovery():
    return _recovery_page()


def _recovery_page(revealed: dict | None = None):
    status = request.args.get("status") or None
    overdue = request.args.get("overdue") == "1"
    team, area = request.args.get("team") or None, request.args.get("area") or None
    page_no = page_number(request.args.get("page"))
    page = rating_service.list_recovery_tasks(team=team, area=area, status=status,
                                              overdue=overdue, page=page_no, per_page=50)
    overdue_count = rating_service.list_recovery_tasks(overdue=True, per_page=1).total
    tags = rating_service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    cards = recovery_cards.task_cards(page.items, now=utcnow(), tags=tags)
    return render_template("console/recovery.html", page=page, cards=cards, status=status,
                           overdue=overdue, team=team, area=area,
                           areas=masterdata.teams_by_area(), task_status=TASK_STATUS,
                           overdue_count=overdue_count, outcomes=recovery_cards.OUTCOMES,
                           revealed=revealed or {})


@bp.post("/recovery/<int:task_id>/phone")
@requires("people")
def recovery_phone(task_id: int):
    """The customer's full number to call back; every reveal is in the audit log."""
    task = rating_service.get_recovery_task(task_id)
    audit("phone_revealed", f"task {task.id}", order_no=task.order.order_no)
    db.session.commit()
    return _recovery_page(revealed={task.id: task.order.account.phone})


@bp.post("/recovery/<int:task_id>/<action>")
@requires("people")
def recovery_action(task_id: int, action: str):
    if action == "claim":
        task = rating_service.claim_recovery_task(task_id=task_id, by=g.staff.username)
    elif action == "close":
        outcome = request.form.get("outcome") or ""
        note = (request.form.get("note") or "").strip()[:500]
        if outcome not in recovery_cards.OUTCOMES:
            raise Unprocessable("关闭修复工单须选择处理结果 (choose how the task ended)")
        if outcome == "other" and not note:
            raise Unprocessable("选择“其他”时请写明处理结果 (describe the outcome)")
        task = rating_service.close_recovery_task(
            task_id=task_id, by=g.staff.username,
            note=recovery_cards.closing_note(outcome, note))
    else:
        raise Unprocessable("unknown action")
    audit({"claim": "recovery_claimed", "close": "recovery_closed"}[action], f"task {task.id}",
          order_no=task.order.order_no, **({"note": task.note} if action == "close" else {}))
    db.session.commit()
    return redirect(request.form.get("back") if (request.form.get("back") or "").startswith(
        "/console/") else url_for("console.recovery"))
