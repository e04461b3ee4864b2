"""POST /api/v1/ratings: every rule and error code of SPEC flow 3."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.rating.models import Rating, RecoveryTask
from app.identity.tokens import issue_token
from tests import factories
from tests.conftest import TEST_SECRET
from tests.factories import bind, bind_technician, headers_for, user


def ratings() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


def test_a_bound_customer_rates_a_completed_order(scene, rate):
    order, customer, headers = scene
    response = rate(order.order_no, {**headers, "User-Agent": "Mozilla/5.0 MicroMessenger/8.0"},
                    stars=5, tags=["on_time", "friendly"], comment="师傅很专业👍 谢谢")
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) == {"id", "order_no", "stars", "tags", "comment", "created_at"}
    assert (body["order_no"], body["stars"], body["tags"]) == (order.order_no, 5,
                                                               ["on_time", "friendly"])
    assert body["comment"] == "师傅很专业👍 谢谢"
    stored = db.session.get(Rating, body["id"])
    assert (stored.channel, stored.user_id, stored.technician_id) == (
        "miniprogram", customer.id, order.technician_id)
    assert stored.client_ip == "127.0.0.1"
    assert "MicroMessenger" in stored.user_agent


def test_unknown_order_is_404(scene, rate):
    _, _, headers = scene
    assert rate("GD-NOPE", headers).json["error"]["code"] == "order_not_found"


def test_not_yours_and_no_such_order_are_one_answer(scene, rate):
    # Issue 17: 404 order_not_found vs 403 not_order_customer told strangers which order
    # numbers exist.
    order, _, _ = scene
    stranger = user()
    bind(stranger, factories.account())
    not_yours = rate(order.order_no, headers_for(stranger))
    missing = rate("GD-NO-SUCH-ORDER", headers_for(stranger))
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.json == missing.json
    assert not_yours.json["error"]["code"] == "order_not_found"


def test_technician_never_rates_own_order_even_when_bound_to_the_account(scene, rate):
    order, _, _ = scene
    tech_user = user()
    bind(tech_user, order.account)
    bind_technician(tech_user, order.technician)
    response = rate(order.order_no, headers_for(tech_user))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "rater_is_technician"
    assert ratings() == 0


def test_open_order_is_409(rate):
    order = factories.order(status="open", completed_at=None,
                            created_at=datetime.now(timezone.utc))
    customer = user()
    bind(customer, order.account)
    response = rate(order.order_no, headers_for(customer))
    assert (response.status_code, response.json["error"]["code"]) == (409, "order_not_completed")


def test_outside_the_window_is_409(rate):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(days=7, minutes=1))
    customer = user()
    bind(customer, order.account)
    response = rate(order.order_no, headers_for(customer))
    assert (response.status_code, response.json["error"]["code"]) == (409, "rating_window_closed")


def test_window_is_configurable(app, rate):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(days=8))
    customer = user()
    bind(customer, order.account)
    app.config["RATING_WINDOW_DAYS"] = 10
    try:
        assert rate(order.order_no, headers_for(customer)).status_code == 201
    finally:
        app.config["RATING_WINDOW_DAYS"] = 7


def test_once_per_order(scene, rate):
    order, customer, headers = scene
    assert rate(order.order_no, headers).status_code == 201
    again = rate(order.order_no, headers, stars=1)
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_rated")
    family = user()
    bind(family, order.account)
    other = rate(order.order_no, headers_for(family))
    assert other.json["error"]["code"] == "already_rated"
    assert ratings() == 1


@pytest.mark.parametrize("body, field", [
    ({"stars": 0}, "stars"), ({"stars": 6}, "stars"), ({"stars": "5"}, "stars"),
    ({"stars": None}, "stars"), ({"comment": "好" * 501}, "comment"),
    ({"tags": "on_time"}, "tags"), ({"order_no": ""}, "order_no"),
])
def test_shape_errors_are_422_with_the_field(scene, client, body, field):
    order, _, headers = scene
    payload = {"order_no": order.order_no, "stars": 5, **body}
    response = client.post("/api/v1/ratings", json=payload, headers=headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["details"]["fields"]


def test_comment_of_500_characters_with_emoji_is_fine(scene, rate):
    order, _, headers = scene
    comment = "👍" * 500
    response = rate(order.order_no, headers, comment=comment)
    assert response.status_code == 201 and response.json["comment"] == comment


@pytest.mark.parametrize("stars, tags", [(5, ["rude"]), (2, ["on_time"]), (4, ["made_up"])])
def test_tags_must_fit_the_stars(scene, rate, stars, tags):
    order, _, headers = scene
    response = rate(order.order_no, headers, stars=stars, tags=tags)
    assert response.status_code == 422
    assert "tags" in response.json["error"]["details"]["fields"]
    assert ratings() == 0


def test_no_token_is_401(client, scene):
    order, _, _ = scene
    response = client.post("/api/v1/ratings", json={"order_no": order.order_no, "stars": 5})
    assert response.status_code == 401


def test_revoked_token_is_401(scene, rate):
    order, customer, headers = scene
    customer.token_version += 1
    db.session.flush()
    assert rate(order.order_no, headers).status_code == 401


def test_a_bad_token_is_401_before_any_rule_answers(app, scene, rate):
    """The submission checks the token in its own query: whatever the order, a revoked, forged,
    expired or unknown user's token is refused and records nothing (no order_not_found leak)."""
    order, customer, headers = scene
    stranger = user()
    unknown = {"Authorization": f"Bearer {issue_token(TEST_SECRET, 999999, 0)}"}
    forged = {"Authorization": headers["Authorization"][:-2] + "xx"}
    customer.token_version += 1
    db.session.flush()
    for bad in (headers, unknown, forged):
        for order_no in (order.order_no, "GD-NOPE"):
            response = rate(order_no, bad)
            assert (response.status_code, response.json["error"]["code"]) == (401, "invalid_token")
    app.config["USER_TOKEN_TTL"], ttl = -1, app.config["USER_TOKEN_TTL"]
    try:
        assert rate(order.order_no, headers_for(stranger)).status_code == 401
    finally:
        app.config["USER_TOKEN_TTL"] = ttl
    assert ratings() == 0


def test_a_revoked_token_gets_no_replay(scene, rate):
    order, customer, headers = scene
    assert rate(order.order_no, headers, key="k-9").status_code == 201
    customer.token_version += 1
    db.session.flush()
    response = rate(order.order_no, headers, key="k-9")
    assert (response.status_code, response.json["error"]["code"]) == (401, "invalid_token")


def test_idempotency_key_replays_the_first_answer(scene, rate):
    order, _, headers = scene
    first = rate(order.order_no, headers, stars=4, tags=["on_time"], key="k-1")
    second = rate(order.order_no, headers, stars=4, tags=["on_time"], key="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert ratings() == 1
    different = rate(order.order_no, headers, stars=1, key="k-1")
    assert (different.status_code, different.json["error"]["code"]) == (
        422, "idempotency_key_reused")


def test_low_rating_opens_a_recovery_task_for_the_team(scene, rate):
    order, _, headers = scene
    response = rate(order.order_no, headers, stars=2, tags=["rude", "unresolved"])
    assert response.status_code == 201
    task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.order_id == order.id))
    assert (task.team, task.source, task.stars, task.status) == (
        order.technician.team, "rating", 2, "open")
    assert timedelta(hours=47) < task.due_at - datetime.now(timezone.utc) <= timedelta(hours=48)


def test_the_recovery_task_is_due_after_the_configured_hours(scene, rate, app, monkeypatch):
    monkeypatch.setitem(app.config, "RECOVERY_DUE_HOURS", 6)
    order, _, headers = scene
    assert rate(order.order_no, headers, stars=1, tags=["rude"]).status_code == 201
    task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.order_id == order.id))
    assert timedelta(hours=5) < task.due_at - datetime.now(timezone.utc) <= timedelta(hours=6)


def test_three_stars_opens_no_task(scene, rate):
    order, _, headers = scene
    rate(order.order_no, headers, stars=3)
    assert db.session.scalar(select(func.count()).select_from(RecoveryTask)) == 0


def test_tag_catalogue(client):
    items = client.get("/api/v1/rating-tags").json["items"]
    by_label = {i["label"]: i for i in items}
    assert by_label["准时上门"]["stars"] == [4, 5] and by_label["准时上门"]["polarity"] == "positive"
    assert by_label["诱导好评"]["stars"] == [1, 2, 3]
    assert len(items) == 12
