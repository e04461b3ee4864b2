"""A month's report computed live from the database: each technician's figures and their lines."""
from __future__ import annotations

from typing import Iterable

from app.fraud import service as fraud_service
from app.fraud.rules import star_eligible
from app.reports import queries
from app.reports.paymonth import presence_counts
from app.reports.figures import MonthFigures, technician_row
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff
from app.timeutil import month_bounds

WHO_FIELDS = ("technician_id", "employee_no", "name", "team", "area", "vendor")


def live_rows(*, month: str, tariff: Tariff, tz_name: str,
              who: TechnicianFilter = TechnicianFilter()) -> list[dict]:
    """The month's report lines, counted set-based in the database (one grouped query)."""
    start, end = month_bounds(month, tz_name)
    frauds = fraud_service.confirmed_frauds_by_technician([month])
    figures: dict[int, MonthFigures] = {}
    for tid, order_type, product, area, stars, wechat, closed, count in queries.month_groups(
            start, end, who, tariff.paid_order_types):
        figures.setdefault(tid, MonthFigures()).add_group(
            tariff, order_type=order_type, product=product, area=area, stars=stars,
            wechat=bool(wechat), count=count, star_eligible=star_eligible(frauds.get(tid, 0)),
            false_closure=bool(closed))
    return month_rows(figures, frauds, who, presence_counts(month, tz_name))


def month_rows(figures: dict[int, MonthFigures], frauds: dict[int, int],
               who: TechnicianFilter, presence: dict[int, int]) -> list[dict]:
    """One line per technician, by employee_no; `presence`: technician id → WeChat ratings given
    in presence (在场扫码).

    Covered: technicians with a completed order or a confirmed fraud in the month, and every
    active technician (a zero line says "did no work", which a pay run wants to see)."""
    rows = []
    for tech in queries.technicians(who):
        tid = tech["id"]
        if tid not in figures and tid not in frauds and tech["status"] != "active":
            continue
        month_figures = figures.get(tid) or MonthFigures()
        month_figures.frauds_confirmed = frauds.get(tid, 0)
        month_figures.wechat_with_presence = presence.get(tid, 0)
        who_fields = {"technician_id": tid, **{k: tech[k] for k in WHO_FIELDS[1:]}}
        rows.append(technician_row(who_fields, month_figures,
                                   star_eligible=star_eligible(frauds.get(tid, 0))))
    return rows


def rows_from_lines(lines: Iterable[dict], frauds: dict[int, int], who: TechnicianFilter,
                    tariff: Tariff, presence: dict[int, int]) -> list[dict]:
    """Report lines built from install ledger lines, so the two agree by construction."""
    figures: dict[int, MonthFigures] = {}
    for line in lines:
        if line.get("component", "install") == "install":
            figures.setdefault(line["technician_id"], MonthFigures()).add_line(line, tariff)
    return month_rows(figures, frauds, who, presence)
