"""Technician rating service (装维服务评价).

`create_app` reads as the list of what the service is made of; each step lives in its own module.
"""
from __future__ import annotations

from flask import Flask

from app.config import load_config
from app.errors import register_error_handlers
from app.extensions import init_extensions
from app.logs import init_logging


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, overrides)
    init_logging(app)
    init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_blueprints(app: Flask) -> None:
    from app.apidocs.views import bp as apidocs_bp
    from app.health.views import bp as health_bp
    from app.masterdata.views import bp as masterdata_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(apidocs_bp)
    app.register_blueprint(masterdata_bp, url_prefix="/api/v1/admin")


def register_cli(app: Flask) -> None:
    from app.auth.cli import apikey_cli
    from app.demo.cli import demo_cli
    from app.masterdata.cli import import_cli

    app.cli.add_command(apikey_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(demo_cli)
