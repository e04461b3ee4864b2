"""Deterministic demo records (same seed, same data), shaped exactly like upstream imports.

The records go through the real import engine, so demo data obeys every rule real data does.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from app.timeutil import DEFAULT_OFFSET

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇浩凯鹏飞翔波辉亮"
AREAS = {
    "城区营业部": ["城东装维班", "城西装维班", "城北装维班"],
    "南郊区": ["南郊一班", "南郊二班"],
    "新荣区": ["新荣装维班"],
    "阳高县": ["阳高装维班"],
}
VENDORS = ["自营", "华通代维", "信达代维"]
STREETS = ["迎宾街", "魏都大道", "御河东路", "永泰南路", "文兴路", "开源街", "同泰路", "平城街"]
PRODUCT_MIX = [("broadband", 60), ("iptv_bundled", 15), ("iptv", 8), ("landline", 10),
               ("campus", 7)]
TYPE_MIX = [("install", 45), ("move", 10), ("repair", 45)]


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "151", "158", "187", "188", "135"]) + \
        f"{rng.randrange(10**8):08d}"


def technicians(rng: random.Random, count: int) -> list[dict]:
    teams = [(area, team) for area, names in AREAS.items() for team in names]
    rows = []
    for i in range(count):
        area, team = teams[i % len(teams)]
        rows.append({"employee_no": f"ZW{1001 + i}", "name": _name(rng), "phone": _phone(rng),
                     "team": team, "area": area, "vendor": rng.choice(VENDORS),
                     "status": "active" if i < count - 2 else ("suspended", "left")[i % 2]})
    return rows


def accounts(rng: random.Random, count: int) -> list[dict]:
    areas = list(AREAS)
    return [{"account_no": f"0352{2000000 + i:07d}", "holder_name": _name(rng),
             "phone": _phone(rng), "area": areas[i % len(areas)],
             "address": f"{areas[i % len(areas)]}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
                        f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2802)}室"}
            for i in range(count)]


def orders(rng: random.Random, techs: list[dict], accts: list[dict], month_start: datetime,
           month_end: datetime, count: int) -> list[dict]:
    """Orders created in the month; most completed within a day, a few open or cancelled."""
    active = [t for t in techs if t["status"] == "active"]
    by_area = {}
    for tech in active:
        by_area.setdefault(tech["area"], []).append(tech)
    span = (month_end - month_start).total_seconds()
    rows = []
    for i in range(count):
        account = accts[rng.randrange(len(accts))]
        tech = rng.choice(by_area.get(account["area"]) or active)
        created = month_start + timedelta(seconds=rng.uniform(0, span * 0.97))
        created = created.replace(microsecond=0)
        completed = created + timedelta(hours=rng.uniform(1, 30))
        status = _pick(rng, [("completed", 92), ("open", 5), ("cancelled", 3)])
        if status == "completed" and completed >= month_end:
            completed = month_end - timedelta(minutes=rng.randint(5, 600))
        rows.append({
            "order_no": f"GD{month_start.astimezone(DEFAULT_OFFSET):%Y%m}{i + 1:06d}",
            "account_no": account["account_no"], "employee_no": tech["employee_no"],
            "order_type": _pick(rng, TYPE_MIX), "product": _pick(rng, PRODUCT_MIX),
            "area": account["area"], "created_at": _iso(created),
            "completed_at": _iso(completed) if status == "completed" else "",
            "status": status})
    return rows


def callbacks(rng: random.Random, order_rows: list[dict], share: float = 0.35) -> list[dict]:
    rows = []
    for order in order_rows:
        if order["status"] != "completed" or rng.random() > share:
            continue
        completed = datetime.fromisoformat(order["completed_at"])
        channel = _pick(rng, [("ivr", 80), ("manual", 20)])
        result = _pick(rng, [("satisfied", 80), ("no_answer", 14), ("dissatisfied", 6)])
        rows.append({"order_no": order["order_no"], "channel": channel, "result": result,
                     "called_at": _iso(completed + timedelta(hours=rng.uniform(2, 48)))})
    return rows


def complaints(rng: random.Random, order_rows: list[dict], count: int) -> list[dict]:
    completed = [o for o in order_rows if o["status"] == "completed"]
    rows = []
    for order in rng.sample(completed, min(count, len(completed))):
        when = datetime.fromisoformat(order["completed_at"]) + timedelta(hours=rng.uniform(1, 72))
        rows.append({"order_no": order["order_no"], "employee_no": order["employee_no"],
                     "complained_at": _iso(when),
                     "level": _pick(rng, [("local", 80), ("escalated", 20)]),
                     "justified": "true" if rng.random() < 0.5 else "false"})
    return rows


def _iso(value: datetime) -> str:
    return value.astimezone(DEFAULT_OFFSET).isoformat()


def utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)
