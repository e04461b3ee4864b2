"""Console fixtures: staff users, a signed-in browser-like client, and a flagged fraud ring."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone

import pytest

from app.console import service as console
from app.extensions import db
from app.fraud import service as fraud_service
from tests import factories
from app.identity.models import AccountBinding, WeChatUser
from app.rating.models import Rating

PASSWORD = "correct-horse-battery"


def user() -> WeChatUser:
    row = WeChatUser(token_version=0)
    db.session.add(row)
    db.session.flush()
    return row


def bind(row: WeChatUser, account) -> None:
    db.session.add(AccountBinding(user_id=row.id, account_id=account.id, method="sms"))
    db.session.flush()


def rating(order, rater, *, rated_at, stars=5, comment="", client_ip=None) -> Rating:
    row = Rating(order_id=order.id, technician_id=order.technician_id, user_id=rater.id,
                 openid=f"o{rater.id}", stars=stars, tags=["on_time"], comment=comment,
                 channel="h5", client_ip=client_ip, user_agent="Mozilla/5.0 MicroMessenger",
                 created_at=rated_at)
    db.session.add(row)
    db.session.flush()
    return row
_names = itertools.count(1)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_limiter(app):
    app.extensions.pop("rate_limiter", None)
    yield
    app.extensions.pop("rate_limiter", None)


@pytest.fixture
def staff():
    """`staff("auditor")` → a new active StaffUser of that role (password PASSWORD)."""
    def make(role: str = "auditor", username: str | None = None):
        row = console.create_user(username=username or f"{role}-{next(_names)}", role=role,
                                  password=PASSWORD, display_name=f"测试{role}")
        db.session.flush()
        return row
    return make


def csrf_of(client, path: str = "/console/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


class Console:
    """A test client signed in to the console, posting forms with the page's CSRF token."""

    def __init__(self, client, user):
        self.client, self.user = client, user

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, data=None, **kw):
        token = csrf_of(self.client, "/console/cases" if self.user.role != "manager"
                        else "/console/imports")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kw)


@pytest.fixture
def sign_in(app, staff):
    """`sign_in("manager")` → a Console client signed in as a new user of that role."""
    def make(role: str = "auditor") -> Console:
        row = staff(role)
        client = app.test_client()
        response = client.post("/console/login", data={
            "username": row.username, "password": PASSWORD, "csrf_token": csrf_of(client)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return Console(client, row)
    return make


@pytest.fixture
def flagged_ring(app):
    """Four accounts of one technician rated by one WeChat user in a burst with one pasted comment,
    plus an honest rating; scanned, so the ring is in the queue."""
    tech = factories.technician(name="王建国")
    completed = datetime(2026, 10, 12, 2, 0, tzinfo=timezone.utc)
    fraudster = user()
    comment = "师傅上门准时，安装专业细致，还耐心讲解了路由器的使用方法，非常感谢！"
    ratings = []
    for i in range(4):
        order = factories.order(technician=tech, completed_at=completed + timedelta(hours=i))
        bind(fraudster, order.account)
        ratings.append(rating(order, fraudster, comment=comment, client_ip="10.20.30.40",
                              rated_at=completed + timedelta(days=2, minutes=3 * i)))
    honest_order = factories.order(technician=tech, completed_at=completed + timedelta(hours=6))
    customer = user()
    bind(customer, honest_order.account)
    rating(honest_order, customer, comment="很好", rated_at=completed + timedelta(hours=7))
    fraud_service.scan_month(month="2026-10", **fraud_service.settings(app.config))
    db.session.flush()
    flags = fraud_service.list_flags(status="open").items
    (case,) = fraud_service.list_cases(status="open").items
    return {"technician": tech, "ratings": ratings, "flags": flags, "month": "2026-10",
            "case": case}
