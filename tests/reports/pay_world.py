"""A randomized month for the pay sheet: conftest's orders, ratings, callbacks and sanctions, plus
the previous quarter (grades → bonus), repairs with deadlines at the 24 h edges and upstream
faults, urges, false closures, fines, commissions, assessment items and justified complaints."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from app.extensions import db
from app.masterdata.models import AssessmentItem, Commission, Penalty, Urge
from tests import factories
from tests.reports.conftest import OCT_END, OCT_START, complaint, random_world, rating, sanction

UTC = timezone.utc
Q3_START = datetime(2026, 6, 30, 16, tzinfo=UTC)
LATENESS = [timedelta(hours=23, minutes=59), timedelta(hours=24), timedelta(hours=47, minutes=59),
            timedelta(hours=48), timedelta(hours=-3), timedelta(hours=80)]
ITEMS = ["装移机预约录音及时率", "宽带装移机履约准时率", "阶段性工作", "基础管理"]


def pay_world(seed: int, *, technicians: int = 10, orders: int = 200):
    rng = random.Random(seed)
    techs = random_world(seed, technicians=technicians, orders=orders)
    month_orders = []
    for tech in techs:
        # the previous quarter: star-rated work that earns a grade (and October's bonus)
        for _ in range(rng.randint(0, 6)):
            done = Q3_START + timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
            order = factories.order(technician=tech, completed_at=done,
                                    product=rng.choice(["broadband", "iptv", "campus"]))
            if rng.random() < 0.6:
                rating(order, rng.randint(1, 5))
        # October repairs around the 24 h edges, some with due_at or an upstream fault
        for _ in range(rng.randint(2, 8)):
            created = OCT_START + timedelta(days=rng.randint(0, 27), minutes=rng.randint(0, 1400))
            due = created + timedelta(hours=rng.choice([2, 4, 12])) if rng.random() < 0.4 else None
            deadline = due or created + timedelta(hours=24)
            completed = max(created + timedelta(minutes=5), deadline + rng.choice(LATENESS))
            order = factories.order(
                technician=tech, order_type="repair", created_at=created, completed_at=completed,
                due_at=due, fault_cause=rng.choice([None, None, None, "olt", "cable"]),
                product=rng.choice(["broadband", "iptv", "iptv_bundled", "landline", "campus"]),
                area=rng.choice(["城区营业部", "南郊区", "阳高县"]))
            if rng.random() < 0.5:
                rating(order, rng.randint(1, 5))
            month_orders.append(order)
    from sqlalchemy import select
    from app.masterdata.models import WorkOrder
    everything = list(db.session.scalars(select(WorkOrder).where(WorkOrder.status == "completed")))
    for order in everything:
        if rng.random() < 0.3:
            for k in range(rng.randint(1, 3)):
                db.session.add(Urge(order_id=order.id, cause=rng.choice(["procedure", "overdue",
                                                                          "excused"]),
                                    appointment_recorded=rng.random() < 0.5,
                                    urged_at=order.created_at + timedelta(hours=k + 1)))
        if rng.random() < 0.06:
            db.session.add(Penalty(natural_key=f"false_closure|{order.order_no}",
                                   kind="false_closure", technician_id=order.technician_id,
                                   order_id=order.id, note="未修复直接回单",
                                   amount_fen=rng.choice([None, 15000, 5000])))
    for i, tech in enumerate(techs):
        for edge in (OCT_START, OCT_END - timedelta(seconds=1), OCT_END, OCT_START - timedelta(1)):
            if rng.random() < 0.4:
                kind = rng.choice(["complaint", "other"])
                db.session.add(Penalty(natural_key=f"{kind}|{tech.id}|{edge.isoformat()}",
                                       kind=kind, technician_id=tech.id, occurred_at=edge,
                                       amount_fen=rng.randint(1, 400) * 50, note="通报"))
        for month in ("2026-10", "2026-09"):
            for note in ("宽带续约", "融合升档"):
                if rng.random() < 0.5:
                    db.session.add(Commission(technician_id=tech.id, month=month, note=note,
                                              amount_fen=rng.randint(-2000, 30000)))
            for item in rng.sample(ITEMS, rng.randint(0, 3)):
                db.session.add(AssessmentItem(technician_id=tech.id, month=month, item=item,
                                              points_centi=rng.choice([-300, -150, 50, 100, 250])))
        if i == 3:      # clamped at the top
            db.session.add(AssessmentItem(technician_id=tech.id, month="2026-10", item="加分",
                                          points_centi=20000))
        if i == 4:      # clamped at the bottom
            db.session.add(AssessmentItem(technician_id=tech.id, month="2026-10", item="扣分",
                                          points_centi=-15000))
        if rng.random() < 0.3:
            complaint(tech, OCT_START + timedelta(days=rng.randint(0, 30)),
                      justified=rng.random() < 0.6)
    db.session.flush()
    # a second confirmed fraud in the same month: still one offence with one fine
    first = sanction(techs[1], "2026-10")
    assert sanction(techs[1], "2026-10").id == first.id
    db.session.flush()
    return techs
