"""Unbound extensions, bound to the app in `init_extensions`."""
from __future__ import annotations

import logging

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.db import Base, configure_engine_events

log = logging.getLogger(__name__)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    # Ours replaces Flask-SQLAlchemy's own teardown (the same session.remove(), which ours guards):
    # one removal per request instead of two.
    app.teardown_appcontext_funcs[:] = [func for func in app.teardown_appcontext_funcs
                                        if getattr(func, "__func__", None)
                                        is not type(db)._teardown_session]
    app.teardown_appcontext(_remove_session)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"], render_as_batch=True,
                     compare_type=True)


def _remove_session(_exc) -> None:
    """End the request's session before Flask-SQLAlchemy's own teardown does (teardowns run last
    registered first). Its rollback can fail — PostgreSQL went away mid-request — and an error
    escaping a teardown reaches the WSGI server, whose answer is an HTML 500. The answer has been
    made by then; the broken connection is dropped and the pool replaces it."""
    try:
        db.session.remove()
    except Exception as exc:
        log.warning("session cleanup failed", extra={"error": type(exc).__name__})
        db.session.registry.clear()
