"""Every customer page in a real Chromium at a phone's size, in WeChat's browser: what the issue
"customer pages a customer trusts" promises, and axe-core's accessibility check on each page.

Screenshots go to $SCREENSHOT_DIR when set (look at them).
"""
from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

from app.badge import photos
from app.badge import service as badges
from app.db import utcnow
from app.extensions import db
from app.identity.models import AccountBinding, WeChatUser
from app.identity.sms import get_sms_backend
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating, RecoveryTask

pytestmark = pytest.mark.real_commits

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def scene(app, live_server, wechat):
    """A technician, a customer's account with three orders (two to rate, one out of the
    window), and someone else's account and order."""
    app.config["PUBLIC_BASE_URL"] = live_server      # OAuth and photo links come back here
    with app.app_context():
        tech = Technician(employee_no="E2E16", name="王建国", phone="13800000001",
                          team="城东装维班", area="城区营业部", vendor="自营", status="active")
        mine = BroadbandAccount(account_no="03521234567", holder_name="李娜", phone="13512342959",
                                address="迎宾街8号3栋2单元501室", area="城区营业部")
        theirs = BroadbandAccount(account_no="03527654321", holder_name="赵强",
                                  phone="13600001111", address="府西街3号", area="城区营业部")
        done = utcnow() - timedelta(hours=2)

        def order(no, account, completed):
            return WorkOrder(order_no=no, account=account, technician=tech, order_type="install",
                             product="broadband", area="城区营业部",
                             created_at=completed - timedelta(hours=3), completed_at=completed,
                             status="completed")
        db.session.add_all([tech, mine, theirs, order("E2E-A", mine, done),
                            order("E2E-B", mine, done - timedelta(hours=1)),
                            order("E2E-OLD", mine, done - timedelta(days=9)),
                            order("E2E-THEIRS", theirs, done)])
        db.session.flush()
        photos.set_photo(technician=tech, raw=portrait(), by="e2e")
        token = badges.badge_token(badges.get_or_create_badge(tech))
        db.session.commit()
    yield token
    app.config["PUBLIC_BASE_URL"] = "http://rating.test"


def portrait() -> bytes:
    """A stand-in portrait photo: head and shoulders on a light background."""
    image = Image.new("RGB", (600, 800), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 520, 540, 1000), fill=(40, 80, 140))          # shoulders, work shirt
    draw.ellipse((190, 170, 410, 430), fill=(236, 196, 160))        # face
    draw.pieslice((180, 140, 420, 380), 180, 360, fill=(40, 32, 28))  # hair
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def shoot(page, screenshot_dir, name):
    page.screenshot(path=os.path.join(screenshot_dir, f"customer-{name}.png"), full_page=True)


def serious_violations(page) -> list[str]:
    """axe-core (WCAG 2 A/AA and best practices) run in the page: serious or critical only."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run bin/setup (it runs npm ci in tests/e2e)")
    # Evaluated through the DevTools protocol: the page's own CSP (no foreign inline scripts)
    # rightly refuses a script tag the test would add.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check(page, screenshot_dir, name):
    """Screenshot, then: Chinese only, a way on (the hotline), and no serious axe finding."""
    shoot(page, screenshot_dir, name)
    text = page.inner_text("body")
    assert re.findall(r"[A-Za-z]{3,}", text) == [], (name, text)
    assert page.locator('a[href^="tel:"]').count() >= 1, name
    assert serious_violations(page) == [], name


def sign_in(app, page, live_server, simulator, who: str):
    """Through WeChat web OAuth (the simulator) as demo person `who`; returns the user id."""
    page.context.add_cookies([{"name": "sim_user", "value": who, "url": simulator.base_url}])
    page.goto(f"{live_server}/h5/login?next=/h5/bindings")
    assert page.url.split("#")[0] == f"{live_server}/h5/bindings", page.url
    with app.app_context():
        return db.session.scalar(select(WeChatUser.id).order_by(WeChatUser.id.desc()).limit(1))


def bind_directly(app, user_id: int, account_no: str) -> None:
    with app.app_context():
        account = db.session.scalar(select(BroadbandAccount)
                                    .where(BroadbandAccount.account_no == account_no))
        db.session.add(AccountBinding(user_id=user_id, account_id=account.id, method="sms"))
        db.session.commit()


def test_scan_bind_with_countdown_rate_and_thanks(app, live_server, phone, scene, wechat,
                                                  screenshot_dir):
    page = phone
    page.goto(f"{live_server}/b/{scene}")
    assert page.inner_text("#technician-name") == "王建国"
    photo = page.locator(".avatar img")
    assert photo.get_attribute("alt") == "装维人员王建国的照片"
    assert page.evaluate("img => img.naturalWidth", photo.element_handle()) > 0   # it loaded
    check(page, screenshot_dir, "01-badge-landing")
    page.goto(f"{live_server}/b/{scene}/card.png")
    page.screenshot(path=os.path.join(screenshot_dir, "customer-01b-card.png"))
    page.goto(f"{live_server}/b/{scene}")

    page.click("#rate")                                   # OAuth → no binding yet → bind page
    page.wait_for_url(re.compile(r"/h5/bind"))
    check(page, screenshot_dir, "02-bind")
    page.fill("#account_no", "03521234567")
    page.click("#send")
    page.wait_for_selector("#sms_code")
    assert page.inner_text("#masked-phone") == "135****2959"
    resend = page.locator("#resend")
    assert resend.is_disabled() and re.search(r"（(\d+) 秒）", resend.inner_text())
    first = int(re.search(r"（(\d+) 秒）", resend.inner_text()).group(1))
    assert 55 <= first <= 60
    page.wait_for_function(                                # it counts down on its own
        "n => /（(\\d+) 秒）/.exec(document.getElementById('resend').textContent)[1] < n",
        arg=first)
    check(page, screenshot_dir, "03-sms-code-sent")
    with app.app_context():
        code = re.search(r"验证码 (\d{6})", get_sms_backend().outbox[-1].text).group(1)
    page.fill("#sms_code", code)
    page.click("#bind")

    # Two orders of this technician to rate: the pick page, with the bind confirmation.
    page.wait_for_url(re.compile(rf"/b/{scene}/rate"))
    assert "绑定成功" in page.inner_text("#flash")
    check(page, screenshot_dir, "04-pick")
    page.locator(".order").first.click()

    page.wait_for_url(re.compile(r"/h5/orders/E2E-A/rate"))
    radios = page.locator("input[name=stars]")
    assert radios.count() == 5
    assert all(not radios.nth(i).is_checked() for i in range(5))     # nothing chosen for them
    assert page.locator("#submit").is_disabled()
    assert "请先选择星级" in page.inner_text("#submit-hint")
    assert page.inner_text("#technician-name") == "王建国"
    check(page, screenshot_dir, "05-form-untouched")
    page.click("label[for=star-4]")
    assert not page.locator("#submit").is_disabled()
    assert page.inner_text("#star-text") == "4 星 · 满意"
    page.click("text=准时上门")
    page.fill("#comment", "师傅很专业，讲解耐心 👍")
    check(page, screenshot_dir, "06-form-filled")
    page.click("#submit")

    page.wait_for_selector("#thanks")
    assert "感谢您的评价" in page.inner_text("#thanks")
    check(page, screenshot_dir, "07-thanks-4-stars")
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.stars, rating.tags, rating.channel) == (4, ["on_time"], "h5")


def test_one_star_meets_care_and_the_rated_order_shows_no_form(app, live_server, phone, scene,
                                                               simulator, screenshot_dir):
    page = phone
    user_id = sign_in(app, page, live_server, simulator, "lina")
    bind_directly(app, user_id, "03521234567")
    page.goto(f"{live_server}/h5/orders/E2E-B/rate")
    page.click("label[for=star-1]")
    assert page.is_visible("text=态度差") and not page.is_visible("text=准时上门")
    page.click("text=问题未解决")
    page.fill("#comment", "装完第二天就断网")
    page.click("#submit")

    page.wait_for_selector("#recovery")
    with app.app_context():
        task = db.session.scalar(select(RecoveryTask))
    assert page.inner_text("#recovery-number") == str(task.id)
    assert "前致电您" in page.inner_text("#recovery-when")
    assert "很抱歉" in page.inner_text("#thanks") and "🎉" not in page.inner_text("body")
    check(page, screenshot_dir, "08-thanks-1-star")

    # The wording comes from the stored rating, not from the address.
    page.goto(f"{live_server}/h5/orders/E2E-B/thanks?stars=5")
    assert "很抱歉" in page.inner_text("#thanks")

    # Coming back: the rating given, no form to fill again, a follow-up allowed once.
    page.goto(f"{live_server}/h5/orders/E2E-B/rate")
    assert "您已评价过这次服务" in page.inner_text("#already-rated")
    assert "1 星" in page.inner_text("#given-stars") and "问题未解决" in page.inner_text("#given-tags")
    assert page.locator("input[name=stars]").count() == 0
    check(page, screenshot_dir, "09-already-rated")
    page.fill("#follow-up-text", "第三天师傅上门修好了")
    page.click("#follow-up-submit")
    page.wait_for_selector("#follow-up-comment")
    assert page.locator("#follow-up-form").count() == 0
    check(page, screenshot_dir, "10-follow-up")

    page.goto(f"{live_server}/h5/orders/E2E-OLD/rate")
    assert "评价已截止" in page.inner_text("#message-title")
    check(page, screenshot_dir, "11-window-closed")


def test_an_unbound_user_sees_nothing_of_the_order(app, live_server, phone, scene, simulator,
                                                    screenshot_dir):
    page = phone
    user_id = sign_in(app, page, live_server, simulator, "nosy")
    bind_directly(app, user_id, "03521234567")          # bound, but not to E2E-THEIRS' account
    response = page.goto(f"{live_server}/h5/orders/E2E-THEIRS/rate")
    text = page.inner_text("body")
    assert response.status == 404 and "未找到可评价的服务" in text
    for secret in ("王建国", "03527654321", "府西街", "装机", "E2E-THEIRS"):
        assert secret not in text
    assert page.locator("input[name=stars]").count() == 0
    check(page, screenshot_dir, "12-not-your-order")
    response = page.goto(f"{live_server}/h5/orders/NO-SUCH-ORDER/rate")
    assert response.status == 404 and page.inner_text("body") == text


def test_error_and_account_pages(app, live_server, phone, scene, simulator, screenshot_dir):
    page = phone
    page.goto(f"{live_server}/")
    assert "扫一扫" in page.inner_text("body")
    check(page, screenshot_dir, "13-home")

    response = page.goto(f"{live_server}/no/such/page")
    assert response.status == 404 and "页面不存在" in page.inner_text("#error-title")
    assert page.locator("#next-home").count() == 1
    check(page, screenshot_dir, "14-error-404")

    with app.app_context():
        tech = db.session.scalar(select(Technician).where(Technician.employee_no == "E2E16"))
        badges.rotate_badge(technician=tech)
        db.session.commit()
    response = page.goto(f"{live_server}/b/{scene}")
    assert response.status == 410 and "此工牌已更换" in page.inner_text("#badge-status")
    check(page, screenshot_dir, "15-badge-replaced")
    response = page.goto(f"{live_server}/b/{scene[:-2]}AA")
    assert response.status == 404
    check(page, screenshot_dir, "16-badge-unknown")

    user_id = sign_in(app, page, live_server, simulator, "mum")
    bind_directly(app, user_id, "03521234567")
    page.goto(f"{live_server}/h5/me")
    assert page.inner_text("#binding-count") == "1"
    check(page, screenshot_dir, "16b-me")
    page.goto(f"{live_server}/h5/bindings")
    assert "035****567" in page.inner_text("#bindings")
    check(page, screenshot_dir, "17-bindings")
    page.click(".unbind")
    assert "035****567" in page.inner_text("#unbind-account")
    check(page, screenshot_dir, "18-unbind-confirm")
    page.click("#confirm-unbind")
    page.wait_for_selector("#no-bindings")
    assert "已解除绑定" in page.inner_text("#flash")
    check(page, screenshot_dir, "19-unbound")


def test_sms_link_outside_wechat(app, live_server, browser, scene, admin_key_for_e2e,
                                 screenshot_dir):
    """A plain phone browser (no WeChat) opening the SMS link proves the phone by SMS code."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        import requests
        link = requests.get(f"{live_server}/api/v1/admin/orders/E2E-A/sms-link",
                            headers={"Authorization": f"Bearer {admin_key_for_e2e}"},
                            timeout=5).json()["url"]
        page.goto(link)
        page.wait_for_url(re.compile(r"/verify$"))
        assert page.inner_text("#phone") == "135****2959"
        check(page, screenshot_dir, "20-sms-link-verify")
        page.click("#send")
        page.wait_for_selector("#sms_code")
        assert page.inner_text("#masked-phone") == "135****2959"
        assert page.locator("#resend").is_disabled()
        check(page, screenshot_dir, "21-sms-link-code-sent")
    finally:
        context.close()


@pytest.fixture
def admin_key_for_e2e(app):
    from app.auth.service import create_api_key
    with app.app_context():
        _, raw = create_api_key(role="admin", name="e2e admin")
        db.session.commit()
    return raw


def test_the_form_works_with_the_keyboard_alone(app, live_server, phone, scene, simulator):
    """Tab to the stars, choose with the arrow keys, tick a tag with the space bar, submit with
    Enter: no control needs a pointer."""
    page = phone
    user_id = sign_in(app, page, live_server, simulator, "keys")
    bind_directly(app, user_id, "03521234567")
    page.goto(f"{live_server}/h5/orders/E2E-A/rate")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "stars":
            break
    assert page.evaluate("document.activeElement.id") == "star-1"
    page.keyboard.press("ArrowRight")            # radio groups move with the arrows
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#star-5") and page.inner_text("#star-text") == "5 星 · 非常满意"
    page.keyboard.press("Tab")                   # the first tag that fits 5 stars
    assert page.evaluate("document.activeElement.name") == "tags"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.name") == "tags":
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.keyboard.type("键盘也能评价")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_selector("#thanks")
    with app.app_context():
        rating = db.session.scalar(select(Rating))
        assert (rating.stars, rating.tags, rating.comment) == (5, ["on_time"], "键盘也能评价")
