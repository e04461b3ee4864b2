"""A customer in WeChat's browser: scan URL → OAuth via the simulator → bind → rate → thank-you."""
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.badge import service as badges
from app.db import utcnow
from app.extensions import db
from app.identity.sms import get_sms_backend
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating

pytestmark = pytest.mark.real_commits


@pytest.fixture
def scene(app, live_server, wechat):
    app.config["PUBLIC_BASE_URL"] = live_server      # OAuth comes back here
    app.extensions.pop("sms_backend", None)
    app.extensions.pop("rate_limiter", None)
    with app.app_context():
        tech = Technician(employee_no="E2E01", name="王建国", phone="13800000001",
                          team="城东装维班", area="城区营业部", vendor="自营", status="active")
        account = BroadbandAccount(account_no="03521234567", holder_name="李娜",
                                   phone="13900000002", address="迎宾街8号3栋2单元501室",
                                   area="城区营业部")
        done = utcnow() - timedelta(hours=2)
        order = WorkOrder(order_no="E2E-GD-1", account=account, technician=tech,
                          order_type="install", product="broadband", area="城区营业部",
                          created_at=done - timedelta(hours=3), completed_at=done,
                          status="completed")
        db.session.add_all([tech, account, order])
        db.session.flush()
        token = badges.badge_token(badges.get_or_create_badge(tech))
        db.session.commit()
    yield token
    app.config["PUBLIC_BASE_URL"] = "http://rating.test"


def test_scan_to_thank_you_in_a_real_browser(app, live_server, phone, scene, screenshot_dir):
    token = scene
    page = phone
    page.goto(f"{live_server}/b/{token}")
    assert page.inner_text("#technician-name") == "王建国"
    page.screenshot(path=os.path.join(screenshot_dir, "h5-1-landing.png"), full_page=True)

    page.click("#rate")                          # → /h5/login → simulator OAuth → back, signed in
    page.wait_for_url(re.compile(r"/h5/bind"))
    page.fill("#account_no", "03521234567")
    page.click("#send")
    page.wait_for_selector("#sms_code")
    with app.app_context():
        code = re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)
    page.fill("#sms_code", code)
    page.click("#bind")

    page.wait_for_url(re.compile(r"/h5/orders/E2E-GD-1/rate"))
    page.click("label[for=star-5]")
    assert page.is_visible("text=准时上门") and not page.is_visible("text=态度差")
    page.click("label[for=star-2]")              # tags follow the stars
    assert page.is_visible("text=态度差") and not page.is_visible("text=准时上门")
    page.click("label[for=star-5]")
    page.click("text=准时上门")
    page.click("text=专业高效")
    page.fill("#comment", "师傅很专业，讲解耐心 👍")
    assert page.inner_text("#counter") == "12/500"
    page.screenshot(path=os.path.join(screenshot_dir, "h5-2-form.png"), full_page=True)
    page.click("#submit")

    page.wait_for_selector("#thanks")
    page.screenshot(path=os.path.join(screenshot_dir, "h5-3-thanks.png"), full_page=True)
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.channel, rating.stars, sorted(rating.tags)) == (
            "h5", 5, ["on_time", "professional"])
        assert rating.comment == "师傅很专业，讲解耐心 👍"
        assert rating.openid and rating.openid.startswith("ooa_")
        assert "MicroMessenger" in rating.user_agent
