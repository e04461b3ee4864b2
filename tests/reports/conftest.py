"""Report fixtures: a randomized month of orders, ratings, callbacks and sanctions, and an oracle
that recomputes every figure from those rows in plain Python (tests/reports/oracle.py)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from sqlalchemy import select

from app.fraud.models import FraudFlag, FraudOffence
from app.identity.models import TechnicianBinding, WeChatUser
from app.identity.tokens import issue_token
from app.masterdata.models import Complaint
from app.rating.models import Rating
from tests import factories
from tests.conftest import TEST_SECRET

UTC = timezone.utc
# October 2026 in Asia/Shanghai is [2026-09-30T16:00Z, 2026-10-31T16:00Z).
OCT_START = datetime(2026, 9, 30, 16, tzinfo=UTC)
OCT_END = datetime(2026, 10, 31, 16, tzinfo=UTC)
NOW = datetime(2026, 12, 5, tzinfo=UTC)
TEAMS = [("城区营业部", "城东装维班"), ("城区营业部", "城西装维班"), ("南郊区", "南郊一班")]
VENDORS = ["自营", "华通代维"]
PRODUCTS = ["broadband", "iptv", "iptv_bundled", "landline", "campus"]


def wechat_user() -> WeChatUser:
    row = WeChatUser(token_version=0)
    db.session.add(row)
    db.session.flush()
    return row


def rating(order, stars: int, *, user=None, voided: bool = False, created_at=None) -> Rating:
    row = Rating(order_id=order.id, technician_id=order.technician_id,
                 user_id=(user or wechat_user()).id, stars=stars, tags=[], comment="",
                 channel="miniprogram",
                 created_at=created_at or order.completed_at + timedelta(hours=1),
                 voided_at=(order.completed_at + timedelta(days=2)) if voided else None)
    db.session.add(row)
    db.session.flush()
    return row


def sanction(technician, month: str, *, order=None, revoked: bool = False) -> FraudOffence:
    """A confirmed fake rating counted in the technician's offence of `month` (revoked: the
    confirmation was reversed, so the offence no longer stands)."""
    order = order or factories.order(technician=technician,
                                     completed_at=OCT_START + timedelta(days=3))
    rated = rating(order, 5, voided=not revoked)
    row = db.session.scalar(select(FraudOffence).where(
        FraudOffence.technician_id == technician.id, FraudOffence.month == month))
    if row is None:
        row = FraudOffence(technician_id=technician.id, month=month, offence_no=1, fine=5000,
                           suspension=False, revoked_at=NOW if revoked else None)
        db.session.add(row)
        db.session.flush()
    flag = FraudFlag(rating_id=rated.id, order_id=order.id, technician_id=technician.id,
                     month=month, score=0.9, reasons=[],
                     status="dismissed" if revoked else "confirmed",
                     offence_id=None if revoked else row.id)
    db.session.add(flag)
    db.session.flush()
    return row


def complaint(technician, when, *, justified: bool = True, level: str = "local") -> Complaint:
    row = Complaint(natural_key=f"{technician.id}-{when.isoformat()}-{random.random()}",
                    technician_id=technician.id, complained_at=when, level=level,
                    justified=justified)
    db.session.add(row)
    db.session.flush()
    return row


def technician_headers(technician) -> dict:
    user = wechat_user()
    db.session.add(TechnicianBinding(user_id=user.id, technician_id=technician.id,
                                     phone=technician.phone))
    db.session.flush()
    return {"Authorization": f"Bearer {issue_token(TEST_SECRET, user.id, user.token_version)}"}


def random_world(seed: int, *, technicians: int = 8, orders: int = 160,
                 start=OCT_START - timedelta(days=2), end=OCT_END + timedelta(days=2)):
    """Technicians, orders around October's edges, ratings (some voided), callbacks and sanctions."""
    rng = random.Random(seed)
    techs = []
    for i in range(technicians):
        area, team = TEAMS[i % len(TEAMS)]
        techs.append(factories.technician(area=area, team=team, vendor=VENDORS[i % 2],
                                          status="active" if i else "left"))
    rater = wechat_user()
    span = (end - start).total_seconds()
    for _ in range(orders):
        tech = rng.choice(techs)
        completed = start + timedelta(seconds=int(rng.uniform(0, span)))
        if rng.random() < 0.08:   # right on a month edge
            completed = rng.choice([OCT_START, OCT_END, OCT_START - timedelta(seconds=1),
                                    OCT_END - timedelta(seconds=1)])
        status = rng.choices(["completed", "open", "cancelled"], [85, 8, 7])[0]
        order = factories.order(
            technician=tech, order_type=rng.choice(["install", "move", "repair"]),
            product=rng.choice(PRODUCTS), area=rng.choice(["城区营业部", "南郊区", "阳高县"]),
            status=status, completed_at=completed if status == "completed" or rng.random() < 0.3
            else None)
        if status == "completed" and rng.random() < 0.45:
            rating(order, rng.randint(1, 5), user=rater, voided=rng.random() < 0.15)
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            called = completed + timedelta(minutes=rng.randint(-30, 5000))
            try:
                with db.session.begin_nested():
                    factories.callback(order, channel=rng.choice(["ivr", "manual"]),
                                       result=rng.choice(["satisfied", "dissatisfied",
                                                          "no_answer"]), called_at=called)
            except Exception:
                pass   # the same channel at the same instant: not storable, skip
    sanctioned = techs[1:3]
    sanction(sanctioned[0], "2026-10")
    sanction(sanctioned[1], "2026-10", revoked=True)
    return techs


@pytest.fixture
def manager_headers(api_key):
    return {"Authorization": f"Bearer {api_key('manager')}"}


@pytest.fixture
def auditor_headers(api_key):
    return {"Authorization": f"Bearer {api_key('auditor')}"}
