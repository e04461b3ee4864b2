"""The reference endpoint of bench/rating_submit.py: the least a rating write can cost.

One Flask view that parses the same JSON body, inserts one row with SQLAlchemy Core and commits,
on the same database with the app's engine settings (pool options; on SQLite the app's pragmas and
BEGIN IMMEDIATE through `configure_engine_events`). No auth, no checks, no ORM.

    DATABASE_URL=... gunicorn --chdir bench 'ref_insert_app:create_ref_app()'   (as rating_submit.py does)
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import normalize_database_url  # noqa: E402
from app.db import configure_engine_events  # noqa: E402

metadata = MetaData()
ref_inserts = Table(
    "bench_ref_inserts", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_no", String(32), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


def engine_options(url: str) -> dict:
    """The same options app/config.py gives Flask-SQLAlchemy for this kind of database."""
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "pool_size": int(os.environ.get("DB_POOL_SIZE", 5)),
                "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", 5)), "pool_recycle": 1800}
    return {"pool_pre_ping": True}


def create_ref_app() -> Flask:
    url = normalize_database_url(os.environ["DATABASE_URL"])
    engine = create_engine(url, **engine_options(url))
    configure_engine_events(engine)
    app = Flask(__name__)

    @app.post("/ref")
    def insert_one():
        data = request.get_json()
        with engine.begin() as conn:
            row_id = conn.execute(insert(ref_inserts).returning(ref_inserts.c.id), {
                "order_no": data["order_no"], "stars": data["stars"],
                "comment": data.get("comment", ""),
                "created_at": datetime.now(timezone.utc).replace(tzinfo=None)}).scalar_one()
        return {"id": row_id}, 201

    return app

