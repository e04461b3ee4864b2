"""The H5 form is shown only when the order can be rated by this customer; otherwise a Chinese
page says why and what to do, and says nothing about an order the customer has not bound."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.badge import service as badges
from app.extensions import db
from app.rating.models import Rating, RecoveryTask
from tests import factories
from tests.factories import bind, bind_technician, user
from tests.pages import BROWSER, assert_customer_page, session_csrf, visible_text
from tests.rating.test_h5 import csrf_of, form_id_of, sign_in


def ago(**kw):
    return datetime.now(timezone.utc) - timedelta(**kw)


@pytest.fixture
def customer(client):
    person = user()
    sign_in(client, person)
    return person


def rate_page(client, order_no):
    return client.get(f"/h5/orders/{order_no}/rate", headers=BROWSER)


def submit(client, order_no, **fields):
    form = rate_page(client, order_no)
    return client.post(f"/h5/orders/{order_no}/rate", headers=BROWSER, data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), **fields})


def test_the_form_starts_with_no_star_chosen(client, customer):
    order = factories.order()
    bind(customer, order.account)
    html = rate_page(client, order.order_no).get_data(as_text=True)
    stars = re.findall(r'<input type="radio" name="stars"[^>]*>', html)
    assert len(stars) == 5 and not any("checked" in s for s in stars)
    assert order.technician.name in html                     # who is being rated
    assert_customer_page(html)


def test_the_server_requires_the_stars_without_script(client, customer):
    order = factories.order()
    bind(customer, order.account)
    response = submit(client, order.order_no, comment="很好", tags=["on_time"])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "请先选择星级" in html
    assert db.session.scalar(select(Rating)) is None
    assert "很好" in html                                    # what they wrote is kept
    assert_customer_page(html)


def test_not_bound_and_no_such_order_look_the_same(client, customer):
    order = factories.order()                                # someone else's account
    mine = rate_page(client, order.order_no)
    missing = rate_page(client, "GD-NO-SUCH-1")
    assert mine.status_code == missing.status_code == 404
    same = lambda r, no: r.get_data(as_text=True).replace(no, "<order>")  # noqa: E731
    assert same(mine, order.order_no) == same(missing, "GD-NO-SUCH-1")
    html = mine.get_data(as_text=True)
    for secret in (order.technician.name, order.account.account_no, "装机", "宽带 ·"):
        assert secret not in html
    assert "绑定宽带账号" in html
    assert_customer_page(html)


@pytest.mark.parametrize("kind, status, words", [
    ("open", 409, "服务尚未完成"),
    ("cancelled", 409, "该服务已取消"),
    ("old", 410, "评价已截止"),
])
def test_orders_that_cannot_be_rated_say_why(client, customer, kind, status, words):
    make = {"open": dict(status="open", completed_at=None),
            "cancelled": dict(status="cancelled", completed_at=None),
            "old": dict(completed_at=ago(days=9))}[kind]
    order = factories.order(**make)
    bind(customer, order.account)
    response = rate_page(client, order.order_no)
    html = response.get_data(as_text=True)
    assert response.status_code == status and words in html
    assert 'name="stars"' not in html
    assert_customer_page(html)


def test_a_technician_cannot_rate_their_own_work(client, customer):
    order = factories.order()
    bind(customer, order.account)
    bind_technician(customer, order.technician)
    response = rate_page(client, order.order_no)
    assert response.status_code == 403 and "不能评价自己的服务" in response.get_data(as_text=True)


def test_thanks_is_worded_by_the_stored_rating_not_the_url(client, customer):
    order = factories.order()
    bind(customer, order.account)
    done = submit(client, order.order_no, stars="1", tags=["rude"])
    assert done.status_code == 303
    page = client.get(done.headers["Location"] + "?stars=5", headers=BROWSER)
    html = page.get_data(as_text=True)
    task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.order_id == order.id))
    assert "很抱歉" in html and "🎉" not in html and "感谢您的评价！" not in html
    assert f'id="recovery-number">{task.id}<' in html
    assert "前致电您" in html and 'href="tel:10000"' in html
    assert_customer_page(html)


def test_thanks_for_five_stars_and_for_an_unrated_order(client, customer):
    order, other = factories.order(), factories.order()
    bind(customer, order.account)
    bind(customer, other.account)
    done = submit(client, order.order_no, stars="5")
    html = client.get(done.headers["Location"], headers=BROWSER).get_data(as_text=True)
    assert "感谢您的评价！" in html and 'id="recovery"' not in html
    unrated = client.get(f"/h5/orders/{other.order_no}/thanks?stars=1", headers=BROWSER)
    assert unrated.status_code == 302 and unrated.headers["Location"].endswith("/rate")


def test_a_family_member_sees_the_rating_but_cannot_change_or_add_to_it(client, customer):
    order = factories.order()
    bind(customer, order.account)
    submit(client, order.order_no, stars="4", comment="不错")
    relative = user()
    bind(relative, order.account)
    sign_in(client, relative)
    page = rate_page(client, order.order_no)
    html = page.get_data(as_text=True)
    assert "这次服务已有家人评价" in html and "不错" in html
    assert 'id="follow-up-form"' not in html
    refused = client.post(f"/h5/orders/{order.order_no}/follow-up", headers=BROWSER,
                          data={"csrf_token": session_csrf(client), "comment": "我也说两句"})
    assert refused.status_code == 403 and "只有评价人可以追评" in refused.get_data(as_text=True)


def test_follow_up_adds_text_once_and_never_changes_the_stars(client, customer, admin_headers):
    order = factories.order()
    bind(customer, order.account)
    submit(client, order.order_no, stars="2", tags=["unresolved"], comment="网速慢")
    page = rate_page(client, order.order_no)
    assert 'id="follow-up-form"' in page.get_data(as_text=True)
    added = client.post(f"/h5/orders/{order.order_no}/follow-up", headers=BROWSER,
                        data={"csrf_token": csrf_of(page), "comment": "师傅回访后已修好", "stars": "5"})
    assert added.status_code == 303
    html = client.get(added.headers["Location"], headers=BROWSER).get_data(as_text=True)
    assert "师傅回访后已修好" in html and 'id="follow-up-form"' not in html
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    assert rating.stars == 2 and rating.comment == "网速慢"
    again = client.post(f"/h5/orders/{order.order_no}/follow-up", headers=BROWSER,
                        data={"csrf_token": session_csrf(client), "comment": "再说一次"})
    assert again.status_code == 409 and "您已追评过" in again.get_data(as_text=True)
    staff = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert staff["rating"]["follow_up"]["comment"] == "师傅回访后已修好"
    assert staff["rating"]["stars"] == 2


def test_no_follow_up_after_the_window(client, customer):
    order = factories.order(completed_at=ago(days=6, hours=23, minutes=59))
    bind(customer, order.account)
    submit(client, order.order_no, stars="3")
    order.completed_at = ago(days=8)          # time passes: the window has closed
    db.session.flush()
    page = rate_page(client, order.order_no)
    html = page.get_data(as_text=True)
    assert "您已评价过这次服务" in html and 'id="follow-up-form"' not in html
    refused = client.post(f"/h5/orders/{order.order_no}/follow-up", headers=BROWSER,
                          data={"csrf_token": session_csrf(client), "comment": "晚了"})
    assert refused.status_code == 409 and "已超过评价期限" in visible_text(
        refused.get_data(as_text=True))


def test_an_empty_follow_up_is_refused_in_chinese(client, customer):
    order = factories.order()
    bind(customer, order.account)
    submit(client, order.order_no, stars="5")
    page = rate_page(client, order.order_no)
    refused = client.post(f"/h5/orders/{order.order_no}/follow-up", headers=BROWSER,
                          data={"csrf_token": csrf_of(page), "comment": "  "})
    assert refused.status_code == 422 and "请填写追评内容" in refused.get_data(as_text=True)
    assert_customer_page(refused.get_data(as_text=True))


def test_a_form_sent_after_the_window_closed_shows_the_closed_page(client, customer):
    order = factories.order(completed_at=ago(days=6))
    bind(customer, order.account)
    form = rate_page(client, order.order_no)
    order.completed_at = ago(days=8)          # the customer left the form open too long
    db.session.flush()
    response = client.post(f"/h5/orders/{order.order_no}/rate", headers=BROWSER, data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "5"})
    assert response.status_code == 410 and "评价已截止" in response.get_data(as_text=True)
    assert db.session.scalar(select(Rating)) is None


def test_misfit_tags_are_named_in_chinese(client, customer):
    order = factories.order()
    bind(customer, order.account)
    response = submit(client, order.order_no, stars="5", tags=["rude", "on_time"])
    assert "“态度差”不适用于 5 星" in response.get_data(as_text=True)


def test_the_badge_leads_back_to_a_rated_order_for_a_follow_up(client, customer):
    order = factories.order()
    bind(customer, order.account)
    token = badges.badge_token(badges.get_or_create_badge(order.technician))
    submit(client, order.order_no, stars="5")
    page = client.get(f"/b/{token}/rate", headers=BROWSER)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="rated-orders"' in html
    assert f'href="/h5/orders/{order.order_no}/rate"' in html and "追评" in html
