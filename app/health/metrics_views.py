"""`GET /metrics` (app/metrics.py holds the metrics themselves).

Access: `Authorization: Bearer <METRICS_TOKEN>` (what a Prometheus scraper is given; checked
without the database, so metrics stay readable while the database is down) or an API key of
any role.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app

from app.auth.decorators import bearer_token, require_roles
from app.auth.models import ROLES
from app.metrics import exposition

bp = Blueprint("metrics", __name__)


@require_roles(*ROLES)
def _exposition_for_api_key() -> Response:
    return exposition()


@bp.get("/metrics")
def metrics():
    token = bearer_token()
    expected = current_app.config.get("METRICS_TOKEN")
    if expected and token and hmac.compare_digest(token.encode(), expected.encode()):
        return exposition()
    return _exposition_for_api_key()
