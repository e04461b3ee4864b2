"""Deterministic demo pay inputs — urges, penalties, commissions, assessment items — shaped like
the operator's imports, so the demo's pay sheet (装维酬金核算表) has every component to show."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.demo.generator import _iso, _pick

ITEMS = [("装移机预约录音及时率", [-3, -2, -1, 0, 0, 1]), ("宽带装移机履约准时率", [-2, -1, 0, 0, 1, 2]),
         ("阶段性工作", [0, 0, 1, 2, 3]), ("基础管理", [-2, -1, 0, 0, 0, 1])]
COMMISSION_NOTES = ["宽带续约", "融合套餐升档", "IPTV 顺销"]


def _completed(order_rows: list[dict]) -> list[dict]:
    return [o for o in order_rows if o["status"] == "completed"]


def urges(rng: random.Random, order_rows: list[dict], share: float = 0.08) -> list[dict]:
    """A few repairs urged once or twice by the customer before they were fixed."""
    rows = []
    for order in _completed(order_rows):
        if order["order_type"] != "repair" or rng.random() > share:
            continue
        created = datetime.fromisoformat(order["created_at"])
        completed = datetime.fromisoformat(order["completed_at"])
        for k in range(rng.choice([1, 1, 2])):
            when = created + (completed - created) * rng.uniform(0.2, 0.95) + timedelta(seconds=k)
            rows.append({"order_no": order["order_no"], "urged_at": _iso(when),
                         "cause": _pick(rng, [("overdue", 60), ("procedure", 25), ("excused", 15)]),
                         "appointment_recorded": "是" if rng.random() < 0.6 else "否"})
    return rows


def penalties(rng: random.Random, order_rows: list[dict], complaint_rows: list[dict]) -> list[dict]:
    """False closures found on a few orders, and the fines of the justified complaints."""
    rows = []
    for order in rng.sample(_completed(order_rows), max(1, len(order_rows) // 400)):
        rows.append({"employee_no": "", "order_no": order["order_no"], "kind": "虚假回单",
                     "amount": "", "occurred_at": "", "note": "回访核实：未修复直接回单"})
    for complaint in complaint_rows:
        if complaint["justified"] == "true":
            rows.append({"employee_no": complaint["employee_no"], "order_no": complaint["order_no"],
                         "kind": "投诉", "amount": str(rng.choice([50, 100, 200])),
                         "occurred_at": complaint["complained_at"],
                         "note": "越级投诉" if complaint["level"] == "escalated" else "本地投诉"})
    return rows


def commissions(rng: random.Random, techs: list[dict], months: list[str]) -> list[dict]:
    rows = []
    for month in months:
        for tech in techs:
            if tech["status"] != "active" or rng.random() > 0.6:
                continue
            for note in rng.sample(COMMISSION_NOTES, rng.randint(1, 2)):
                rows.append({"employee_no": tech["employee_no"], "month": month,
                             "amount": f"{rng.randint(20, 600)}.{rng.choice(['00', '50'])}",
                             "note": note})
    return rows


def assessments(rng: random.Random, techs: list[dict], months: list[str]) -> list[dict]:
    rows = []
    for month in months:
        for tech in techs:
            if tech["status"] != "active":
                continue
            for item, choices in ITEMS:
                points = rng.choice(choices)
                if points:
                    rows.append({"employee_no": tech["employee_no"], "month": month,
                                 "item": item, "points": str(points), "note": ""})
    return rows
