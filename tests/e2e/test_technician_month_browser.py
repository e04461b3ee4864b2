"""A technician on the phone: WeChat sign-in through the simulator, then their own month — pay,
score item by item, penalties with reasons, rank — with a screenshot."""
import os
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import TechnicianBinding, WeChatIdentity
from app.masterdata.models import Penalty, Technician
from app.reports import service
from app.reports.tariff import parse_tariff
from tests.reports.conftest import NOW, OCT_START
from tests.reports.pay_world import pay_world

pytestmark = pytest.mark.real_commits


@pytest.fixture
def scene(app, live_server, wechat):
    app.config["PUBLIC_BASE_URL"] = live_server
    with app.app_context():
        techs = pay_world(601, technicians=8, orders=200)
        tech = techs[3]
        db.session.add(Penalty(natural_key="e2e-complaint", kind="complaint",
                               technician_id=tech.id, amount_fen=10000,
                               occurred_at=OCT_START + timedelta(days=9),
                               note="越级投诉：未按约上门"))
        service.close_month(month="2026-10", by="e2e", tariff=parse_tariff(),
                            tz_name="Asia/Shanghai", now=NOW)    # the rank is published
        db.session.commit()
        employee_no = tech.employee_no
    yield employee_no
    app.config["PUBLIC_BASE_URL"] = "http://rating.test"


def test_technician_reads_own_month_on_the_phone(app, live_server, phone, scene, screenshot_dir):
    page = phone
    page.goto(f"{live_server}/h5/technician/report?month=2026-10")   # → OAuth → back
    page.wait_for_url(re.compile(r"/h5/technician/report"))
    assert "装维人员" in page.inner_text("body")                     # not bound yet: refused
    with app.app_context():
        identity = db.session.scalars(select(WeChatIdentity).order_by(WeChatIdentity.id.desc())).first()
        tech = db.session.scalar(select(Technician).where(Technician.employee_no == scene))
        db.session.add(TechnicianBinding(user_id=identity.user_id, technician_id=tech.id,
                                         phone=tech.phone))
        db.session.commit()
    page.reload()
    page.wait_for_selector("#my-pay")
    assert re.search(r"¥-?\d+\.\d\d", page.inner_text("#total-pay"))
    assert "当月考核得分" in page.inner_text("#my-score")
    assert "越级投诉：未按约上门" in page.inner_text("#my-penalties")
    assert re.search(r"第 \d+ / \d+ 名", page.inner_text("#my-rank"))
    page.screenshot(path=os.path.join(screenshot_dir, "h5-technician-month.png"), full_page=True)
