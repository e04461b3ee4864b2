"""The H5 rating pages: scan → bind (SMS) → rate → thank-you; the SMS link; CSRF."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.badge import service as badges
from app.extensions import db
from app.identity.decorators import H5_SESSION_USER
from app.identity.models import AccountBinding
from app.identity.sms import get_sms_backend
from app.rating.models import Rating
from tests import factories
from tests.factories import bind, user


def sign_in(client, person):
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [person.id, person.token_version]


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def form_id_of(page) -> str:
    return re.search(r'name="form_id" value="([^"]+)"', page.get_data(as_text=True)).group(1)


@pytest.fixture
def badge_scene(app):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=3))
    token = badges.badge_token(badges.get_or_create_badge(order.technician))
    return order, token


@pytest.fixture(autouse=True)
def fresh_backends(app):
    app.extensions.pop("sms_backend", None)
    app.extensions.pop("rate_limiter", None)


def test_not_signed_in_goes_to_wechat_oauth(client, badge_scene):
    _, token = badge_scene
    response = client.get(f"/b/{token}/rate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/h5/login?next=")


def test_landing_links_to_the_rating_flow(client, badge_scene):
    _, token = badge_scene
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'href="/b/{token}/rate"' in page


def test_scan_bind_by_sms_rate_and_thanks(client, badge_scene):
    order, token = badge_scene
    person = user()
    sign_in(client, person)

    first = client.get(f"/b/{token}/rate")
    assert first.status_code == 302 and first.headers["Location"].startswith("/h5/bind")
    bind_page = client.get(first.headers["Location"])
    next_url = f"/b/{token}/rate"
    sent = client.post("/h5/bind", data={"csrf_token": csrf_of(bind_page), "next": next_url,
                                         "account_no": order.account.account_no, "step": "send"})
    assert "验证码已发送至" in sent.get_data(as_text=True)
    code = re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)
    bound = client.post("/h5/bind", data={"csrf_token": csrf_of(sent), "next": next_url,
                                          "account_no": order.account.account_no,
                                          "sms_code": code, "step": "bind"})
    assert bound.status_code == 302 and bound.headers["Location"] == next_url

    # one rateable order of this technician → straight to its form
    pick = client.get(next_url)
    assert pick.headers["Location"] == f"/h5/orders/{order.order_no}/rate"
    form = client.get(pick.headers["Location"])
    html = form.get_data(as_text=True)
    assert "为本次服务打分" in html and "准时上门" in html and "未按约上门" in html
    done = client.post(f"/h5/orders/{order.order_no}/rate", data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "5",
        "tags": ["on_time", "friendly"], "comment": "<script>alert(1)</script>很好"})
    assert done.status_code == 303
    thanks = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价" in thanks
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    assert (rating.channel, rating.stars, rating.user_id) == ("h5", 5, person.id)
    assert rating.comment == "<script>alert(1)</script>很好"     # stored as written

    # the same form submitted twice (double tap) gives the same answer, not an error
    again = client.post(f"/h5/orders/{order.order_no}/rate", data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "5",
        "tags": ["on_time", "friendly"], "comment": "<script>alert(1)</script>很好"})
    assert again.status_code == 303 and again.headers["Location"] == done.headers["Location"]


def test_comments_are_shown_escaped_to_staff_pages(client, badge_scene):
    order, _ = badge_scene
    person = user()
    bind(person, order.account)
    sign_in(client, person)
    form = client.get(f"/h5/orders/{order.order_no}/rate")
    page = client.post(f"/h5/orders/{order.order_no}/rate", data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "5",
        "tags": ["rude"], "comment": "<b>x</b>"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "不适用于" in html


def test_post_without_csrf_is_refused(client, badge_scene):
    order, _ = badge_scene
    person = user()
    bind(person, order.account)
    sign_in(client, person)
    response = client.post(f"/h5/orders/{order.order_no}/rate", data={"stars": "5"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "csrf_failed"
    assert db.session.scalar(select(Rating)) is None


def test_already_rated_shows_the_rating_and_no_form(client, badge_scene):
    order, _ = badge_scene
    person = user()
    bind(person, order.account)
    sign_in(client, person)
    form = client.get(f"/h5/orders/{order.order_no}/rate")
    client.post(f"/h5/orders/{order.order_no}/rate", data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "4",
        "tags": ["professional"], "comment": "装得很快"})
    again = client.get(f"/h5/orders/{order.order_no}/rate")
    html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "您已评价过这次服务" in html and "4 星" in html and "专业高效" in html
    assert "装得很快" in html
    assert 'name="stars"' not in html and 'id="rating-form"' not in html


def sms_link(client, headers, order_no):
    response = client.get(f"/api/v1/admin/orders/{order_no}/sms-link", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["url"].replace("http://rating.test", "")


def test_sms_link_outside_wechat_proves_the_phone_then_rates(client, admin_headers, badge_scene):
    order, _ = badge_scene
    link = sms_link(client, admin_headers, order.order_no)
    assert link.startswith("/s/")
    opened = client.get(link, headers={"User-Agent": "Mozilla/5.0 (iPhone) Safari"})
    assert opened.headers["Location"].endswith("/verify")
    page = client.get(opened.headers["Location"])
    assert "****" in page.get_data(as_text=True)            # the phone, masked
    assert order.account.phone not in page.get_data(as_text=True)
    sent = client.post(opened.headers["Location"], data={"csrf_token": csrf_of(page),
                                                          "step": "send"})
    code = re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)
    verified = client.post(opened.headers["Location"], data={
        "csrf_token": csrf_of(sent), "step": "verify", "sms_code": code})
    assert verified.headers["Location"] == f"/h5/orders/{order.order_no}/rate"
    form = client.get(verified.headers["Location"])
    client.post(verified.headers["Location"], data={
        "csrf_token": csrf_of(form), "form_id": form_id_of(form), "stars": "4",
        "tags": ["professional"]})
    rating = db.session.scalar(select(Rating).where(Rating.order_id == order.id))
    assert (rating.channel, rating.stars) == ("sms_link", 4)
    binding = db.session.scalar(select(AccountBinding).where(
        AccountBinding.user_id == rating.user_id))
    assert binding.method == "sms" and binding.account_id == order.account_id


def test_sms_link_in_wechat_uses_oauth(client, admin_headers, badge_scene):
    order, _ = badge_scene
    link = sms_link(client, admin_headers, order.order_no)
    opened = client.get(link, headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.50"})
    assert opened.headers["Location"].startswith("/h5/login?next=")


def test_forged_or_closed_sms_links(client, admin_headers, badge_scene):
    order, _ = badge_scene
    link = sms_link(client, admin_headers, order.order_no)
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert client.get(forged).status_code == 404
    old = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(days=9))
    response = client.get(f"/api/v1/admin/orders/{old.order_no}/sms-link", headers=admin_headers)
    assert (response.status_code, response.json["error"]["code"]) == (409, "order_not_rateable")


def test_someone_elses_order_shows_nothing(client, badge_scene):
    # Issue 17: an unbound H5 user saw an order's type, product and completion time.
    order, _ = badge_scene
    stranger = user()
    bind(stranger, factories.account())
    sign_in(client, stranger)
    page = client.get(f"/h5/orders/{order.order_no}/rate")
    missing = client.get("/h5/orders/NO-SUCH-ORDER/rate")
    assert page.status_code == missing.status_code == 404
    # The same page but for the number the customer typed (echoed in the link to bind it).
    assert page.get_data(as_text=True).replace(order.order_no, "NO-SUCH-ORDER") == \
        missing.get_data(as_text=True)


def test_bind_never_redirects_off_site(client, badge_scene):
    # Issue 17: the same open redirect on /h5/bind?next=.
    account = factories.account(phone="13900017099")
    person = user()
    sign_in(client, person)
    page = client.get("/h5/bind?next=/%09/evil.example")
    client.post("/h5/bind?next=/%09/evil.example", data={
        "csrf_token": csrf_of(page), "step": "send", "account_no": account.account_no})
    code = re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)
    done = client.post("/h5/bind?next=/%09/evil.example", data={
        "csrf_token": csrf_of(page), "step": "verify", "account_no": account.account_no,
        "sms_code": code})
    assert done.status_code == 302
    assert "evil" not in done.headers["Location"]
    assert done.headers["Location"].startswith("/")
    assert not done.headers["Location"].startswith("//")
