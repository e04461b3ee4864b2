"""Admin API for master data: imports from upstream systems."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from app.apidocs.registry import api_doc
from app.auth.decorators import require_roles
from app.errors import AppError
from app.extensions import db
from app.guards import large_body
from app.masterdata import service
from app.masterdata.schemas import ImportResultOut
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
