"""A month computed live from the database: each technician's figures and each order's pay line."""
from __future__ import annotations

from typing import Iterable, Iterator

from app.fraud import service as fraud_service
from app.reports import queries
from app.reports.figures import MonthFigures, technician_row
from app.reports.queries import TechnicianFilter
from app.reports.tariff import PAY_RULES, Tariff, fen_to_yuan, order_pay
from app.timeutil import month_bounds

WHO_FIELDS = ("technician_id", "employee_no", "name", "team", "area", "vendor")


def live_rows(*, month: str, tariff: Tariff, tz_name: str,
              who: TechnicianFilter = TechnicianFilter()) -> list[dict]:
    """The month's report lines, counted set-based in the database (one grouped query)."""
    start, end = month_bounds(month, tz_name)
    frauds = fraud_service.confirmed_frauds_by_technician([month])
    figures: dict[int, MonthFigures] = {}
    for tid, order_type, product, area, stars, wechat, count in queries.month_groups(
            start, end, who, tariff.paid_order_types):
        figures.setdefault(tid, MonthFigures()).add_group(
            tariff, order_type=order_type, product=product, area=area, stars=stars,
            wechat=bool(wechat), count=count, star_eligible=not frauds.get(tid))
    return month_rows(figures, frauds, who)


def month_rows(figures: dict[int, MonthFigures], frauds: dict[int, int],
               who: TechnicianFilter) -> list[dict]:
    """One line per technician, by employee_no.

    Covered: technicians with a completed order or a confirmed fraud in the month, and every
    active technician (a zero line says "did no work", which a pay run wants to see)."""
    rows = []
    for tech in queries.technicians(who):
        tid = tech["id"]
        if tid not in figures and tid not in frauds and tech["status"] != "active":
            continue
        month_figures = figures.get(tid) or MonthFigures()
        month_figures.frauds_confirmed = frauds.get(tid, 0)
        who_fields = {"technician_id": tid, **{k: tech[k] for k in WHO_FIELDS[1:]}}
        rows.append(technician_row(who_fields, month_figures, star_eligible=not frauds.get(tid)))
    return rows


def rows_from_lines(lines: Iterable[dict], frauds: dict[int, int],
                    who: TechnicianFilter) -> list[dict]:
    """Report lines built from ledger lines, so the two agree by construction."""
    figures: dict[int, MonthFigures] = {}
    for line in lines:
        figures.setdefault(line["technician_id"], MonthFigures()).add_line(line)
    return month_rows(figures, frauds, who)


def ledger_line(row, tariff: Tariff, star_eligible: bool) -> dict:
    pay = order_pay(tariff, order_type=row.order_type, product=row.product, stars=row.stars,
                    area=row.area, star_eligible=star_eligible)
    return {"technician_id": row.technician_id, "order_id": row.order_id,
            "order_no": row.order_no, "order_type": row.order_type, "product": row.product,
            "area": row.area, "completed_at": row.completed_at, "stars": row.stars,
            "source": row.source, "rating_id": row.rating_id, "pay_rule": pay.rule,
            "priced_star": pay.priced_star, "unit_price_fen": pay.unit_price_fen,
            "coefficient": str(pay.coefficient), "amount_fen": pay.amount_fen}


def month_frauds(month: str) -> dict[int, int]:
    return fraud_service.confirmed_frauds_by_technician([month])


def live_ledger_lines(*, month: str, tariff: Tariff, tz_name: str, frauds: dict[int, int],
                      who: TechnicianFilter = TechnicianFilter()) -> Iterator[dict]:
    """Every completed order of the month with its effective star, source and pay, streamed."""
    start, end = month_bounds(month, tz_name)
    for row in queries.effective_lines(start, end, who):
        yield ledger_line(row, tariff, star_eligible=not frauds.get(row.technician_id))


def present_line(line: dict) -> dict:
    """A ledger line for people: yuan strings and the rule in words next to the codes."""
    return {**line, "unit_price": fen_to_yuan(line["unit_price_fen"]),
            "amount": fen_to_yuan(line["amount_fen"]),
            "pay_rule_label": PAY_RULES[line["pay_rule"]]}
