from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.apidocs.registry import api_doc
from app.extensions import db
from app.redis_client import redis_is_up

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

_STATUS = {"type": "object", "properties": {"status": {"type": "string"},
                                            "checks": {"type": "object"}}}


@bp.get("/healthz")
@api_doc("进程存活 (liveness)", tags=["health"], responses={200: _STATUS})
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@api_doc("可以接收流量：数据库可达；Redis 不可达时降级但仍就绪 (readiness: database reachable; "
         "Redis down = degraded, still ready)", tags=["health"],
         responses={200: _STATUS, 503: _STATUS})
def readyz():
    """The database is required: without it nothing works (503, take the server out of the
    pool). Redis is not: rate limits and the WeChat token fall back to the database while it is
    down (app/redis_client.py), so a Redis outage keeps the server in the pool (200, "degraded")
    rather than emptying the whole pool at once."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError:
        log.warning("readiness check: database unreachable", exc_info=True)
        db.session.rollback()
        checks["database"] = "unreachable"
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = "ok" if redis_is_up(redis_url) else "unavailable"
    if checks["database"] != "ok":
        return {"status": "unavailable", "checks": checks}, 503
    status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
    return {"status": status, "checks": checks}, 200
