"""Independent recomputation of the whole pay sheet and the monthly ranking, from raw rows.

Written from SPEC's text ("The whole pay sheet", "Monthly ranking"), not from app/reports: its own
prices, fines, thresholds, rounding and month test, plain loops over every row. Shared with the
app: only `rating.rules.effective_star` (through oracle.order_facts) and the quarterly oracle.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import select

from app.extensions import db
from app.fraud.models import FraudOffence
from app.masterdata.models import (
    AssessmentItem, BroadbandAccount, Commission, Complaint, Penalty, Technician, Urge, WorkOrder)
from tests.reports import oracle

MAINTENANCE = {"broadband": 15, "iptv": 8, "iptv_bundled": 8, "landline": 6, "campus": 10}
URGE_FINE = {("procedure", False): 20, ("procedure", True): 20, ("overdue", True): 20,
             ("overdue", False): 30, ("excused", False): 0, ("excused", True): 0}
DAY = timedelta(hours=24)
PENALTIES = ("overdue", "urge", "false_closure", "fraud", "complaint", "other")


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def previous_quarter(month: str):
    year, mon = int(month[:4]), int(month[5:])
    q = (mon - 1) // 3 + 1
    year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    months = [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    return f"{year}Q{q}", months


def pay_sheet(month: str, start, end, quarter_bounds, coefficients=None) -> dict[str, dict]:
    """employee_no → SPEC's pay sheet fields in fen (and the facts the ranking needs)."""
    coefficients = coefficients or {}
    facts = oracle.order_facts(start, end)
    orders_by_id = {o.id: o for o, *_ in facts}
    sanctions = [s for s in db.session.scalars(select(FraudOffence))
                 if s.month == month and s.revoked_at is None]
    sanctioned = {s.technician_id for s in sanctions}
    fine = {}
    for s in sanctions:
        fine.setdefault(s.technician_id, s.fine * 100)
    urges = defaultdict(list)
    for u in db.session.scalars(select(Urge)):
        if u.order_id in orders_by_id:
            urges[u.order_id].append((u.cause, u.appointment_recorded))
    closures, fines = {}, defaultdict(lambda: defaultdict(int))
    for p in db.session.scalars(select(Penalty)):
        if p.kind == "false_closure":
            if p.order_id in orders_by_id:
                closures[p.order_id] = 10000 if p.amount_fen is None else p.amount_fen
        elif start <= p.occurred_at < end:
            fines[p.technician_id][p.kind] += p.amount_fen
    commissions = defaultdict(int)
    for c in db.session.scalars(select(Commission)):
        if c.month == month:
            commissions[c.technician_id] += c.amount_fen
    items = defaultdict(list)
    for a in db.session.scalars(select(AssessmentItem)):
        if a.month == month:
            items[a.technician_id].append(Fraction(a.points_centi, 100))
    quarter, months = previous_quarter(month)
    q_start, q_end = quarter_bounds(quarter)
    grades = {emp: line["grade"] for emp, line in oracle.quarterly(months, q_start, q_end).items()}
    complained = {c.technician_id for c in db.session.scalars(select(Complaint))
                  if c.justified and start <= c.complained_at < end}

    per = defaultdict(list)
    for fact in facts:
        per[fact[0].technician_id].append(fact)
    out = {}
    for t in db.session.scalars(select(Technician)):
        mine = per.get(t.id, [])
        eligible = t.id not in sanctioned
        install = sum(oracle.pay_fen(o, stars, eligible, coefficients)
                      for o, stars, _, _ in mine if o.id not in closures)
        rated = [stars for o, stars, _, _ in mine if o.product != "campus"]
        repairs = [o for o, *_ in mine if o.order_type == "repair"]
        urged = [o for o in repairs if any(c != "excused" for c, _ in urges[o.id])]
        points = Fraction(0)
        if rated:
            r = Fraction(sum(1 for s in rated if s >= 4), len(rated))
            if r < Fraction(90, 100):
                points -= math.floor((Fraction(90, 100) - r) * 100)
        if repairs:
            u = Fraction(len(urged), len(repairs))
            if u > Fraction(5, 100):
                points -= math.floor((u - Fraction(5, 100)) * 100)
        points += sum(items[t.id], Fraction(0))
        score = min(max(100 + points, Fraction(0)), Fraction(120))
        maintenance = 0
        for o in repairs:
            if o.id in closures:
                continue
            coefficient = Fraction(Decimal(coefficients.get(o.area, "1")))
            exact = MAINTENANCE[o.product] * 100 * coefficient * score / 100
            maintenance += half_up(Decimal(exact.numerator) / Decimal(exact.denominator))
        penalties = dict.fromkeys(PENALTIES, 0)
        for o in repairs:
            deadline = o.due_at if o.due_at is not None else o.created_at + DAY
            late = o.completed_at - deadline
            if late >= DAY and o.fault_cause not in ("olt", "cable"):
                penalties["overdue"] += 2000 * math.floor(late.total_seconds() / 86400)
        for o, *_ in mine:
            if urges[o.id]:
                penalties["urge"] += 100 * max(URGE_FINE[k] for k in urges[o.id])
            if o.id in closures:
                penalties["false_closure"] += closures[o.id]
        penalties["fraud"] = fine.get(t.id, 0)
        penalties["complaint"] = fines[t.id]["complaint"]
        penalties["other"] = fines[t.id]["other"]
        bonus = {5: 50000, 4: 30000, 3: 20000}.get(grades.get(t.employee_no), 0)
        total = install + maintenance + commissions[t.id] + bonus - sum(penalties.values())
        line = {"install_pay_fen": install, "maintenance_pay_fen": maintenance,
                "assessment_score": score, "commissions_fen": commissions[t.id],
                "quarterly_bonus_fen": bonus, "penalties_fen": penalties,
                "penalties_total_fen": sum(penalties.values()), "total_pay_fen": total}
        if mine or any(v for k, v in line.items() if k.endswith("_fen") and k != "penalties_fen") \
                or any(penalties.values()):
            out[t.employee_no] = {**line, "orders": len(mine), "team": t.team, "area": t.area,
                                  "veto": t.id in sanctioned or t.id in complained}
    return out


def ranking(sheet: dict[str, dict]) -> dict[str, dict]:
    """SPEC "Monthly ranking" for one month (consecutive months are the caller's)."""
    ranked = sorted((e for e in sheet if sheet[e]["orders"] > 0),
                    key=lambda e: (-sheet[e]["assessment_score"], -sheet[e]["orders"], e))
    n = len(ranked)
    out = {}
    for i, e in enumerate(ranked, start=1):
        out[e] = {"rank": i, "star": i <= 10 and not sheet[e]["veto"], "bottom": i > n - 10}
    return out


def per_mille(month_start, month_end) -> dict[str, float | None]:
    """万投比 per area: the month's complaints (by their order's area, else the technician's)
    per 10,000 accounts of the area."""
    accounts = defaultdict(int)
    for a in db.session.scalars(select(BroadbandAccount)):
        accounts[a.area] += 1
    complaints = defaultdict(int)
    for c in db.session.scalars(select(Complaint)):
        if month_start <= c.complained_at < month_end:
            area = (db.session.get(WorkOrder, c.order_id).area if c.order_id
                    else db.session.get(Technician, c.technician_id).area)
            complaints[area] += 1
    return {area: (Fraction(complaints[area] * 10000, accounts[area]) if accounts[area] else None)
            for area in set(accounts) | set(complaints)}
