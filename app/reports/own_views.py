"""A technician's own month: mini-program JSON and the H5 page (same service call, same figures)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, render_template, request

from app.apidocs.registry import api_doc
from app.identity import service as identity
from app.identity.decorators import h5_login_required, technician_required
from app.reports import service
from app.reports.exports import (
    COMPONENT_LABELS, EXCLUSIONS, ORDER_TYPE_LABELS, PENALTY_LABELS, PRODUCT_LABELS, SOURCES,
    URGE_LABELS)
from app.reports.schemas import MONTH, OwnMonthOut, OwnMonthQuery
from app.reports.views import tariff, tz

bp = Blueprint("reports_own", __name__)
h5_bp = Blueprint("reports_h5", __name__)



@bp.get("/technician/reports/monthly")
@technician_required
@api_doc("我的月度定星与酬金 (a technician's own month: orders with effective stars and sources, "
         "every pay line — penalties with rule and reason —, the pay sheet line with the score "
         "item by item, the month's rank and the quarterly grade)", tags=["reports"],
         query=OwnMonthQuery,
         responses={200: OwnMonthOut}, errors=(401, 403), auth="user_token")
def own_month():
    month = OwnMonthQuery().load(request.args)["month"]
    return OwnMonthOut().dump(service.technician_month(
        technician=g.technician, month=month, tariff=tariff(), tz_name=tz()))


def _this_month() -> str:
    return datetime.now(ZoneInfo(tz())).strftime("%Y-%m")


@h5_bp.get("/h5/technician/report")
@h5_login_required
def own_month_page():
    technician = identity.technician_of(g.user)
    if technician is None or technician.status != "active":
        return render_template("reports/not_technician.html"), 403
    month = request.args.get("month") or _this_month()
    try:
        MONTH(month)
    except Exception:
        month = _this_month()
    data = service.technician_month(technician=technician, month=month, tariff=tariff(),
                                    tz_name=tz())
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return render_template("reports/technician.html", data=data, month=month, zone=zone,
                           sources=SOURCES, products=PRODUCT_LABELS, order_types=ORDER_TYPE_LABELS,
                           exclusions=EXCLUSIONS, components=COMPONENT_LABELS,
                           penalty_labels=PENALTY_LABELS, urge_labels=URGE_LABELS)
