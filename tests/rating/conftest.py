from datetime import datetime, timedelta, timezone

import pytest

from tests import factories
from tests.factories import bind, headers_for, user


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
