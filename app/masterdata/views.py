"""Admin API for master data: imports from upstream systems; technicians' suspensions."""
from __future__ import annotations

from flask import Blueprint, current_app, g, request

from app.apidocs.registry import api_doc
from app.auth.audit import audit_api_call
from app.auth.decorators import require_roles
from app.errors import AppError
from app.extensions import db
from app.guards import large_body
from app.masterdata import service
from app.masterdata.schemas import (
    ImportResultOut, SuspensionLiftIn, SuspensionListOut, SuspensionOut, SuspensionShortenIn)
from app.masterdata.specs import SPECS

bp = Blueprint("masterdata", __name__)


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"
    message = "请以 text/csv 或 application/json 上传 (send text/csv or application/json)"


@bp.post("/imports/<kind>")
@large_body
@require_roles("integration", "manager")
@api_doc(
    summary="导入主数据 (import master data: CSV or JSON array, upsert by business key)",
    tags=["imports"],
    path_params={"kind": {"enum": sorted(SPECS)}},
    request_bodies={"text/csv": {"type": "string"},
                    "application/json": {"type": "array", "items": {"type": "object"}}},
    responses={200: ImportResultOut},
    errors=(400, 401, 403, 404, 413, 415),
)
def import_data(kind: str):
    service.get_import_spec(kind)
    batch_size = current_app.config["IMPORT_BATCH_SIZE"]
    mimetype = request.mimetype
    if mimetype in ("text/csv", "application/csv", "text/plain"):
        result = service.import_csv(kind, request.stream, batch_size=batch_size)
    elif mimetype == "application/json" or mimetype.endswith("+json"):
        result = service.import_json(kind, request.get_data(cache=False), batch_size=batch_size)
    else:
        raise UnsupportedMediaType(details={"content_type": request.content_type})
    db.session.commit()
    return ImportResultOut().dump(result), 200


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
