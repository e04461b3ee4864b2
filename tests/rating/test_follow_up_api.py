"""追评 from the mini-program: the rater adds text once, inside the window; stars never change."""
from datetime import datetime, timedelta, timezone

import pytest

from tests import factories
from tests.factories import bind, headers_for, user


@pytest.fixture
def rated(client):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=3))
    rater = user()
    bind(rater, order.account)
    answer = client.post("/api/v1/ratings", headers=headers_for(rater), json={
        "order_no": order.order_no, "stars": 2, "tags": [], "comment": "师傅迟到了"})
    assert answer.status_code == 201
    return order, rater


def _follow_up(client, who, order_no, comment="后来又来修好了，补充说明"):
    return client.post(f"/api/v1/ratings/{order_no}/follow-up", headers=headers_for(who),
                       json={"comment": comment})


def test_the_rater_adds_one_follow_up_and_the_stars_stay(client, rated, admin_headers):
    order, rater = rated
    added = _follow_up(client, rater, order.order_no)
    assert added.status_code == 201 and added.json["comment"] == "后来又来修好了，补充说明"

    shown = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert shown["rating"]["stars"] == 2 and shown["rating"]["comment"] == "师傅迟到了"
    assert shown["rating"]["follow_up"]["comment"] == "后来又来修好了，补充说明"

    again = _follow_up(client, rater, order.order_no, "再补充一次")
    assert again.status_code == 409 and again.json["error"]["code"] == "follow_up_exists"


def test_only_the_rater_and_only_of_a_bound_account(client, rated):
    order, _ = rated
    family = user()
    bind(family, order.account)                   # bound to the account, not the rater
    stranger = user()
    assert _follow_up(client, family, order.order_no).json["error"]["code"] == "not_rater"
    hidden = _follow_up(client, stranger, order.order_no)
    missing = _follow_up(client, stranger, "NO-SUCH-ORDER")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json == missing.json             # existence does not leak


def test_an_unrated_order_and_bad_bodies(client):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=3))
    customer = user()
    bind(customer, order.account)
    unrated = _follow_up(client, customer, order.order_no)
    assert unrated.status_code == 409 and unrated.json["error"]["code"] == "not_rated"
    for body in ({}, {"comment": ""}, {"comment": "字" * 501}, {"comment": 5}):
        answer = client.post(f"/api/v1/ratings/{order.order_no}/follow-up",
                             headers=headers_for(customer), json=body)
        assert answer.status_code == 422, body
    assert client.post(f"/api/v1/ratings/{order.order_no}/follow-up",
                       json={"comment": "x"}).status_code == 401


def test_after_the_window_no_follow_up(client, app):
    window = app.config["RATING_WINDOW_DAYS"]
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(days=window, hours=1))
    rater = user()
    bind(rater, order.account)
    from app.extensions import db
    from app.rating.models import Rating
    db.session.add(Rating(order_id=order.id, user_id=rater.id, technician_id=order.technician_id,
                          stars=5, tags=[], comment="", channel="miniprogram",
                          created_at=datetime.now(timezone.utc) - timedelta(days=window)))
    db.session.flush()
    late = _follow_up(client, rater, order.order_no)
    assert late.status_code == 409 and late.json["error"]["code"] == "rating_window_closed"
