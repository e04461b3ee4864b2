"""An auditor and a manager in real headless Chromium: sign in, work the planted fraud ring — one
case — to a decision with the keyboard after reading its preview and calling a customer back,
draw a callback sample and record an outcome, download a report, rotate a badge, see a second
offence suspend a technician and lift it — with screenshots of the main pages."""
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.badge import service as badges
from app.console import service as console
from app.console.models import AuditEntry
from app.extensions import db
from app.fraud import service as fraud_service
from app.fraud.models import FraudFlag, FraudOffence
from app.identity.models import AccountBinding, WeChatUser
from app.masterdata.models import Technician
from app.rating.models import Rating
from tests import factories

pytestmark = pytest.mark.real_commits
PASSWORD = "demo-password-2026"
RING_COMMENT = "师傅非常专业，准时上门，安装速度很快，讲解耐心细致，服务态度特别好，五星好评"


@pytest.fixture
def scene(app):
    """Last month: a technician with a planted ring (one WeChat user, five accounts, a burst of
    near-identical comments) and honest ratings; scanned; two staff users."""
    app.extensions.pop("rate_limiter", None)
    with app.app_context():
        tech = factories.technician(employee_no="ZW8001", name="王建国", team="城东装维班")
        other = factories.technician(employee_no="ZW8002", name="李娜", team="城西装维班")
        done = datetime(2026, 10, 14, 2, 0, tzinfo=timezone.utc)
        ringleader = WeChatUser(token_version=0)
        db.session.add(ringleader)
        db.session.flush()
        for i in range(5):
            order = factories.order(technician=tech, completed_at=done + timedelta(hours=5 * i))
            db.session.add(AccountBinding(user_id=ringleader.id, account_id=order.account_id,
                                          method="sms"))
            db.session.add(Rating(order_id=order.id, technician_id=tech.id, user_id=ringleader.id,
                                  stars=5, tags=["on_time"], comment=RING_COMMENT + "！" * (i % 2 + 1),
                                  channel="h5", client_ip="223.104.5.77",
                                  created_at=done + timedelta(days=2, minutes=2 * i)))
        for i in range(6):
            for who in (tech, other):
                order = factories.order(technician=who, completed_at=done + timedelta(days=i))
                customer = WeChatUser(token_version=0)
                db.session.add(customer)
                db.session.flush()
                db.session.add(Rating(order_id=order.id, technician_id=who.id, user_id=customer.id,
                                      stars=5 - i % 3, tags=[], comment="", channel="h5",
                                      created_at=order.completed_at + timedelta(hours=2)))
        db.session.flush()
        fraud_service.scan_month(month="2026-10", **fraud_service.settings(app.config))
        console.create_user(username="demo-auditor", role="auditor", password=PASSWORD,
                            display_name="张稽核")
        console.create_user(username="demo-manager", role="manager", password=PASSWORD,
                            display_name="刘经理")
        token = badges.badge_token(badges.get_or_create_badge(tech))
        db.session.commit()
    yield {"badge_token": token}
    app.extensions.pop("rate_limiter", None)


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A refused sign-in answers 401, which Chromium logs; anything else is a real error.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    yield page
    context.close()
    assert not errors, errors          # no script errors, no CSP violations


def shot(page, directory, name):
    page.screenshot(path=os.path.join(directory, f"console-{name}.png"), full_page=True)


def sign_in(page, base, username):
    page.goto(f"{base}/console/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")


def test_auditor_confirms_the_planted_fraud_and_works_a_sample(app, live_server, desk, scene,
                                                              screenshot_dir):
    page = desk
    page.goto(f"{live_server}/console/")
    page.wait_for_selector("#sign-in")
    shot(page, screenshot_dir, "0-login")
    page.fill("#username", "demo-auditor")
    page.fill("#password", "wrong-password")
    page.click("#sign-in")
    assert "用户名或密码错误" in page.inner_text("#login-error")
    sign_in(page, live_server, "demo-auditor")

    page.wait_for_url(re.compile(r"/console/cases$"))
    assert page.inner_text("#signed-in-as").startswith("张稽核")
    assert page.inner_text("#open-count") == "1"                # the ring is one case
    assert page.inner_text("#open-flags") == "5"
    shot(page, screenshot_dir, "1-queue")

    page.keyboard.press("j")                                   # select the top case, open it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/console/cases/\d+"))
    main = page.inner_text("main")
    assert "ZW8001" in main and "评价人A" in main
    assert page.locator(".comments blockquote").count() == 5   # the duplicates side by side
    assert page.is_visible("#reason-burst svg.chart")          # the burst's timeline
    assert "第 1 次违规：罚款 5,000 元，2026-10 取消定星" in page.inner_text("#preview")

    page.locator("button.reveal").first.click()                # call the customer back
    tel = page.wait_for_selector("a.tel")
    assert tel.get_attribute("href").startswith("tel:1") and "*" not in tel.inner_text()

    boxes = page.locator("input[name=rating_ids]")
    assert boxes.count() == 5
    boxes.last.uncheck()                                       # one of them was honest after all
    with page.expect_navigation():
        page.keyboard.press("p")                               # preview what is ticked
    assert "作废 4 条评价" in page.inner_text("#preview")
    shot(page, screenshot_dir, "2-case")

    case_url = page.url
    page.keyboard.press("c")                                   # confirm without a note: refused
    assert page.url == case_url
    page.click("text=客户否认评价")                             # a quick note
    page.keyboard.press("Escape")
    page.keyboard.press("c")
    page.wait_for_selector(".flash.ok")
    flash = page.inner_text(".flash.ok")
    assert "已确认为虚假评价" in flash and "第 1 次违规：罚款 5,000 元" in flash
    assert "已已" not in flash
    page.wait_for_url(re.compile(r"/console/cases$"))          # nothing left to review
    with app.app_context():
        confirmed = db.session.scalars(select(FraudFlag).where(FraudFlag.status == "confirmed")).all()
        assert len(confirmed) == 4 and {f.decided_by for f in confirmed} == {"demo-auditor"}
        assert {f.note for f in confirmed} == {"回访客户，客户否认评价过"}
        assert all(db.session.get(Rating, f.rating_id).voided_at is not None for f in confirmed)
        assert db.session.scalar(select(func.count()).select_from(FraudOffence)) == 1

    page.click("text=抽样回访")
    page.fill("#sample-month", "2026-10")
    page.click("#draw")
    page.wait_for_url(re.compile(r"/console/samples/\d+"))
    rows = page.locator("form.outcome-form")
    calls = rows.count()
    assert calls >= 5
    rows.first.locator("button[value=customer_denied]").click()
    page.wait_for_load_state()
    assert page.locator("form.outcome-form").count() == calls - 1
    assert page.inner_text("#precision") != ""
    shot(page, screenshot_dir, "3-sample")

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.actor == "demo-auditor")).all()
        assert {"sign_in", "case_confirmed", "phone_revealed", "sample_drawn",
                "sample_outcome"} <= set(actions)


def test_manager_reads_downloads_rotates_and_imports(app, live_server, desk, scene,
                                                     screenshot_dir, tmp_path):
    page = desk
    sign_in(page, live_server, "demo-manager")
    page.wait_for_url(re.compile(r"/console/reports/month"))
    page.goto(f"{live_server}/console/reports/month?month=2026-10")
    assert page.locator("svg.chart").count() == 3
    page.click("#month-table th >> text=微信评价")              # sort by a column
    page.wait_for_url(re.compile(r"sort=wechat_ratings"))
    shot(page, screenshot_dir, "4-month-report")

    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert download.suggested_filename == "定星核算-2026-10.csv"
    assert target.read_bytes().startswith(b"\xef\xbb\xbf") and "ZW8001" in target.read_text("utf-8-sig")

    page.goto(f"{live_server}/console/reports/quarter?quarter=2026Q4")
    shot(page, screenshot_dir, "5-quarter")

    page.click("text=装维人员")
    page.fill("#q", "ZW8001")
    page.click("#search")
    page.wait_for_url(re.compile(r"/console/technicians/ZW8001"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("input[name=reason]", "工牌遗失")
    page.click("#rotate")
    page.wait_for_selector(".flash.ok")
    assert "第 2 版" in page.inner_text(".flash.ok")
    new_token = page.inner_text("#badge-token")
    assert new_token != scene["badge_token"]
    shot(page, screenshot_dir, "6-technician")
    old = page.request.get(f"{live_server}/b/{scene['badge_token']}")
    assert old.status == 410

    csv = tmp_path / "accounts.csv"
    csv.write_text("account_no,holder_name,phone,address,area\n"
                   "0352999001,周一,13900001111,迎宾街1号,城区营业部\n"
                   "0352999002,吴二,not-a-phone,迎宾街2号,城区营业部\n", encoding="utf-8")
    page.click("text=数据导入")
    page.select_option("#kind", "accounts")
    page.set_input_files("#file", str(csv))
    page.click("#upload")
    page.wait_for_selector("#import-summary")
    assert page.inner_text("#created") == "1" and page.inner_text("#rejected") == "1"
    assert page.inner_text("#progress-label") == "完成"
    shot(page, screenshot_dir, "7-import")

    page.click("text=操作日志")
    assert "更换工牌" in page.inner_text("#audit-table") and "下载" in page.inner_text("#audit-table")
    shot(page, screenshot_dir, "8-audit")
    page.click("#logout")
    page.wait_for_url(re.compile(r"/console/login"))


def test_a_second_offence_suspends_until_a_manager_lifts_it(app, live_server, desk, phone, scene,
                                                           screenshot_dir):
    """October's ring confirmed, then a November fake: offence 2, 待岗培训 — the badge says so,
    the console shows it, the manager lifts it and the badge works again."""
    with app.app_context():
        ctx = fraud_service.Context(by="demo-auditor", tz_name=app.config["TIMEZONE"])
        (october,) = fraud_service.list_cases(status="open").items
        fraud_service.decide_case(case_id=october.id, decision="confirmed", note="客户否认",
                                  ctx=ctx)
        tech = db.session.scalar(select(Technician).where(Technician.employee_no == "ZW8001"))
        done = datetime(2026, 11, 12, 2, tzinfo=timezone.utc)
        order = factories.order(technician=tech, completed_at=done)
        rater = WeChatUser(token_version=0)
        db.session.add(rater)
        db.session.flush()
        db.session.add(Rating(order_id=order.id, technician_id=tech.id, user_id=rater.id, stars=5,
                              tags=[], comment="好", channel="h5",
                              created_at=done - timedelta(hours=3)))
        db.session.flush()
        fraud_service.scan_month(month="2026-11", **fraud_service.settings(app.config))
        (november,) = fraud_service.list_cases(status="open").items
        db.session.commit()
        november_id = november.id

    page = desk
    sign_in(page, live_server, "demo-auditor")
    page.wait_for_url(re.compile(r"/console/cases$"))
    page.goto(f"{live_server}/console/cases/{november_id}")
    assert "第 2 次违规：罚款 1,000 元，待岗培训 30 天" in page.inner_text("#preview")
    shot(page, screenshot_dir, "9-second-offence-preview")
    page.fill("#note", "回访客户，客户否认评价过")
    page.click("#confirm")
    page.wait_for_selector(".flash.ok")
    assert "待岗培训" in page.inner_text(".flash.ok")

    phone.goto(f"{live_server}/b/{scene['badge_token']}")
    assert "待岗培训" in phone.inner_text("body") and phone.locator("#suspended-until").count() == 1
    assert phone.locator("#rate").count() == 0 and "工牌有效" not in phone.inner_text("body")
    phone.screenshot(path=os.path.join(screenshot_dir, "badge-suspended.png"), full_page=True)

    page.click("#logout")
    sign_in(page, live_server, "demo-manager")
    page.goto(f"{live_server}/console/technicians/ZW8001")
    assert "待岗培训至" in page.inner_text("#technician-status")
    shot(page, screenshot_dir, "10-technician-suspended")
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill(".suspension-form input[name=reason]", "培训考核通过，提前复岗")
    page.click(".suspension-form button[value=lift]")
    page.wait_for_selector(".flash.ok")
    assert "已解除" in page.inner_text(".flash.ok")
    assert page.inner_text("#technician-status") == "在岗"
    assert page.request.get(f"{live_server}/b/{scene['badge_token']}").status == 200
