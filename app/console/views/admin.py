"""Imports (CSV or XLSX upload, dry run, per-row result, templates, history with the rejected
rows to download) and the audit log."""
from __future__ import annotations

import os

from flask import current_app, g, render_template, request

from app.console import service
from app.console.views.base import audit, bp, requires
from app.console.views.reports import _file
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.guards import large_body
from app.masterdata import service as masterdata
from app.masterdata.specs import SPECS
from app.pagination import page_number

KIND_LABELS = {kind: spec.label for kind, spec in SPECS.items()}
UPLOAD_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _page(**extra):
    columns = {kind: ",".join(SPECS[kind].all_columns) for kind in KIND_LABELS}
    history = masterdata.list_runs(page=page_number(request.args.get("page")), per_page=15)
    return dict(kinds=KIND_LABELS, columns=columns, history=history,
                channels={"console": "控制台", "api": "接口", "cli": "命令行"}, **extra)


@bp.route("/imports", methods=["GET", "POST"])
@large_body
@requires("imports")
def imports():
    if request.method == "GET":
        return render_template("console/imports.html", result=None, run=None,
                               **_page(kind=request.args.get("kind", "orders")))
    kind = request.form.get("kind", "")
    upload = request.files.get("file")
    if kind not in KIND_LABELS:
        raise Unprocessable("请选择导入类型 (choose what to import)")
    if upload is None or not upload.filename:
        raise Unprocessable("请选择 CSV 或 Excel 文件 (choose a CSV or .xlsx file)")
    suffix = os.path.splitext(upload.filename.lower())[1]
    if suffix not in UPLOAD_FORMATS:
        raise Unprocessable("只能导入 .csv 或 .xlsx 文件；请下载模板对照填写 "
                            "(only .csv or .xlsx files; download the template)")
    dry_run = request.form.get("dry_run") == "1"
    result, run = masterdata.import_file(
        kind, upload.stream, fmt=UPLOAD_FORMATS[suffix],
        batch_size=current_app.config["IMPORT_BATCH_SIZE"], actor=g.staff.username,
        channel="console", filename=upload.filename, dry_run=dry_run)
    audit("import_dry_run" if dry_run else "import", f"{kind}: {upload.filename}"[:120],
          **masterdata.import_details(result, run))
    db.session.commit()
    template = "console/_import_result.html" if _is_fetch() else "console/imports.html"
    return render_template(template, result=result, run=run, filename=upload.filename,
                           **_page(kind=kind))


@bp.get("/imports/template/<kind>.<fmt>")
@requires("imports")
def import_template(kind: str, fmt: str):
    if kind not in KIND_LABELS or fmt not in ("csv", "xlsx"):
        raise NotFound("没有这种导入模板 (no such template)", code="template_not_found")
    return _file(masterdata.import_template(kind, fmt), fmt, f"导入模板-{KIND_LABELS[kind]}")


@bp.get("/imports/<int:run_id>/rejects.csv")
@requires("imports")
def import_rejects(run_id: int):
    run = masterdata.get_run(run_id)
    audit("download", f"被拒绝的行-{run.kind}-{run.id}.csv", kind="import_rejects",
          import_id=run.id, rows=len(run.rejected))
    db.session.commit()
    return _file(masterdata.run_rejects_csv(run), "csv", f"被拒绝的行-{run.kind}-{run.id}")


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
