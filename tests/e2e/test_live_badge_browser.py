"""The live badge in real Chromium: the technician's phone shows a QR that changes on time (a real
decoder reads each one), keeps its last code through a network drop for one step, and a customer
who scans it and rates has presence; a relative rating from an SMS link at home has none.

Steps are LIVE_BADGE_STEP_SECONDS=6 here (30 in production; long enough that a busy CI machine
still reads and requests a code inside its step) so the page turns over a few codes in
seconds of real time; the browser's own timers drive it, as on a phone.
"""
from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from app.badge import service as badges
from app.badge.models import Presence
from app.db import utcnow
from app.extensions import db
from app.identity.models import TechnicianBinding, WeChatUser
from app.identity.sms import get_sms_backend
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating

zxingcpp = pytest.importorskip("zxingcpp")
pytestmark = pytest.mark.real_commits

STEP = 6
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI")
SAFARI_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def world(app, live_server, wechat):
    app.config.update(PUBLIC_BASE_URL=live_server, LIVE_BADGE_STEP_SECONDS=STEP)
    with app.app_context():
        tech = Technician(employee_no="LB001", name="陈志强", phone="13800000077",
                          team="城北装维二班", area="城区营业部", vendor="自营", status="active")
        # The technician bound in the mini-program; the H5 sign-in finds them by unionid.
        tech_user = WeChatUser(unionid="un_techchen", token_version=0)
        account = BroadbandAccount(account_no="03527654321", holder_name="赵丽",
                                   phone="13900000088", address="解放路12号1单元302室",
                                   area="城区营业部")
        done = utcnow() - timedelta(hours=1)
        orders = [WorkOrder(order_no=f"LB-GD-{n}", account=account, technician=tech,
                            order_type="install", product="broadband", area="城区营业部",
                            created_at=done - timedelta(hours=3), completed_at=done,
                            status="completed") for n in (1, 2)]
        db.session.add_all([tech, tech_user, account, *orders])
        db.session.flush()
        db.session.add(TechnicianBinding(technician_id=tech.id, user_id=tech_user.id,
                                         phone=tech.phone))
        static = badges.badge_token(badges.get_or_create_badge(tech))
        db.session.commit()
    yield {"static": static}
    app.config.update(PUBLIC_BASE_URL="http://rating.test", LIVE_BADGE_STEP_SECONDS=30)


def phone_as(browser, simulator, who: str, user_agent: str = WECHAT_UA):
    """A phone-sized browser that the WeChat simulator knows as demo person `who`."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN",
                                  user_agent=user_agent)
    context.add_cookies([{"name": "sim_user", "value": who, "url": simulator.base_url}])
    page = context.new_page()
    page.set_default_timeout(20000)
    return context, page


def read_qr(page) -> str:
    """What a real QR decoder reads off the technician's screen right now."""
    shot = Image.open(io.BytesIO(page.locator("#live-qr").screenshot())).convert("L")
    (result,) = zxingcpp.read_barcodes(shot)
    return result.text


def shown_token(page) -> str:
    return page.get_attribute("#live-qr", "data-token")


def wait_for_new_code(page, old: str) -> str:
    # A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    page.wait_for_function("old => document.getElementById('live-qr').dataset.token !== old",
                           arg=old, timeout=(2 * STEP + 5) * 1000)
    return shown_token(page)


def sms_code(app) -> str:
    with app.app_context():
        return re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)


def rate_on(page, stars_label: str = "star-5") -> None:
    page.click(f"label[for={stars_label}]")
    page.click("text=准时上门")
    page.click("#submit")
    page.wait_for_selector("#thanks")


def test_live_badge_scan_and_rate_in_real_browsers(app, live_server, browser, world, wechat,
                                                   screenshot_dir):
    shots = lambda name: os.path.join(screenshot_dir, f"live-{name}.png")   # noqa: E731

    # The technician opens the live badge page (WeChat sign-in through the simulator).
    tech_context, tech = phone_as(browser, wechat, "techchen")
    tech.goto(f"{live_server}/h5/technician/badge")
    tech.wait_for_selector("#live-qr")
    assert tech.inner_text("#technician-name") == "陈志强"
    assert "秒后刷新" in tech.inner_text("#countdown")
    first = shown_token(tech)
    assert read_qr(tech) == f"{live_server}/b/{first}"
    tech.screenshot(path=shots("1-technician"), full_page=True)

    # The code turns over on time, and each one reads back.
    second = wait_for_new_code(tech, first)
    assert read_qr(tech) == f"{live_server}/b/{second}"
    third = wait_for_new_code(tech, second)
    assert read_qr(tech) == f"{live_server}/b/{third}"
    assert len({first, second, third}) == 3

    # The customer at the door scans the code on the screen: WeChat opens it, signs in, lands.
    customer_context, customer = phone_as(browser, wechat, "custzhao")
    customer.goto(read_qr(tech))
    customer.wait_for_selector("#presence")
    assert "已记录在场扫码" in customer.inner_text("#presence")
    customer.screenshot(path=shots("2-customer-landing"), full_page=True)
    customer.click("#rate")
    customer.wait_for_url(re.compile(r"/h5/bind"))
    customer.fill("#account_no", "03527654321")
    customer.click("#send")
    customer.wait_for_selector("#sms_code")
    customer.fill("#sms_code", sms_code(app))
    customer.click("#bind")
    customer.wait_for_url(re.compile(r"/h5/orders/LB-GD-\d/rate|/b/.+/rate"))
    if "/b/" in customer.url:       # several orders to rate: pick the first
        customer.click("text=装机")
    customer.wait_for_url(re.compile(r"/h5/orders/LB-GD-\d/rate"))
    customer_order = re.search(r"LB-GD-\d", customer.url).group(0)
    rate_on(customer)

    # The network drops on the technician's phone: the last code stays usable for one step.
    tech_context.set_offline(True)
    tech.wait_for_selector("#live[data-state=offline]", timeout=(STEP + 5) * 1000)
    last = shown_token(tech)
    assert read_qr(tech) == f"{live_server}/b/{last}"
    assert "还可使用" in tech.inner_text("#countdown")
    assert requests.get(f"{live_server}/b/{last}.png", timeout=5).status_code == 200
    tech.screenshot(path=shots("3-offline"), full_page=True)
    tech.wait_for_selector("#live[data-state=expired]", timeout=(STEP + 5) * 1000)
    # The page gives up on its code a little before the server does (it rounds down): the
    # server refuses it within a second or so, and for good.
    assert _status_settles(f"{live_server}/b/{last}.png", 410, within=STEP)
    tech.screenshot(path=shots("4-expired"), full_page=True)
    tech_context.set_offline(False)
    tech.wait_for_selector("#live[data-state=live]", timeout=(STEP + 5) * 1000)
    assert shown_token(tech) != last

    # A relative at home rates the other order from an SMS link in a plain browser: no presence.
    sms_order = "LB-GD-2" if customer_order == "LB-GD-1" else "LB-GD-1"
    manager = _api_key(app, "manager")
    link = requests.get(f"{live_server}/api/v1/admin/orders/{sms_order}/sms-link",
                        headers={"Authorization": f"Bearer {manager}"}, timeout=5).json()["url"]
    home_context, home = phone_as(browser, wechat, "relative", user_agent=SAFARI_UA)
    home.goto(link)
    home.click("#send")
    home.wait_for_selector("#sms_code")
    home.fill("#sms_code", sms_code(app))
    home.click("#verify")
    home.wait_for_url(re.compile(rf"/h5/orders/{sms_order}/rate"))
    rate_on(home)

    with app.app_context():
        presence = {r.order.order_no: (r.channel, r.presence)
                    for r in db.session.scalars(select(Rating))}
    assert presence == {customer_order: ("h5", True), sms_order: ("sms_link", False)}
    for context in (tech_context, customer_context, home_context):
        context.close()


def test_an_expired_live_code_tells_the_customer_to_ask_for_a_refresh(app, live_server, browser,
                                                                       world, wechat,
                                                                       screenshot_dir):
    tech_context, tech = phone_as(browser, wechat, "techchen")
    tech.goto(f"{live_server}/h5/technician/badge")
    screenshot_of_the_code = read_qr(tech)
    tech_context.close()
    context, page = phone_as(browser, wechat, "forwarded")
    # The screenshot is forwarded and opened 90 s later: the server's clock moves on, no sleeping.
    from app.badge.presence import CLOCK
    app.extensions[CLOCK] = lambda: time.time() + 90
    try:
        response = page.goto(screenshot_of_the_code)
    finally:
        app.extensions.pop(CLOCK, None)
    assert response.status == 410
    assert "请让装维人员刷新工牌" in page.inner_text("#badge-status")
    page.screenshot(path=os.path.join(screenshot_dir, "live-5-expired-landing.png"),
                    full_page=True)
    with app.app_context():
        assert db.session.scalar(select(Presence.id)) is None
    context.close()


def _status_settles(url: str, status: int, *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if requests.get(url, timeout=5).status_code == status:
            return True
        time.sleep(0.2)
    return False


def _api_key(app, role: str) -> str:
    from app.auth.service import create_api_key
    with app.app_context():
        _, raw = create_api_key(role=role, name=f"e2e {role}")
        db.session.commit()
    return raw
