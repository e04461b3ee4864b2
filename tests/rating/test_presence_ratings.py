"""Ratings carry presence (在场扫码): true when the rater scanned the technician's live badge in the
last PRESENCE_HOURS, false otherwise, never a reason to refuse; shown to staff, to the technician
and in the month's ratings export; the presence share per technician."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from app.badge import presence as live_badges
from app.badge import service as badges
from app.badge.models import Presence
from app.extensions import db
from app.identity.tokens import TokenClaims
from app.rating import service
from app.rating.models import Rating
from tests import factories
from tests.factories import bind, bind_technician, headers_for, user


def live_token_of(technician) -> str:
    person = user()
    bind_technician(person, technician)
    return live_badges.issue_live_badge(TokenClaims(person.id, 0), at=live_badges.clock()).token


def scanned(client, token, headers) -> None:
    answer = client.get(f"/api/v1/badges/{token}", headers=headers)
    assert answer.status_code == 200, answer.json


def admin_rating(client, api_key, order_no) -> dict:
    answer = client.get(f"/api/v1/admin/orders/{order_no}",
                        headers={"Authorization": f"Bearer {api_key('auditor')}"})
    assert answer.status_code == 200
    return answer.json["rating"]


def test_a_rating_after_a_live_scan_carries_presence(client, scene, rate, api_key):
    order, _, headers = scene
    scanned(client, live_token_of(order.technician), headers)
    answer = rate(order.order_no, headers)
    assert answer.status_code == 201, answer.json
    assert "presence" not in answer.json         # the rater is not told: evidence is for staff
    assert admin_rating(client, api_key, order.order_no)["presence"] is True


def test_without_a_live_scan_a_rating_is_still_taken_without_presence(client, scene, rate,
                                                                      api_key):
    order, _, headers = scene
    scanned(client, badges.badge_token(badges.get_or_create_badge(order.technician)), headers)
    assert rate(order.order_no, headers).status_code == 201       # the printed badge works
    assert admin_rating(client, api_key, order.order_no)["presence"] is False


def test_presence_with_another_technician_does_not_count(client, scene, rate, api_key):
    order, _, headers = scene
    scanned(client, live_token_of(factories.technician()), headers)
    rate(order.order_no, headers)
    assert admin_rating(client, api_key, order.order_no)["presence"] is False


def test_another_customers_presence_does_not_count(client, scene, rate, api_key):
    order, _, headers = scene
    scanned(client, live_token_of(order.technician), headers_for(user()))
    rate(order.order_no, headers)
    assert admin_rating(client, api_key, order.order_no)["presence"] is False


@pytest.mark.parametrize("hours_ago,expected", [(23.9, True), (24.1, False)])
def test_presence_lasts_presence_hours(client, scene, rate, api_key, hours_ago, expected):
    order, customer, headers = scene
    db.session.add(Presence(user_id=customer.id, technician_id=order.technician_id, step=1,
                            channel="miniprogram",
                            scanned_at=datetime.now(timezone.utc) - timedelta(hours=hours_ago)))
    db.session.flush()
    rate(order.order_no, headers)
    assert admin_rating(client, api_key, order.order_no)["presence"] is expected


def test_presence_hours_is_configurable(app, client, scene, rate, api_key):
    order, customer, headers = scene
    db.session.add(Presence(user_id=customer.id, technician_id=order.technician_id, step=1,
                            channel="h5",
                            scanned_at=datetime.now(timezone.utc) - timedelta(hours=30)))
    db.session.flush()
    app.config["PRESENCE_HOURS"] = 48
    try:
        rate(order.order_no, headers)
    finally:
        app.config["PRESENCE_HOURS"] = 24
    assert admin_rating(client, api_key, order.order_no)["presence"] is True


def test_the_technician_sees_presence_on_their_own_ratings(client, rate):
    technician = factories.technician()
    me = user()
    bind_technician(me, technician)
    present, absent = (factories.order(technician=technician) for _ in range(2))
    for order, scan_first in ((present, True), (absent, False)):
        customer = user()
        bind(customer, order.account)
        if scan_first:
            token = live_badges.issue_live_badge(TokenClaims(me.id, 0),
                                                 at=live_badges.clock()).token
            scanned(client, token, headers_for(customer))
        assert rate(order.order_no, headers_for(customer)).status_code == 201
    items = client.get("/api/v1/technician/ratings", headers=headers_for(me)).json["items"]
    assert {item["order_no"]: item["presence"] for item in items} == {
        present.order_no: True, absent.order_no: False}


# -- the month's ratings and the presence share --------------------------------------------------

@pytest.fixture
def month_of_ratings():
    """Three technicians' ratings of orders completed in October 2026 (and one in November)."""
    october = datetime(2026, 10, 12, 3, tzinfo=timezone.utc)
    a, b, c = (factories.technician(team=team) for team in ("一班", "一班", "二班"))
    plan = [(a, True, None), (a, True, None), (a, False, None), (a, True, "voided"),
            (b, False, None), (b, False, None), (c, True, None)]
    for technician, present, voided in plan:
        order = factories.order(technician=technician, completed_at=october)
        db.session.add(Rating(order_id=order.id, technician_id=technician.id,
                              user_id=user().id, stars=5, tags=["on_time"], comment="=好评",
                              channel="h5", presence=present, created_at=october,
                              voided_at=october if voided else None))
    november = factories.order(technician=c, completed_at=datetime(2026, 11, 2, tzinfo=timezone.utc))
    db.session.add(Rating(order_id=november.id, technician_id=c.id, user_id=user().id, stars=4,
                          tags=[], comment="", channel="h5", presence=False,
                          created_at=november.completed_at))
    db.session.flush()
    return a, b, c


def test_presence_share_by_technician(month_of_ratings):
    a, b, c = month_of_ratings
    shares = service.presence_share_by_technician("2026-10", tz_name="Asia/Shanghai")
    assert (shares[a.id].ratings, shares[a.id].with_presence) == (3, 2)     # voided left out
    assert shares[a.id].share == pytest.approx(2 / 3)
    assert (shares[b.id].ratings, shares[b.id].share) == (2, 0.0)
    assert (shares[c.id].ratings, shares[c.id].share) == (1, 1.0)
    assert service.presence_share_by_technician("2026-09", tz_name="Asia/Shanghai") == {}


def test_month_ratings_list_and_files(client, api_key, month_of_ratings):
    a, _, _ = month_of_ratings
    headers = {"Authorization": f"Bearer {api_key('manager')}"}
    page = client.get("/api/v1/admin/ratings?month=2026-10&per_page=5", headers=headers).json
    assert (page["total"], page["pages"], len(page["items"])) == (7, 2, 5)
    mine = client.get(f"/api/v1/admin/ratings?month=2026-10&employee_no={a.employee_no}",
                      headers=headers).json["items"]
    assert sorted((i["presence"], i["valid"]) for i in mine) == [
        (False, True), (True, False), (True, True), (True, True)]
    assert all("user" not in key and "openid" not in key for key in mine[0])

    csv_file = client.get("/api/v1/admin/ratings?month=2026-10&format=csv", headers=headers)
    assert csv_file.status_code == 200 and csv_file.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert len(rows) == 7
    assert sorted(r["在场扫码"] for r in rows) == ["否", "否", "否", "是", "是", "是", "是"]
    assert rows[0]["标签"] == "准时上门" and rows[0]["评价内容"] == "'=好评"    # formula-safe

    xlsx = client.get("/api/v1/admin/ratings?month=2026-10&format=xlsx&team=二班",
                      headers=headers)
    sheet = load_workbook(io.BytesIO(xlsx.data))["评价明细"]
    header, *lines = list(sheet.values)
    assert "在场扫码" in header and len(lines) == 1
    assert lines[0][header.index("在场扫码")] == "是"


def test_month_ratings_needs_a_staff_role_and_a_month(client, api_key):
    assert client.get("/api/v1/admin/ratings?month=2026-10").status_code == 401
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert client.get("/api/v1/admin/ratings?month=2026-10", headers=integration).status_code == 403
    manager = {"Authorization": f"Bearer {api_key('manager')}"}
    bad = client.get("/api/v1/admin/ratings?month=October", headers=manager)
    assert (bad.status_code, bad.json["error"]["code"]) == (422, "validation_error")
