"""Review queue, a flag's evidence and decision, callback samples."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.console import pages
from app.console.evidence import DETECTORS
from app.console.views.base import audit, bp, requires, tz
from app.errors import Unprocessable
from app.extensions import db
from app.fraud import service as fraud_service
from app.fraud.rules import OUTCOMES
from app.masterdata import service as masterdata
from app.pagination import page_number
from app.rating import service as rating_service

FILTERS = ("area", "team", "detector", "month")
OUTCOME_LABELS = {"customer_confirmed": "客户确认评价过", "customer_denied": "客户否认评价",
                  "unreachable": "未接通"}
STATUS_LABELS = {"open": "待审核", "confirmed": "已确认", "dismissed": "已排除"}


def _filters(source) -> dict:
    return {name: source.get(name) for name in FILTERS if source.get(name)}


def _page_arg() -> int:
    return page_number(request.args.get("page"))


@bp.get("/flags")
@requires("review")
def queue():
    filters = _filters(request.args)
    status = request.args.get("status", "open")
    if status not in STATUS_LABELS and status != "all":
        status = "open"
    page = fraud_service.list_flags(status=None if status == "all" else status, page=_page_arg(),
                                    per_page=50, **filters)
    return render_template("console/queue.html", page=page, filters=filters, status=status,
                           counts=fraud_service.flag_counts(), detectors=DETECTORS,
                           status_labels=STATUS_LABELS, areas=masterdata.teams_by_area())


@bp.get("/flags/<int:flag_id>")
@requires("review")
def flag(flag_id: int):
    filters = _filters(request.args)
    data = pages.flag_page(flag_id, tz_name=tz(), filters=filters)
    tags = rating_service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    return render_template("console/flag.html", filters=filters, status_labels=STATUS_LABELS,
                           tag_labels={t.code: t.label for t in tags}, **data)


@bp.post("/flags/<int:flag_id>/decision")
@requires("review")
def decide(flag_id: int):
    filters = _filters(request.form)
    decision = request.form.get("decision")
    note = (request.form.get("note") or "").strip()
    if decision not in ("confirmed", "dismissed"):
        raise Unprocessable("请选择确认或排除 (choose confirm or dismiss)")
    flag = fraud_service.decide(flag_id=flag_id, decision=decision, note=note,
                                by=g.staff.username, tz_name=tz(),
                                **fraud_service.fines(current_app.config))
    audit(f"flag_{decision}", f"flag {flag.id}", order_no=flag.order.order_no,
          employee_no=flag.technician.employee_no, score=flag.score, note=note)
    db.session.commit()
    flash(f"标记 #{flag.id}（工单 {flag.order.order_no}）已{STATUS_LABELS[decision]}。", "ok")
    following = pages.next_open_flag(filters)
    if following is None:
        return redirect(url_for("console.queue", **filters))
    return redirect(url_for("console.flag", flag_id=following, **filters))


# --- Callback sampling (抽样回访) ---------------------------------------------------------------

@bp.get("/samples")
@requires("review")
def samples():
    month = request.args.get("month") or pages.default_month(tz())
    return render_template("console/samples.html", month=month,
                           samples=fraud_service.list_samples())


@bp.post("/samples")
@requires("review")
def draw_sample():
    month = request.form.get("month") or pages.default_month(tz())
    try:
        per_band = min(200, max(1, int(request.form.get("per_band", 20))))
        unflagged = min(500, max(0, int(request.form.get("unflagged", 30))))
    except ValueError:
        raise Unprocessable("样本数量须为整数 (sizes must be whole numbers)") from None
    try:
        sample = fraud_service.draw_sample(month=month, per_band=per_band, unflagged=unflagged,
                                           by=g.staff.username, tz_name=tz())
    except ValueError:
        raise Unprocessable("月份格式应为 YYYY-MM (month must look like YYYY-MM)") from None
    audit("sample_drawn", f"sample {sample.id}", month=month, per_band=per_band,
          unflagged=unflagged)
    db.session.commit()
    return redirect(url_for("console.sample", sample_id=sample.id))


@bp.get("/samples/<int:sample_id>")
@requires("review")
def sample(sample_id: int):
    report = fraud_service.sample_report(sample_id)
    return render_template("console/sample.html", report=report, outcomes=OUTCOMES,
                           outcome_labels=OUTCOME_LABELS, detectors=DETECTORS,
                           show=request.args.get("show", "pending"))


@bp.post("/samples/<int:sample_id>/items/<int:item_id>")
@requires("review")
def record_outcome(sample_id: int, item_id: int):
    outcome = request.form.get("outcome")
    if outcome not in OUTCOMES:
        raise Unprocessable("请选择回访结果 (choose an outcome)")
    item = fraud_service.record_outcome(sample_id=sample_id, item_id=item_id, outcome=outcome,
                                        note=(request.form.get("note") or "").strip() or None,
                                        by=g.staff.username)
    audit("sample_outcome", f"sample {sample_id}", item_id=item.id, rating_id=item.rating_id,
          outcome=outcome)
    db.session.commit()
    return redirect(url_for("console.sample", sample_id=sample_id,
                            show=request.form.get("show", "pending")) + f"#item-{item_id}")
