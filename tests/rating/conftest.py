from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.identity.models import AccountBinding, TechnicianBinding, WeChatUser
from app.identity.tokens import issue_token
from tests import factories
from tests.conftest import TEST_SECRET


def user() -> WeChatUser:
    row = WeChatUser(token_version=0)
    db.session.add(row)
    db.session.flush()
    return row


def headers_for(row: WeChatUser) -> dict:
    return {"Authorization": f"Bearer {issue_token(TEST_SECRET, row.id, row.token_version)}"}


def bind(row: WeChatUser, account) -> None:
    db.session.add(AccountBinding(user_id=row.id, account_id=account.id, method="phone_code"))
    db.session.flush()


def bind_technician(row: WeChatUser, technician) -> None:
    db.session.add(TechnicianBinding(user_id=row.id, technician_id=technician.id,
                                     phone=technician.phone))
    db.session.flush()


@pytest.fixture
def scene():
    """A completed order two hours ago, and a customer bound to its account."""
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=2))
    customer = user()
    bind(customer, order.account)
    return order, customer, headers_for(customer)


@pytest.fixture
def rate(client):
    def post(order_no, headers, stars=5, tags=None, comment="", key=None, **extra):
        body = {"order_no": order_no, "stars": stars, "tags": tags or [], "comment": comment,
                **extra}
        h = dict(headers)
        if key:
            h["Idempotency-Key"] = key
        return client.post("/api/v1/ratings", json=body, headers=h)
    return post
