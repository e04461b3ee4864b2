"""Admin API for master data: imports from upstream systems; technicians' suspensions."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, request

from app.apidocs.registry import api_doc
from app.auth.audit import audit_api_call
from app.auth.decorators import require_roles
from app.errors import AppError
from app.extensions import db
from app.guards import large_body
from app.masterdata import service
from app.masterdata.schemas import (
    ImportQuery, ImportResultOut, ImportRunListOut, ImportRunQuery, SuspensionLiftIn,
    SuspensionListOut, SuspensionOut, SuspensionShortenIn, TemplateQuery)
from app.masterdata.specs import SPECS
from app.pagination import page_body

bp = Blueprint("masterdata", __name__)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"text/csv": "csv", "application/csv": "csv", "text/plain": "csv", XLSX: "xlsx",
           "application/json": "json"}


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"
    message = ("请以 text/csv、Excel（.xlsx）或 application/json 上传 "
               "(send text/csv, an .xlsx workbook or application/json)")


def _format_of(mimetype: str) -> str:
    if mimetype in FORMATS:
        return FORMATS[mimetype]
    if mimetype.endswith("+json"):
        return "json"
    raise UnsupportedMediaType(details={"content_type": request.content_type})


@bp.post("/imports/<kind>")
@large_body
@require_roles("integration", "manager")
@api_doc(
    summary="导入主数据 (import master data: CSV, XLSX or a JSON array, upsert by business key; "
            "dry_run=true counts what would change and writes nothing; every call lands in the "
            "import history with its rejected rows)",
    tags=["imports"], query=ImportQuery,
    path_params={"kind": {"enum": sorted(SPECS)}},
    request_bodies={"text/csv": {"type": "string"}, XLSX: {"type": "string", "format": "binary"},
                    "application/json": {"type": "array", "items": {"type": "object"}}},
    responses={200: ImportResultOut},
    errors=(400, 401, 403, 404, 413, 415, 422),
    error_codes={400: ("bad_file", "bad_header", "empty_file", "not_csv", "not_xlsx",
                       "unsupported_encoding", "invalid_json", "not_an_array"),
                 404: ("unknown_import_kind",), 415: ("unsupported_media_type",)},
)
def import_data(kind: str):
    service.get_import_spec(kind)
    args = ImportQuery().load(request.args)
    fmt = _format_of(request.mimetype)
    source = request.stream if fmt == "csv" else io.BytesIO(request.get_data(cache=False))
    result, run = service.import_file(
        kind, source, fmt=fmt, batch_size=current_app.config["IMPORT_BATCH_SIZE"],
        actor=f"api:{g.api_key.name}", channel="api", filename=args["filename"],
        dry_run=args["dry_run"])
    audit_api_call("import_dry_run" if args["dry_run"] else "import", f"{kind}: {args['filename']}",
                   **service.import_details(result, run))
    db.session.commit()
    return ImportResultOut().dump({**vars(result), "rejected_truncated": result.rejected_truncated,
                                   "import_id": run.id, "dry_run": run.dry_run}), 200


@bp.get("/imports/templates/<kind>")
@require_roles("integration", "manager")
@api_doc("导入模板 (a kind's template: header, a sample row that imports, and in XLSX a 填写说明 "
         "sheet with every column's allowed values)", tags=["imports"], query=TemplateQuery,
         path_params={"kind": {"enum": sorted(SPECS)}},
         responses={200: {"description": "CSV (UTF-8 with BOM) or XLSX", "content": {
             "text/csv": {"schema": {"type": "string"}},
             XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
         errors=(404, 422), error_codes={404: ("unknown_import_kind",)})
def import_template(kind: str):
    spec = service.get_import_spec(kind)
    fmt = TemplateQuery().load(request.args)["format"]
    return _download(service.import_template(kind, fmt), fmt, f"导入模板-{spec.label}")


@bp.get("/imports/history")
@require_roles("integration", "manager", "auditor")
@api_doc("导入记录 (imports and dry runs, newest first: who, when, file, channel, counts)",
         tags=["imports"], query=ImportRunQuery, responses={200: ImportRunListOut}, errors=(422,))
def import_history():
    args = ImportRunQuery().load(request.args)
    return ImportRunListOut().dump(page_body(service.list_runs(**args)))


@bp.get("/imports/history/<int:run_id>/rejects.csv")
@require_roles("integration", "manager", "auditor")
@api_doc("被拒绝的行 (an import's rejected rows: 行号, the file's own columns, 原因; fix and resend)",
         tags=["imports"], responses={200: {"description": "CSV (UTF-8 with BOM)", "content": {
             "text/csv": {"schema": {"type": "string"}}}}},
         errors=(404,), error_codes={404: ("import_not_found",)})
def import_rejects(run_id: int):
    run = service.get_run(run_id)
    return _download(service.run_rejects_csv(run), "csv", f"被拒绝的行-{run.kind}-{run.id}")


def _download(data: bytes, fmt: str, name: str) -> Response:
    mime = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(data, content_type=mime, headers={
        "Content-Disposition": f"attachment; filename=download.{fmt}; "
                               f"filename*=UTF-8''{quote(name)}.{fmt}",
        "Cache-Control": "no-store"})


# -- Technician suspensions (待岗培训) ---------------------------------------------------------

def _today():
    return service.local_today(current_app.config["TIMEZONE"])


@bp.get("/technicians/<employee_no>/suspensions")
@require_roles("manager", "auditor")
@api_doc("待岗培训记录 (a technician's suspensions, newest first, and today's status)",
         tags=["technicians"], responses={200: SuspensionListOut}, errors=(404,),
         error_codes={404: ("technician_not_found",)})
def suspensions(employee_no: str):
    technician = service.get_technician(employee_no)
    return SuspensionListOut().dump({"status": service.status_on(technician, _today()),
                                     "items": service.suspensions_of(technician.id)})


@bp.post("/technicians/<employee_no>/suspensions/<int:suspension_id>/lift")
@require_roles("manager")
@api_doc("解除待岗培训 (a manager ends a suspension now, with a reason; the badge works again)",
         tags=["technicians"], body=SuspensionLiftIn, responses={200: SuspensionOut},
         errors=(404, 409, 422), error_codes={
             404: ("technician_not_found", "suspension_not_found"),
             409: ("suspension_already_lifted",)})
def lift_suspension(employee_no: str, suspension_id: int):
    data = SuspensionLiftIn().load(request.get_json(silent=True) or {})
    technician = service.get_technician(employee_no)
    row = service.lift_suspension(suspension_id=suspension_id, reason=data["reason"],
                                  by=g.api_key.name, technician_id=technician.id)
    audit_api_call("suspension_lifted", f"technician {employee_no}", reason=data["reason"],
                   starts_on=row.starts_on.isoformat(), ends_on=row.ends_on.isoformat())
    db.session.commit()
    return SuspensionOut().dump(row)


@bp.post("/technicians/<employee_no>/suspensions/<int:suspension_id>/shorten")
@require_roles("manager")
@api_doc("缩短待岗培训 (a manager brings the last day forward, with a reason)",
         tags=["technicians"], body=SuspensionShortenIn, responses={200: SuspensionOut},
         errors=(404, 409, 422), error_codes={
             404: ("technician_not_found", "suspension_not_found"), 409: ("suspension_over",)})
def shorten_suspension(employee_no: str, suspension_id: int):
    data = SuspensionShortenIn().load(request.get_json(silent=True) or {})
    technician = service.get_technician(employee_no)
    row = service.shorten_suspension(suspension_id=suspension_id, ends_on=data["ends_on"],
                                     reason=data["reason"], by=g.api_key.name, today=_today(),
                                     technician_id=technician.id)
    audit_api_call("suspension_shortened", f"technician {employee_no}", reason=data["reason"],
                   starts_on=row.starts_on.isoformat(), ends_on=row.ends_on.isoformat())
    db.session.commit()
    return SuspensionOut().dump(row)
