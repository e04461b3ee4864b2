"""The reference endpoint of bench/live_badge.py: the least a live badge token can cost.

Issuing a live token needs, whoever writes it: to know who calls (the signed user token), to read
in one statement that the token is still the user's, which technician they are bound to, that the
technician is active and which badge version the token must name; to sign; to answer JSON. This
is that and nothing else: one Flask view, the app's own user-token check, its statement
(presence.ISSUER_STATE) and its token encoder (pure functions), on the same database with the
app's engine options; no ORM session, no request id, no logs, no metrics, no schema.

`/hello` answers a constant JSON with no work at all, for scale.

    DATABASE_URL=... gunicorn --chdir bench 'ref_live_app:create_ref_app()'   (as live_badge.py does)
"""
from __future__ import annotations

import math
import os
import sys
import time
from datetime import date
from pathlib import Path

from flask import Flask, request
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.badge.live import LiveSettings, derive_live_keys, encode_live_token, \
    seconds_to_next_step, step_at  # noqa: E402
from app.badge.presence import ISSUER_STATE  # noqa: E402
from app.config import normalize_database_url  # noqa: E402
from app.db import configure_engine_events  # noqa: E402
from app.identity.tokens import read_token  # noqa: E402
from ref_insert_app import engine_options  # noqa: E402


def create_ref_app() -> Flask:
    url = normalize_database_url(os.environ["DATABASE_URL"])
    engine = create_engine(url, **engine_options(url))
    configure_engine_events(engine)
    secret = os.environ["SECRET_KEY"]
    base = os.environ["PUBLIC_BASE_URL"]
    keys = derive_live_keys(secret)
    settings = LiveSettings()
    app = Flask(__name__)

    @app.get("/ref/live")
    def live():
        header = request.headers.get("Authorization", "")
        claims = read_token(secret, header[7:], 7 * 24 * 3600) if header.startswith(
            "Bearer ") else None
        if claims is None:
            return {"error": "unauthorized"}, 401
        with engine.connect() as conn:
            row = conn.execute(ISSUER_STATE, {"user_id": claims.user_id,
                                              "token_version": claims.token_version,
                                              "today": date.today()}).first()
        if row is None or row.status != "active" or row.version is None or row.revoked_at \
                or row.suspended_until is not None:
            return {"error": "forbidden"}, 403
        now = time.time()
        token = encode_live_token(keys, technician_id=row.technician_id, version=row.version,
                                  step=step_at(now, settings))
        return {"token": token, "expires_in": math.ceil(seconds_to_next_step(now, settings)),
                "qr_png_url": f"{base}/b/{token}.png"}

    @app.get("/hello")
    def hello():
        return {"hello": "world"}

    return app
