"""The reference endpoint of bench/live_badge.py: the least a live badge token can cost.

Issuing a live token needs three things, whoever writes it: know who calls (check the signed user
token, and that it is still the user's current one: one indexed read), sign a token, answer JSON.
This is that and nothing else: one Flask view, the same signed-token check and live token
encoder as the app (pure functions), one Core SELECT by primary key on the same database with the
app's engine options, no ORM, no request id, no logs, no metrics.

`/hello` answers a constant JSON with no work at all, for scale.

    DATABASE_URL=... gunicorn --chdir bench 'ref_live_app:create_ref_app()'   (as live_badge.py does)
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

from flask import Flask, request
from sqlalchemy import bindparam, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.badge.live import LiveSettings, derive_live_keys, encode_live_token, \
    seconds_to_next_step, step_at  # noqa: E402
from app.config import normalize_database_url  # noqa: E402
from app.db import configure_engine_events  # noqa: E402
from app.identity.tokens import read_token  # noqa: E402
from ref_insert_app import engine_options  # noqa: E402

# The technician's id and badge version are what the token names; the reference reads the token
# version and takes the technician id to be the user id (the seed makes them equal), so its one
# read is the smallest the check can be.
USER_ROW = text("SELECT token_version FROM wechat_users WHERE id = :user_id").bindparams(
    bindparam("user_id"))


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
            version = conn.execute(USER_ROW, {"user_id": claims.user_id}).scalar()
        if version != claims.token_version:
            return {"error": "unauthorized"}, 401
        now = time.time()
        token = encode_live_token(keys, technician_id=claims.user_id, version=1,
                                  step=step_at(now, settings))
        return {"token": token, "expires_in": math.ceil(seconds_to_next_step(now, settings)),
                "qr_png_url": f"{base}/b/{token}.png"}

    @app.get("/hello")
    def hello():
        return {"hello": "world"}

    return app
