"""The search box (/console/search) and the order page (/console/orders/<order_no>)."""
from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from app.console import search as finder
from app.console.views.base import audit, bp, requires, tariff, tz
from app.extensions import db
from app.masterdata import service as masterdata
from app.rating import service as rating_service


@bp.get("/search")
@requires("people")
def search():
    found = finder.search(request.args.get("q") or "")
    if found.order_no:
        return redirect(url_for("console.order", order_no=found.order_no))
    return render_template("console/search.html", found=found)


@bp.get("/orders/<order_no>")
@requires("people")
def order(order_no: str):
    return _render(order_no)


@bp.post("/orders/<order_no>/phone")
@requires("people")
def order_phone(order_no: str):
    """Show the customer's full phone to call back; every reveal is in the audit log."""
    found = masterdata.find_order(order_no)
    if found is None:
        return _render(order_no)          # the page says the order does not exist
    audit("phone_revealed", f"order {order_no}", account_no=found.account.account_no)
    db.session.commit()
    return _render(order_no, revealed=found.account.phone)


def _render(order_no: str, revealed: str | None = None):
    page = finder.order_page(order_no, tariff=tariff(), tz_name=tz())
    tags = rating_service.tag_catalogue(current_app.config.get("RATING_TAGS_FILE"))
    return render_template("console/order.html", page=page, revealed=revealed,
                           tag_labels={t.code: t.label for t in tags})
