"""A manager in real headless Chromium: the pay sheet with its charts, a drill-down from a
technician to each line of each component, the ranking board, and the month close — with
screenshots of each page."""
import os
import re

import pytest

from app.console import service as console
from app.extensions import db
from tests.reports.pay_world import pay_world

pytestmark = pytest.mark.real_commits
PASSWORD = "demo-password-2026"


@pytest.fixture
def scene(app):
    with app.app_context():
        techs = pay_world(501, technicians=12, orders=260)
        console.create_user(username="pay-manager", role="manager", password=PASSWORD,
                            display_name="刘经理")
        db.session.commit()
        return {"employee_no": techs[2].employee_no, "team": techs[2].team}


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, errors


def shot(page, directory, name):
    page.screenshot(path=os.path.join(directory, f"pay-{name}.png"), full_page=True)


def test_manager_reads_the_pay_sheet_drills_down_and_closes(live_server, desk, scene,
                                                           screenshot_dir):
    page = desk
    page.goto(f"{live_server}/console/")
    page.fill("#username", "pay-manager")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_selector("#signed-in-as")

    page.goto(f"{live_server}/console/reports/pay?month=2026-10")
    assert page.locator("#pay-table tbody tr").count() >= 10
    assert page.is_visible("svg.chart >> nth=0") and page.is_visible("svg.chart >> nth=1")
    total = page.inner_text("#total-pay")
    assert re.fullmatch(r"-?\d+\.\d\d", total)
    shot(page, screenshot_dir, "1-sheet")

    with page.expect_download() as download:
        page.click("#pay-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")

    page.click(f"#pay-table tbody tr:has-text('{scene['employee_no']}') td >> nth=1")
    page.wait_for_url(re.compile(rf"/console/reports/pay/{scene['employee_no']}"))
    assert "当月考核得分" in page.inner_text("#assessment")
    assert page.locator("#lines-install tbody tr").count() >= 1
    shot(page, screenshot_dir, "2-drill")

    page.goto(f"{live_server}/console/reports/ranking?month=2026-10")
    assert page.locator("#ranking-table tbody tr").count() >= 10
    assert "班组排名" in page.inner_text("#teams")
    shot(page, screenshot_dir, "3-ranking")

    page.goto(f"{live_server}/console/reports/pay?month=2026-10")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#close-month")
    page.wait_for_selector(".flash.ok")
    assert "第 1 版" in page.inner_text(".flash.ok")
    assert "月结快照" in page.inner_text("#pay-source")
    assert page.inner_text("#total-pay") == total
    shot(page, screenshot_dir, "4-closed")
