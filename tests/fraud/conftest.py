from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.fraud.rules import month_of
from app.rating.models import Rating
from tests import factories
from tests.factories import bind, user

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) MicroMessenger/8.0.50"


def rating(order, rater, *, rated_at=None, stars=5, comment="", client_ip=None, user_agent=UA,
           **kw) -> Rating:
    """A rating row written directly (the API only rates inside today's window)."""
    row = Rating(order_id=order.id, technician_id=order.technician_id, user_id=rater.id,
                 openid=f"o{rater.id}", stars=stars, tags=[], comment=comment, channel="miniprogram",
                 client_ip=client_ip, user_agent=user_agent,
                 created_at=rated_at or order.completed_at + timedelta(hours=3), **kw)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def auditor(api_key):
    return {"Authorization": f"Bearer {api_key('auditor')}"}


@pytest.fixture
def manager(api_key):
    return {"Authorization": f"Bearer {api_key('manager')}"}


@pytest.fixture
def ring():
    """A technician whose orders one WeChat user rated for four unrelated accounts, from one phone,
    with one pasted comment, in one sitting two days after the work — and an honest order."""
    tech = factories.technician()
    completed = datetime(2026, 10, 12, 2, 0, tzinfo=timezone.utc)
    fraudster = user()
    comment = "师傅上门准时，安装专业细致，还耐心讲解了路由器的使用方法，非常感谢！"
    orders, ratings = [], []
    for i in range(4):
        order = factories.order(technician=tech, completed_at=completed + timedelta(hours=i))
        bind(fraudster, order.account)
        orders.append(order)
        ratings.append(rating(order, fraudster, comment=comment, client_ip="10.20.30.40",
                              rated_at=completed + timedelta(days=2, minutes=3 * i)))
    honest_order = factories.order(technician=tech, completed_at=completed + timedelta(hours=6))
    customer = user()
    bind(customer, honest_order.account)
    honest = rating(honest_order, customer, comment="很好", client_ip="10.99.1.1",
                    rated_at=honest_order.completed_at + timedelta(minutes=40))
    return {"technician": tech, "orders": orders, "ratings": ratings, "honest": honest,
            "honest_order": honest_order, "month": month_of(completed, "Asia/Shanghai")}
