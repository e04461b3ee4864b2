"""Imports (CSV upload with the per-row result) and the audit log."""
from __future__ import annotations

from flask import current_app, render_template, request

from app.console import service
from app.console.views.base import audit, bp, requires
from app.errors import Unprocessable
from app.extensions import db
from app.guards import large_body
from app.masterdata import service as masterdata
from app.pagination import page_number
from app.masterdata.specs import SPECS

KIND_LABELS = {"technicians": "装维人员", "accounts": "宽带账号", "orders": "工单",
               "callbacks": "回访结果", "complaints": "投诉", "urges": "催修",
               "penalties": "服务扣罚", "commissions": "顺销等酬金", "assessments": "考核项"}


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/imports", methods=["GET", "POST"])
@large_body
@requires("imports")
def imports():
    columns = {kind: ",".join(SPECS[kind].all_columns) for kind in KIND_LABELS}
    if request.method == "GET":
        return render_template("console/imports.html", kinds=KIND_LABELS, columns=columns,
                               result=None, kind=request.args.get("kind", "orders"))
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KIND_LABELS:
        raise Unprocessable("请选择导入类型 (choose what to import)")
    if upload is None or not upload.filename:
        raise Unprocessable("请选择 CSV 文件 (choose a CSV file)")
    result = masterdata.import_csv(kind, upload.stream,
                                   batch_size=current_app.config["IMPORT_BATCH_SIZE"])
    audit("import", f"{kind}: {upload.filename}"[:120], kind=kind, file=upload.filename,
          created=result.created, updated=result.updated, unchanged=result.unchanged,
          rejected=result.rejected_count)
    db.session.commit()
    template = "console/_import_result.html" if _is_fetch() else "console/imports.html"
    return render_template(template, kinds=KIND_LABELS, columns=columns, result=result,
                           kind=kind, filename=upload.filename)


@bp.get("/audit")
@requires("audit")
def audit_log():
    actor = request.args.get("actor") or None
    action = request.args.get("action") or None
    target = (request.args.get("target") or "").strip() or None
    page_no = page_number(request.args.get("page"))
    page = service.list_audit(actor=actor, action=action, target=target, page=page_no)
    return render_template("console/audit.html", page=page, actor=actor, action=action,
                           target=target, actors=service.audit_actors(),
                           actions=service.ACTION_LABELS)
