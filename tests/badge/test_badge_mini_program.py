"""The mini-program's badge calls: a technician's own badge; a customer's scan landing."""
from datetime import datetime, timedelta, timezone

from app.badge import service as badges
from app.extensions import db
from tests import factories
from tests.factories import bind, bind_technician, headers_for, user


def test_technician_gets_own_badge_with_image_urls(client):
    technician = factories.technician(name="王建国")
    person = user()
    bind_technician(person, technician)
    answer = client.get("/api/v1/technician/badge", headers=headers_for(person))
    assert answer.status_code == 200, answer.json
    body = answer.json
    token = body["badge_token"]
    assert len(token) <= 32
    assert body["url"] == f"http://rating.test/b/{token}"
    for key in ("qr_png_url", "qr_svg_url", "wxacode_url", "card_png_url"):
        assert body[key].startswith(f"http://rating.test/b/{token}")
    assert client.get(f"/b/{token}.png").status_code == 200


def test_customer_is_not_a_technician(client):
    person = user()
    answer = client.get("/api/v1/technician/badge", headers=headers_for(person))
    assert answer.status_code == 403


def test_scan_landing_lists_what_the_customer_can_rate(client, app):
    now = datetime.now(timezone.utc)
    window = timedelta(days=app.config["RATING_WINDOW_DAYS"])
    order = factories.order(completed_at=now - timedelta(hours=5))
    technician = order.technician
    # The customer's own account, completed just outside the rating window: not rateable.
    factories.order(technician=technician, account=order.account,
                    completed_at=now - window - timedelta(hours=1))
    factories.order(technician=technician)                      # someone else's account
    token = badges.badge_token(badges.get_or_create_badge(technician))
    customer = user()

    first = client.get(f"/api/v1/badges/{token}", headers=headers_for(customer)).json
    assert first["needs_binding"] is True and first["rateable_orders"] == []
    assert first["technician"]["name"] == technician.name
    assert "phone" not in first["technician"] and technician.phone not in str(first)

    bind(customer, order.account)
    second = client.get(f"/api/v1/badges/{token}", headers=headers_for(customer)).json
    assert second["needs_binding"] is False
    assert [o["order_no"] for o in second["rateable_orders"]] == [order.order_no]
    assert set(second["rateable_orders"][0]) == {"order_no", "order_type", "product",
                                                 "completed_at"}


def test_scan_landing_errors(client):
    technician = factories.technician()
    badge = badges.get_or_create_badge(technician)
    old = badges.badge_token(badge)
    customer = headers_for(user())
    assert client.get(f"/api/v1/badges/{old}").status_code == 401
    forged = old[:-2] + ("AA" if old[-2:] != "AA" else "BB")
    assert client.get(f"/api/v1/badges/{forged}", headers=customer).json["error"]["code"] == \
        "badge_not_found"
    badges.rotate_badge(technician=technician)
    db.session.flush()
    rotated = client.get(f"/api/v1/badges/{old}", headers=customer)
    assert (rotated.status_code, rotated.json["error"]["code"]) == (410, "badge_revoked")


def test_scan_landing_pages_the_rateable_orders(client):
    # Issue 17: one badge lookup answered all 7,791 rateable orders of a business account.
    now = datetime.now(timezone.utc)
    first = factories.order(completed_at=now - timedelta(minutes=5))
    technician, account = first.technician, first.account
    for minutes in range(2, 46):
        factories.order(technician=technician, account=account,
                        completed_at=now - timedelta(minutes=minutes * 10))
    customer = user()
    bind(customer, account)
    token = badges.badge_token(badges.get_or_create_badge(technician))
    url = f"/api/v1/badges/{token}"
    body = client.get(url, headers=headers_for(customer)).json
    assert len(body["rateable_orders"]) == 20
    assert body["rateable_page"] == {"page": 1, "per_page": 20, "total": 45, "pages": 3}
    assert body["rateable_orders"][0]["order_no"] == first.order_no       # newest first
    seen = {o["order_no"] for page in (1, 2, 3) for o in client.get(
        f"{url}?page={page}", headers=headers_for(customer)).json["rateable_orders"]}
    assert len(seen) == 45
    assert client.get(f"{url}?per_page=1000", headers=headers_for(customer)).status_code == 422


def test_the_scan_lists_orders_inside_the_rating_window_only(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATING_WINDOW_DAYS", 3)
    now = datetime.now(timezone.utc)
    technician, customer = factories.technician(), user()
    account = factories.account()
    bind(customer, account)
    inside = factories.order(technician=technician, account=account,
                             completed_at=now - timedelta(days=3) + timedelta(hours=1))
    factories.order(technician=technician, account=account,
                    completed_at=now - timedelta(days=3) - timedelta(hours=1))
    token = badges.badge_token(badges.get_or_create_badge(technician))
    answer = client.get(f"/api/v1/badges/{token}", headers=headers_for(customer)).json
    assert [o["order_no"] for o in answer["rateable_orders"]] == [inside.order_no]
