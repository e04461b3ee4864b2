"""Customer pages that belong to no one domain: what every customer page shows (the operator's
branding and hotline) and the landing at `/` for someone who opens the bare host.

The HTML error pages themselves are rendered by app/errors.py (templates/errors/page.html).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template

from app.branding import branding
from app.errors import chinese_only

bp = Blueprint("pages", __name__)
# Customer pages show the Chinese half of bilingual error messages.
bp.add_app_template_filter(chinese_only, "chinese_only")


@bp.app_template_filter("cn_time")
def cn_time(value: datetime | None, fmt: str = "%m月%d日 %H:%M") -> str:
    """A UTC time as customers read it: the operator's local time, in Chinese."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


@bp.app_context_processor
def _customer_context() -> dict:
    # Every template may name these; a view that passes its own `brand` wins.
    config = current_app.config
    return {"brand": branding(), "hotline": config["CUSTOMER_HOTLINE"],
            "official_account": config.get("OFFICIAL_ACCOUNT_NAME")}


@bp.get("/")
def home():
    """What this site is and how to rate a visit, for someone who opens the bare host."""
    return render_template("pages/home.html")
