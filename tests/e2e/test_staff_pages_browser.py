"""A team leader on a 390 px phone and a manager at a desk, in real Chromium: the menu opens from
the header, the recovery list shows what the customer said and calls them, the search box finds an
order by phone, the order page and the imports page fit the screen — with screenshots."""
import os
from datetime import UTC, datetime, timedelta

import pytest

from app.console import service as console
from app.extensions import db
from app.identity.models import WeChatUser
from app.rating.models import Rating, RecoveryTask
from tests import factories

pytestmark = pytest.mark.real_commits
PASSWORD = "demo-password-2026"


@pytest.fixture
def scene(app):
    app.extensions.pop("rate_limiter", None)
    with app.app_context():
        tech = factories.technician(employee_no="ZW8101", name="欧阳建国", team="城东第一装维班")
        done = datetime.now(UTC) - timedelta(hours=30)
        order = factories.order(technician=tech, completed_at=done)
        rater = WeChatUser(token_version=0)
        db.session.add(rater)
        db.session.flush()
        db.session.add(Rating(order_id=order.id, technician_id=tech.id, user_id=rater.id, stars=1,
                              tags=["extra_charge", "missed_appointment"], channel="h5",
                              comment="师傅迟到一个多小时，还私自收了五十元材料费",
                              created_at=done + timedelta(hours=2)))
        db.session.add(RecoveryTask(order_id=order.id, technician_id=tech.id, team=tech.team,
                                    area=tech.area, source="rating", stars=1,
                                    due_at=datetime.now(UTC) + timedelta(hours=3)))
        console.create_user(username="leader", role="manager", password=PASSWORD,
                            display_name="赵班长")
        db.session.commit()
        facts = {"order_no": order.order_no, "phone": order.account.phone}
    yield facts
    app.extensions.pop("rate_limiter", None)


def _page(browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return context, page, errors


def _sign_in(page, base):
    page.goto(f"{base}/console/")
    page.fill("#username", "leader")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("#signed-in-as")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_team_leader_on_a_phone(app, live_server, browser, scene, screenshot_dir):
    context, page, errors = _page(browser, 390, 844)
    _sign_in(page, live_server)
    page.goto(f"{live_server}/console/recovery")
    card = page.locator("article.task").first
    assert "私自收了五十元材料费" in card.inner_text() and "私自收费" in card.inner_text()
    assert "剩余 2 小时" in card.inner_text() or "剩余 3 小时" in card.inner_text()
    assert _fits(page), "the recovery list is wider than the phone"
    page.screenshot(path=os.path.join(screenshot_dir, "recovery-390.png"), full_page=True)
    card.locator("button.reveal").click()
    tel = page.locator(f'a[href="tel:{scene["phone"]}"]')
    assert tel.is_visible()

    page.click("#menu-toggle")
    assert page.locator("#side-nav").is_visible()
    page.screenshot(path=os.path.join(screenshot_dir, "menu-390.png"))
    page.click("#side-nav .menu-close")
    assert not page.locator("#side-nav").is_visible()

    page.fill("#search-box", scene["phone"])
    page.press("#search-box", "Enter")
    page.wait_for_selector("#found-orders")
    assert scene["phone"] not in page.locator("#found-orders").inner_text()
    page.click(f'#found-orders a:has-text("{scene["order_no"]}")')
    page.wait_for_selector("#order-star")
    assert _fits(page), "the order page is wider than the phone"
    page.screenshot(path=os.path.join(screenshot_dir, "order-390.png"), full_page=True)
    page.goto(f"{live_server}/console/reports/month")
    assert _fits(page), "the month report is wider than the phone"
    page.screenshot(path=os.path.join(screenshot_dir, "month-390.png"), full_page=True)
    page.goto(f"{live_server}/console/imports")
    assert _fits(page), "the imports page is wider than the phone"
    page.screenshot(path=os.path.join(screenshot_dir, "imports-390.png"), full_page=True)
    page.goto(f"{live_server}/console/reports/trends")
    assert _fits(page), "the team trends page is wider than the phone"
    page.screenshot(path=os.path.join(screenshot_dir, "trends-390.png"), full_page=True)
    context.close()
    assert not errors, errors


def test_manager_at_a_desk(app, live_server, browser, scene, screenshot_dir):
    context, page, errors = _page(browser, 1440, 900)
    _sign_in(page, live_server)
    assert not page.locator("#menu-toggle").is_visible()          # the sidebar is there
    for name, path in (("month", "/console/reports/month"),
                       ("recovery", "/console/recovery"),
                       ("order", f"/console/orders/{scene['order_no']}"),
                       ("imports", "/console/imports"),
                       ("trends", "/console/reports/trends")):
        page.goto(live_server + path)
        assert _fits(page), f"{path} is wider than the window"
        page.screenshot(path=os.path.join(screenshot_dir, f"{name}-desktop.png"), full_page=True)
    page.goto(f"{live_server}/console/recovery")
    form = page.locator("article.task form.close-form").first
    form.locator("select[name=outcome]").select_option("revisited")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("article.task")
    assert "已上门复修" in page.locator("article.task").first.inner_text()
    context.close()
    assert not errors, errors
