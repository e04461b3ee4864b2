"""Technician rating service (装维服务评价).

`create_app` reads as the list of what the service is made of; each step lives in its own module.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import load_config
from app.csrf import init_csrf
from app.errors import register_error_handlers
from app.extensions import init_extensions
from app.guards import init_guards
from app.logs import init_logging
from app.metrics import init_metrics
from app.pageheaders import init_page_headers
from app.sessions import init_sessions
from app.tasks import init_tasks


class RatingApp(Flask):
    """Flask, with `ensure_sync` remembered per function: Flask asks `inspect` whether each hook
    and view is a coroutine on every request (a dozen times per request here), and the answer
    never changes. This app has no async views."""

    def __init__(self, *args, **kwargs):
        self._sync_functions: dict = {}
        super().__init__(*args, **kwargs)

    def ensure_sync(self, func):
        known = self._sync_functions
        try:
            return known[func]
        except KeyError:
            known[func] = result = super().ensure_sync(func)
            return result
        except TypeError:           # an unhashable callable: ask every time
            return super().ensure_sync(func)


def create_app(overrides: dict | None = None) -> Flask:
    app = RatingApp(__name__, instance_relative_config=True)
    load_config(app, overrides)
    trust_proxies(app)
    init_logging(app)
    init_metrics(app)
    init_extensions(app)
    init_sessions(app)
    init_guards(app)
    init_csrf(app)
    init_page_headers(app)
    register_blueprints(app)
    connect_domain_events()
    connect_reports(app)
    init_tasks(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Client IP and scheme from the TRUSTED_PROXY_COUNT reverse proxies in front of us, no more:
    an X-Forwarded-For hop we did not add ourselves is the client's to forge."""
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_blueprints(app: Flask) -> None:
    from app.apidocs.views import bp as apidocs_bp
    from app.badge.views import admin_bp as badge_admin_bp
    from app.badge.live_views import bp as badge_live_bp
    from app.badge.views import bp as badge_bp
    from app.console.views import bp as console_bp
    from app.fraud.views import bp as fraud_bp
    from app.health.metrics_views import bp as metrics_bp
    from app.health.views import bp as health_bp
    from app.identity.h5 import bp as h5_account_bp
    from app.identity.oauth_views import bp as h5_signin_bp
    from app.identity.views import bp as identity_bp
    from app.masterdata.views import bp as masterdata_bp
    from app.pages import bp as pages_bp
    from app.rating.h5 import bp as h5_rating_bp
    from app.rating.views import bp as rating_bp
    from app.reports.own_views import bp as reports_own_bp
    from app.reports.own_views import h5_bp as reports_h5_bp
    from app.reports.views import bp as reports_bp
    from app.tasks.views import bp as tasks_bp
    from app.wechat.views import bp as wechat_bp

    app.register_blueprint(metrics_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(apidocs_bp)
    app.register_blueprint(masterdata_bp, url_prefix="/api/v1/admin")
    app.register_blueprint(badge_bp)
    app.register_blueprint(badge_admin_bp, url_prefix="/api/v1/admin")
    app.register_blueprint(badge_live_bp)
    app.register_blueprint(identity_bp, url_prefix="/api/v1")
    app.register_blueprint(wechat_bp)
    app.register_blueprint(h5_signin_bp)
    app.register_blueprint(rating_bp, url_prefix="/api/v1")
    app.register_blueprint(reports_bp, url_prefix="/api/v1/admin")
    app.register_blueprint(reports_own_bp, url_prefix="/api/v1")
    app.register_blueprint(reports_h5_bp)
    app.register_blueprint(h5_rating_bp)
    app.register_blueprint(h5_account_bp)
    app.register_blueprint(fraud_bp, url_prefix="/api/v1/admin")
    app.register_blueprint(tasks_bp, url_prefix="/api/v1/admin")
    app.register_blueprint(console_bp)


def connect_domain_events() -> None:
    from app import metrics
    from app.fraud.service import on_rating_submitted, on_technician_seen
    from app.identity.service import technician_seen
    from app.rating.service import connect_import_listeners, rating_submitted

    connect_import_listeners()
    rating_submitted.connect(on_rating_submitted)   # cheap fraud checks, same transaction
    technician_seen.connect(on_technician_seen)     # technicians' own addresses, for fraud checks
    rating_submitted.connect(metrics.on_rating_submitted)   # counted when it commits


def connect_reports(app: Flask) -> None:
    """Reports, near the top of the layers, reckon what two lower domains show: the quarterly grade
    on badge pages and cards, and the pay a fraud decision changes. They get functions to ask
    (the grades with a memo of this app's own)."""
    from app.badge.service import GRADE_SOURCE
    from app.fraud.service.consequences import PAY_OF
    from app.reports import service as reports

    memo: dict = {}

    def grade_of(technician_id: int) -> int | None:
        config = app.config
        return reports.latest_grade(technician_id, tariff=reports.load_tariff(config.get("TARIFF_FILE")),
                                    tz_name=config["TIMEZONE"], memo_seconds=config["GRADE_MEMO_SECONDS"],
                                    memo=memo)

    app.extensions[GRADE_SOURCE] = grade_of
    app.extensions[PAY_OF] = lambda config: reports.live_pay_of(
        tariff=reports.load_tariff(config.get("TARIFF_FILE")), tz_name=config["TIMEZONE"])


def register_cli(app: Flask) -> None:
    from app.auth.cli import apikey_cli
    from app.badge.cli import badge_cli
    from app.console.cli import user_cli
    from app.demo.cli import demo_cli
    from app.fraud.cli import fraud_cli
    from app.masterdata.cli import import_cli
    from app.reports.cli import report_cli
    from app.rating.cli import rating_cli
    from app.wechat.cli import wechat_cli

    app.cli.add_command(apikey_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(rating_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(fraud_cli)
    app.cli.add_command(badge_cli)
    app.cli.add_command(wechat_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(report_cli, name="reports")     # `flask reports send-bulletins` reads well
    app.cli.add_command(user_cli)
