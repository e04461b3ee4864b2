"""A month's pay sheet computed live: set-based for the whole sheet, order by order for the ledger.

`live_pay_rows` counts the month in a handful of grouped queries (what the sheet, the ranking and
the benchmark run); `technician_ledgers` streams every order and writes each line of each
technician's pay (what drill-down and month close store). Both feed `PayFacts` and `pay_row`, so
a technician's ledger lines sum to their sheet line component by component.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

from app.fraud import service as fraud_service
from app.fraud.rules import star_eligible
from app.rating import service as rating_service
from app.reports import payqueries, payrules, queries
from app.reports.paysheet import (
    REPAIR, PayFacts, assessment, maintenance_line_fen, on_sheet, pay_row)
from app.reports.payqueries import Period
from app.reports.quarterly import quarterly_grades
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff
from app.timeutil import month_bounds

WHO_FIELDS = ("employee_no", "name", "team", "area", "vendor")


@dataclass
class MonthContext:
    """What the month's lines need that is not counted from its orders."""

    period: Period
    bonus_quarter: str
    frauds: dict[int, int]                 # confirmed frauds sanctioning the month
    fines_fen: dict[int, int]              # the month's offence fine
    grades: dict[int, int | None]          # previous quarter's grade
    complained: set[int]                   # a justified complaint this month (ranking veto)
    presence: dict[int, int]               # WeChat ratings given in presence (report column)


def month_context(month: str, tariff: Tariff, tz_name: str) -> MonthContext:
    payqueries.roomy_sorts()        # the previous quarter's grading aggregates orders too
    start, end = month_bounds(month, tz_name)
    quarter = payrules.bonus_quarter(month)
    grades = quarterly_grades(quarter=quarter, tariff=tariff, tz_name=tz_name)
    return MonthContext(
        period=Period(month, start, end), bonus_quarter=quarter,
        frauds=fraud_service.confirmed_frauds_by_technician([month]),
        fines_fen={tid: yuan * 100
                   for tid, yuan in fraud_service.fines_by_technician(month).items()},
        grades={line["technician_id"]: line["grade"] for line in grades["items"]},
        complained=queries.technicians_with_justified_complaints(start, end),
        presence=presence_counts(month, tz_name))


def presence_counts(month: str, tz_name: str) -> dict[int, int]:
    """Technician id → the month's valid WeChat ratings that carry presence (在场扫码)."""
    return {tid: share.with_presence for tid, share in
            rating_service.presence_share_by_technician(month, tz_name=tz_name).items()}


def new_facts(tid: int, ctx: MonthContext, tariff: Tariff) -> PayFacts:
    """A technician's facts with everything that does not come from their orders."""
    facts = PayFacts(fraud_sanctioned=not star_eligible(ctx.frauds.get(tid, 0)),
                     justified_complaint=tid in ctx.complained, grade=ctx.grades.get(tid))
    facts.bonus_fen = tariff.bonus_fen(facts.grade)
    facts.add_penalty("fraud", ctx.fines_fen.get(tid, 0))
    return facts


def _kinds(row) -> list[str]:
    return [kind for kind in payrules.URGE_KINDS if getattr(row, kind)]


def who_fields(tech: dict) -> dict:
    return {"technician_id": tech["id"], **{k: tech[k] for k in WHO_FIELDS}}


def rows_for(facts: dict[int, PayFacts], ctx: MonthContext, tariff: Tariff,
             who: TechnicianFilter) -> list[dict]:
    """Sheet lines by employee_no: technicians with a completed order or a non-zero component."""
    rows = []
    for tech in queries.technicians(who):
        mine = facts.get(tech["id"]) or new_facts(tech["id"], ctx, tariff)
        row = pay_row(who_fields(tech), mine, tariff, ctx.bonus_quarter)
        if on_sheet(row):
            rows.append(row)
    return rows


def live_facts(ctx: MonthContext, tariff: Tariff, who: TechnicianFilter, *,
               money: bool = True) -> dict[int, PayFacts]:
    """Every technician's facts for the month, from grouped queries (money=False: only what the
    assessment score needs — orders, urges and items — for rankings of past months)."""
    facts: dict[int, PayFacts] = {}

    def of(tid: int) -> PayFacts:
        if tid not in facts:
            facts[tid] = new_facts(tid, ctx, tariff)
        return facts[tid]

    period, rules = ctx.period, tariff.penalties
    for tid, order_type, product, area, stars, closed, n in payqueries.order_groups(
            period, who, paid_types=tariff.paid_order_types,
            priced_areas=tuple(tariff.area_coefficients)):
        of(tid).add_orders(tariff, order_type=order_type, product=product, area=area,
                           stars=stars, false_closure=bool(closed), count=n)
    for row in payqueries.urge_groups(period, who):
        of(row[0]).add_urges(tariff, _kinds(row), is_repair=bool(row.is_repair), count=row[-1])
    if not money:
        _add_extras(of, period, who, money=False)
        return facts
    hours = {"deadline_hours": _hours(rules.repair_deadline),
             "step_hours": _hours(rules.overdue_step)}
    if payqueries.exact_interval_arithmetic():
        for tid, steps, exempt, n in payqueries.overdue_groups(
                period, who, exempt_causes=tuple(rules.exempt_fault_causes), **hours):
            fen = payrules.overdue_fen(int(steps), bool(exempt), rules)
            of(tid).add_penalty("overdue", fen * n)
    else:
        for row in payqueries.late_repairs(period, who, **hours):
            late = payrules.overdue(created_at=row.created_at, completed_at=row.completed_at,
                                    due_at=row.due_at, fault_cause=row.fault_cause, rules=rules)
            of(row.technician_id).add_penalty("overdue", late.amount_fen)
    for tid, amount in payqueries.false_closure_rows(period, who):
        of(tid).add_penalty("false_closure", payrules.false_closure_fen(amount, rules))
    _add_extras(of, period, who)
    return facts


def _hours(delta) -> int:
    return int(delta.total_seconds() // 3600)


def _add_extras(of, period: Period, who: TechnicianFilter, lines: dict | None = None, *,
                money: bool = True) -> None:
    """Fines, commissions and assessment items: rows that belong to no order (money=False:
    only the items, which the score needs)."""
    for row in payqueries.assessment_items(period, who):
        of(row.technician_id).add_item(row.item, row.points_centi, row.note)
    if not money:
        return
    for row in payqueries.fines(period, who):
        of(row.technician_id).add_penalty(row.kind, row.amount_fen)
        if lines is not None:
            lines[row.technician_id].append(_fine_line(row))
    for row in payqueries.commissions(period, who):
        of(row.technician_id).commissions_fen += row.amount_fen
        if lines is not None:
            lines[row.technician_id].append(_extra_line(
                row.technician_id, "commission", "commission", row.amount_fen,
                {"note": row.note, "commission_id": row.id}))


def live_pay_rows(*, month: str, tariff: Tariff, tz_name: str,
                  who: TechnicianFilter = TechnicianFilter()) -> list[dict]:
    ctx = month_context(month, tariff, tz_name)
    return rows_for(live_facts(ctx, tariff, who), ctx, tariff, who)


def live_score_rows(*, month: str, tariff: Tariff, tz_name: str) -> list[dict]:
    """What a ranking needs of a month, without its money: each technician with a completed
    order, their score, orders and vetoes."""
    payqueries.roomy_sorts()        # month_context does it for the other callers of live_facts
    start, end = month_bounds(month, tz_name)
    ctx = MonthContext(period=Period(month, start, end), bonus_quarter="",
                       frauds=fraud_service.confirmed_frauds_by_technician([month]),
                       fines_fen={}, grades={},
                       complained=queries.technicians_with_justified_complaints(start, end),
                       presence={})
    facts = live_facts(ctx, tariff, TechnicianFilter(), money=False)
    rows = []
    for tech in queries.technicians(TechnicianFilter()):
        mine = facts.get(tech["id"])
        if mine is None or not mine.orders_completed:
            continue
        rows.append({**who_fields(tech), "orders_completed": mine.orders_completed,
                     "assessment_score": payrules.score_number(assessment(mine, tariff)[0]),
                     "fraud_sanctioned": mine.fraud_sanctioned,
                     "justified_complaint": mine.justified_complaint})
    return rows


# --- the ledger: every line of every technician's pay ------------------------------------------

def _extra_line(tid: int, component: str, rule: str, amount_fen: int, detail: dict,
                **columns) -> dict:
    return {"technician_id": tid, "component": component, "order_id": None, "order_no": None,
            "order_type": None, "product": None, "area": None, "completed_at": None,
            "stars": None, "source": None, "rating_id": None, "pay_rule": rule,
            "priced_star": None, "unit_price_fen": None, "coefficient": None, "quantity": None,
            "score": None, "detail": detail, "amount_fen": amount_fen, **columns}


def _fine_line(row) -> dict:
    return _extra_line(row.technician_id, row.kind, row.kind, -row.amount_fen,
                       {"note": row.note, "penalty_id": row.id,
                        "occurred_at": row.occurred_at.isoformat()},
                       order_no=row.order_no)


def _order_line(row, component: str, rule: str, amount_fen: int, **columns) -> dict:
    line = _extra_line(row.technician_id, component, rule, amount_fen, columns.pop("detail", None),
                       **columns)
    line.update(order_id=row.order_id, order_no=row.order_no, order_type=row.order_type,
                product=row.product, area=row.area, completed_at=row.completed_at)
    return line


def _order_lines(row, facts: PayFacts, tariff: Tariff) -> list[dict]:
    """The lines of one order that do not need the score: install, overdue, urge, false closure."""
    closed = row.false_closure_id is not None
    pay = facts.add_orders(tariff, order_type=row.order_type, product=row.product,
                           area=row.area, stars=row.stars, false_closure=closed)
    lines = [_order_line(row, "install", pay.rule, pay.amount_fen, stars=row.stars,
                         source=row.source, rating_id=row.rating_id, priced_star=pay.priced_star,
                         unit_price_fen=pay.unit_price_fen, coefficient=str(pay.coefficient))]
    rules = tariff.penalties
    if row.order_type == REPAIR:
        late = payrules.overdue(created_at=row.created_at, completed_at=row.completed_at,
                                due_at=row.due_at, fault_cause=row.fault_cause, rules=rules)
        if late.days:
            facts.add_penalty("overdue", late.amount_fen)
            lines.append(_order_line(
                row, "overdue", "overdue_exempt" if late.exempt else "overdue", -late.amount_fen,
                unit_price_fen=rules.overdue_fen_per_day, quantity=late.days,
                detail={"deadline": late.deadline.isoformat(), "fault_cause": row.fault_cause,
                        "due_at_given": row.due_at is not None,
                        "hours_late": round(late.late.total_seconds() / 3600, 2)}))
    if row.urges:
        kinds = _kinds(row)
        fen = facts.add_urges(tariff, kinds, is_repair=row.order_type == REPAIR)
        lines.append(_order_line(row, "urge", "urge", -fen, quantity=row.urges,
                                 detail={"kinds": kinds}))
    if closed:
        fen = payrules.false_closure_fen(row.false_closure_fen, rules)
        facts.add_penalty("false_closure", fen)
        lines.append(_order_line(row, "false_closure", "false_closure", -fen,
                                 detail={"note": row.false_closure_note,
                                         "amount_given": row.false_closure_fen is not None}))
    return lines


def _close_technician(tid: int, orders: list, facts: PayFacts, lines: list[dict],
                      extra: list[dict], ctx: MonthContext, tariff: Tariff) -> list[dict]:
    """Lines that need the whole month: maintenance (by the score), fraud, bonus; then the rest."""
    score, _ = assessment(facts, tariff)
    for row in orders:
        if row.order_type != REPAIR:
            continue
        closed = row.false_closure_id is not None
        price, fen = maintenance_line_fen(tariff, product=row.product, area=row.area,
                                          score=score, false_closure=closed)
        lines.append(_order_line(row, "maintenance", "false_closure" if closed else "maintenance",
                                 fen, stars=row.stars, source=row.source,
                                 unit_price_fen=price,
                                 coefficient=str(tariff.coefficient(row.area)),
                                 score=str(payrules.score_number(score))))
    if facts.penalties_fen["fraud"]:
        lines.append(_extra_line(tid, "fraud", "fraud", -facts.penalties_fen["fraud"],
                                 {"frauds_confirmed": ctx.frauds.get(tid, 0)}))
    if facts.bonus_fen:
        lines.append(_extra_line(tid, "quarterly_bonus", "quarterly_bonus", facts.bonus_fen,
                                 {"quarter": ctx.bonus_quarter, "grade": facts.grade}))
    return lines + extra


def technician_ledgers(*, month: str, tariff: Tariff, tz_name: str,
                       who: TechnicianFilter = TechnicianFilter(),
                       ctx: MonthContext | None = None) -> Iterator[tuple[int, PayFacts, list]]:
    """(technician id, facts, every pay line) per technician with anything in the month: those
    with orders first (streamed from one statement, one technician's at a time), then the rest."""
    ctx = ctx or month_context(month, tariff, tz_name)
    facts: dict[int, PayFacts] = {}
    extra: dict[int, list] = defaultdict(list)

    def of(tid: int) -> PayFacts:
        if tid not in facts:
            facts[tid] = new_facts(tid, ctx, tariff)
        return facts[tid]

    _add_extras(of, ctx.period, who, extra)
    paid = {tid for tid, grade in ctx.grades.items() if tariff.bonus_fen(grade)}
    paid |= set(ctx.fines_fen)
    pending = set(facts) | (paid & _ids(who) if who.active else paid)
    current, orders, lines = None, [], []
    for row in payqueries.order_lines(ctx.period, who):
        if row.technician_id != current:
            if current is not None:
                yield current, of(current), _close_technician(
                    current, orders, of(current), lines, extra.pop(current, []), ctx, tariff)
                pending.discard(current)
            current, orders, lines = row.technician_id, [], []
        orders.append(row)
        lines.extend(_order_lines(row, of(current), tariff))
    if current is not None:
        yield current, of(current), _close_technician(
            current, orders, of(current), lines, extra.pop(current, []), ctx, tariff)
        pending.discard(current)
    for tid in sorted(pending):
        yield tid, of(tid), _close_technician(tid, [], of(tid), [], extra.pop(tid, []), ctx,
                                              tariff)


def _ids(who: TechnicianFilter) -> set[int]:
    return {tech["id"] for tech in queries.technicians(who)}


def ledger_totals(lines: list[dict]) -> dict[str, int]:
    """Per component, the signed sum of a technician's lines (penalties are negative)."""
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line["component"]] += line["amount_fen"]
    return dict(sums)
