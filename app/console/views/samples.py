"""Callback sampling (抽样回访): draw a month's sample, record what customers said, read the
precision and recall estimates."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from app.console import pages
from app.console.evidence import DETECTORS
from app.console.views.base import audit, bp, requires, tz
from app.errors import Unprocessable
from app.extensions import db
from app.fraud import service as fraud_service
from app.fraud.rules import OUTCOMES

OUTCOME_LABELS = {"customer_confirmed": "客户确认评价过", "customer_denied": "客户否认评价",
                  "unreachable": "未接通"}


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
