"""The console blueprint and what every page shares: the signed-in staff user, role checks, CSRF
on every unsafe request, HTML error pages, security headers and the audit helper."""
from __future__ import annotations

from datetime import datetime
from functools import wraps
from zoneinfo import ZoneInfo

from flask import (Blueprint, current_app, g, redirect, render_template, request, session,
                   url_for)

from app import redirects
from app.console import auditwords, service
from app.console.models import StaffUser
from app.db import utcnow
from app.csrf import verify_csrf
from app.errors import AppError, Forbidden
from app.masterdata import service as masterdata
from app.reports import service as report_service
from app.timeutil import month_bounds, quarter_bounds

bp = Blueprint("console", __name__, url_prefix="/console")
SESSION_KEY = "console"
SESSION_HOURS = 10
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
ROLE_LABELS = {"auditor": "稽核员", "manager": "运营经理", "admin": "管理员"}
# Which roles see which part of the console (admin sees everything).
AREAS = {
    "review": ("auditor",),
    "cases": ("auditor", "manager"),      # read the queue and cases; managers reverse there
    "reverse": ("manager",),
    "suspend": ("manager",),
    "people": ("auditor", "manager"),
    "reports": ("auditor", "manager"),
    "close": ("manager",),
    "rotate": ("manager",),
    "imports": ("manager",),
    "audit": ("manager",),
    "tasks": (),            # admins only: the dead-letter list and its retries
}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def allowed(area: str, user: StaffUser | None = None) -> bool:
    user = user or g.get("staff")
    return bool(user) and (user.role == "admin" or user.role in AREAS[area])


def tz() -> str:
    return current_app.config["TIMEZONE"]


def tariff():
    return report_service.load_tariff(current_app.config.get("TARIFF_FILE"))


def client_ip() -> str | None:
    return request.remote_addr


def audit(action: str, target: str = "", **details) -> None:
    service.record(actor=g.staff.username, action=action, target=target, details=details,
                   ip=client_ip())


def begin_session(user: StaffUser) -> None:
    """A fresh session for the signed-in user: nothing from before sign-in survives (fixation).
    The cookie carries only the id of a server-side session (see StaffSession)."""
    session.clear()
    sid = service.open_session(user, hours=SESSION_HOURS, ip=client_ip())
    session[SESSION_KEY] = {"sid": sid, "stamp": service.session_stamp(user)}


def end_session() -> None:
    """Revoke the server-side session (the caller commits) and forget the cookie."""
    data = session.get(SESSION_KEY)
    if isinstance(data, dict):
        service.close_session(data.get("sid"))
    session.clear()


def _load_staff() -> StaffUser | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    user = service.session_user(data.get("sid"))
    if user is None or data.get("stamp") != service.session_stamp(user):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Only a path inside the console: never an absolute URL someone slipped into ?next=."""
    return redirects.safe_next(target, default=None, prefix="/console")


def requires(area: str):
    """The page needs a signed-in user whose role may see `area`."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.staff is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if not allowed(area):
                raise Forbidden("你的角色无权查看此页面 (your role may not open this page)",
                                code="role_not_allowed")
            return view(*args, **kwargs)
        wrapper.console_area = area
        return wrapper
    return decorator


@bp.before_request
def _before():
    g.staff = _load_staff()
    if request.method not in SAFE_METHODS:
        verify_csrf()


@bp.after_request
def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(AppError)
def _error_page(exc: AppError):
    status = exc.status
    if request.headers.get("X-Requested-With") == "fetch":
        return {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}, status
    return render_template("console/error.html", error=exc), status, exc.headers


def today():
    return masterdata.local_today(tz())


STATUS_LABELS = {"active": ("在岗", "ok"), "suspended": ("停岗", "bad"), "left": ("离职", "bad")}


@bp.app_template_global("suspended_until_of")
def suspended_until_of(technician_id: int):
    """The last day of the technician's 待岗培训 covering today, or None (one query per page:
    everyone suspended today, kept with the request — tests run several requests in one app
    context, hence not `g`)."""
    known = request.environ.get("console.suspended_until")
    if known is None:
        known = request.environ["console.suspended_until"] = masterdata.suspended_until(today())
    return known.get(technician_id)


@bp.app_template_global("technician_status")
def technician_status(technician) -> dict:
    """How the console shows a technician's status today: 待岗培训 with its last day wins over
    upstream's status."""
    until = suspended_until_of(technician.id)
    if until is not None and technician.status != "left":
        return {"code": "suspended", "label": f"待岗培训至 {until:%m-%d}", "css": "bad",
                "until": until}
    label, css = STATUS_LABELS.get(technician.status, (technician.status, "info"))
    return {"code": technician.status, "label": label, "css": css, "until": None}


@bp.app_context_processor
def _console_context():
    if not request.blueprint == "console":
        return {}
    return {"staff": g.get("staff"), "allowed": allowed, "role_labels": ROLE_LABELS}


@bp.app_template_filter("local")
def _local(value, fmt: str = "%Y-%m-%d %H:%M"):
    """A UTC datetime (or its ISO text, as JSON-shaped reports carry it) as local time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(ZoneInfo(tz())).strftime(fmt)


@bp.app_template_global("period_note")
def _period_note(period: str) -> str:
    """"进行中 · 截至 11-28 20:53" while a month (YYYY-MM) or quarter (YYYYQn) is not over."""
    bounds = quarter_bounds if "Q" in period else month_bounds
    try:
        start, end = bounds(period, tz())
    except ValueError:
        return ""
    now = utcnow()
    if now >= end:
        return ""
    if now < start:
        return "尚未开始"
    return f"进行中 · 截至 {now.astimezone(ZoneInfo(tz())):%m-%d %H:%M}（数据仍会变化）"


@bp.app_template_filter("audit_details")
def _audit_details(details):
    return auditwords.details_words(details)


@bp.app_template_filter("pct")
def _pct(value, places: int = 1):
    return "—" if value is None else f"{value * 100:.{places}f}%"


@bp.app_template_filter("stars")
def _stars(value):
    return "—" if not value else "★" * int(value) + "☆" * (5 - int(value))
