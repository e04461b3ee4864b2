from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.apidocs.registry import api_doc
from app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

_STATUS = {"type": "object", "properties": {"status": {"type": "string"},
                                            "checks": {"type": "object"}}}


@bp.get("/healthz")
@api_doc("进程存活 (liveness)", tags=["health"], responses={200: _STATUS})
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@api_doc("可以接收流量：数据库可达 (readiness: database reachable)", tags=["health"],
         responses={200: _STATUS, 503: _STATUS})
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        log.warning("readiness check: database unreachable", exc_info=True)
        db.session.rollback()
        checks["database"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503
