"""Independent recomputation of the reports from raw rows, in plain Python.

Written from SPEC's text, not from app/reports: its own price table, its own month test, its own
grade cut-offs. Only the one-order rule `app.rating.rules.effective_star` is shared — the SQL
version is what the reports use, and agreeing with that rule is the point.
"""
from __future__ import annotations

import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import select

from app.extensions import db
from app.fraud.models import FraudFlag, FraudOffence
from app.masterdata.models import CallbackResult, Complaint, Penalty, Technician, WorkOrder
from app.rating import rules
from app.rating.models import Rating

PRICES = {  # yuan, 1★..5★ (SPEC "Rules")
    "broadband": [10, 20, 30, 35, 40], "iptv": [5, 5, 10, 15, 20],
    "iptv_bundled": [3, 3, 5, 10, 15], "landline": [3, 3, 5, 8, 10],
}
CAMPUS = 40
CUTOFFS = [Fraction(10, 100), Fraction(20, 100), Fraction(50, 100), Fraction(80, 100),
           Fraction(90, 100), Fraction(1)]
BONUS = {5: 500, 4: 300, 3: 200}


def order_facts(start, end):
    """[(order, effective star, source, valid rating)] for orders completed in [start, end)."""
    orders = [o for o in db.session.scalars(select(WorkOrder))
              if o.status == "completed" and start <= o.completed_at < end]
    ratings = {r.order_id: r for r in db.session.scalars(select(Rating))}
    callbacks = defaultdict(list)
    for c in db.session.scalars(select(CallbackResult)):
        callbacks[c.order_id].append(rules.Callback(c.channel, c.result, c.called_at))
    out = []
    for o in orders:
        r = ratings.get(o.id)
        valid = r if r is not None and r.voided_at is None else None
        eff = rules.effective_star(valid.stars if valid else None, callbacks[o.id])
        out.append((o, eff.stars, eff.source, valid))
    return out


def frauds(months):
    """Confirmed fake ratings per technician in live offences of `months`."""
    counts = defaultdict(int)
    for offence in db.session.scalars(select(FraudOffence)):
        if offence.month in months and offence.revoked_at is None:
            counts[offence.technician_id] += sum(
                1 for f in db.session.scalars(select(FraudFlag).where(
                    FraudFlag.offence_id == offence.id)) if f.status == "confirmed")
    return counts


def pay_fen(order, stars, eligible, coefficients=None) -> int:
    if order.order_type not in ("install", "move"):
        return 0
    if order.product == "campus":
        unit = CAMPUS * 100
    else:
        unit = PRICES[order.product][(stars if eligible else 1) - 1] * 100
    coefficient = Decimal((coefficients or {}).get(order.area, "1"))
    return int((unit * coefficient).quantize(Decimal(1), ROUND_HALF_UP))


def rate(n, d, places="0.0001"):
    if d == 0:
        return None
    return float((Decimal(n) / Decimal(d)).quantize(Decimal(places), ROUND_HALF_UP))


def false_closure_orders() -> set[int]:
    """Orders recorded as a false closure (虚假回单): they pay no install pay (SPEC)."""
    return {p.order_id for p in db.session.scalars(select(Penalty))
            if p.kind == "false_closure"}


def monthly(month: str, start, end, coefficients=None) -> dict[str, dict]:
    """employee_no → the figures SPEC asks for."""
    fraud = frauds([month])
    closed = false_closure_orders()
    per = defaultdict(list)
    for fact in order_facts(start, end):
        per[fact[0].technician_id].append(fact)
    out = {}
    for t in db.session.scalars(select(Technician)):
        facts = per.get(t.id, [])
        if not facts and not fraud.get(t.id) and t.status != "active":
            continue
        eligible = not fraud.get(t.id)
        n = len(facts)
        wechat = [f for f in facts if f[3] is not None]
        # campus orders are not star-rated: they stay in the counts and rates, not in the stars
        rated = [f for f in facts if f[0].product != "campus"]
        stars = {str(s): sum(1 for f in rated if f[1] == s) for s in range(1, 6)}
        satisfied = sum(1 for f in wechat if f[3].stars >= 4)
        pay = sum(pay_fen(f[0], f[1], eligible, coefficients) for f in facts
                  if f[0].id not in closed)
        out[t.employee_no] = {
            "orders_completed": n, "wechat_ratings": len(wechat),
            "participation_rate": rate(len(wechat), n), "stars": stars,
            "avg_stars": rate(sum(f[1] for f in rated), len(rated), "0.01"),
            "satisfaction_rate": rate(satisfied, len(wechat)),
            "install_pay_fen": pay, "star_eligible": eligible,
            "frauds_confirmed": fraud.get(t.id, 0), "team": t.team, "area": t.area,
            "vendor": t.vendor,
        }
    return out


def quarterly(months, start, end) -> dict[str, dict]:
    fraud = frauds(months)
    complained = {c.technician_id for c in db.session.scalars(select(Complaint))
                  if c.justified and start <= c.complained_at < end}
    sums = defaultdict(lambda: [0, 0])
    for o, stars, _, _ in order_facts(start, end):
        if o.product != "campus":
            sums[o.technician_id][0] += stars
            sums[o.technician_id][1] += 1
    ranked = []
    out = {}
    for t in db.session.scalars(select(Technician)):
        total, n = sums.get(t.id, (0, 0))
        excluded = ("confirmed_fraud" if fraud.get(t.id) else "justified_complaint"
                    if t.id in complained else "no_star_rated_orders" if n == 0 else None)
        if excluded == "no_star_rated_orders" and t.status != "active":
            continue
        out[t.employee_no] = {"orders": n, "stars_total": total, "excluded": excluded,
                              "grade": None, "rank": None}
        if excluded is None:
            ranked.append((Fraction(total, n * 5), n, t.employee_no))
    # score high first, then more orders, then employee_no
    ranked.sort(key=lambda x: (-x[0], -x[1], x[2]))
    bounds = [math.floor(c * len(ranked) + Fraction(1, 2)) for c in CUTOFFS]
    for i, (_, _, employee_no) in enumerate(ranked, start=1):
        grade = None
        for g, b in zip((5, 4, 3, 2, 1), bounds):
            if i <= b:
                grade = g
                break
        out[employee_no]["rank"], out[employee_no]["grade"] = i, grade
    for line in out.values():
        line["monthly_bonus_fen"] = BONUS.get(line["grade"], 0) * 100
    return out
