"""A technician's own month in the mini-program API and on the H5 page."""
from datetime import timedelta

from app.identity.decorators import H5_SESSION_USER
from tests import factories
from tests.reports.conftest import OCT_START, rating, technician_headers, wechat_user
from app.extensions import db
from app.identity.models import TechnicianBinding


def _month(tech):
    wechat = factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    rating(wechat, 5)
    ivr = factories.order(technician=tech, completed_at=OCT_START + timedelta(days=2),
                          product="landline")
    factories.callback(ivr, channel="ivr", result="dissatisfied")
    repair = factories.order(technician=tech, completed_at=OCT_START + timedelta(days=3),
                             order_type="repair")
    other = factories.order(completed_at=OCT_START + timedelta(days=3))   # someone else's
    return wechat, ivr, repair, other


def test_technician_sees_own_orders_sources_ledger_and_grade(client):
    tech = factories.technician()
    wechat, ivr, repair, other = _month(tech)
    response = client.get("/api/v1/technician/reports/monthly?month=2026-10",
                          headers=technician_headers(tech))
    assert response.status_code == 200, response.json
    body = response.json
    lines = {l["order_no"]: l for l in body["lines"] if l["component"] == "install"}
    assert set(lines) == {wechat.order_no, ivr.order_no, repair.order_no}
    assert (lines[wechat.order_no]["stars"], lines[wechat.order_no]["source"]) == (5, "wechat")
    assert (lines[ivr.order_no]["stars"], lines[ivr.order_no]["source"]) == (1, "ivr")
    assert lines[repair.order_no]["amount"] == "0.00"
    assert body["components"]["install"] == "43.00"        # 40 + 3 + 0
    assert body["summary"]["install_pay"] == "43.00"
    # the repair pays maintenance: broadband 15 × score 44 ÷ 100 — the score loses
    # floor((0.90 − 1/3) × 100) = 56 points for one satisfied order of three star-rated ones
    assert body["components"]["maintenance"] == "6.60"
    assert body["total"] == "49.60"
    assert body["grade"]["quarter"] == "2026Q4" and "grade" in body["grade"]
    assert other.order_no not in lines


def test_customers_cannot_see_a_technician_month(client):
    from tests.conftest import TEST_SECRET
    from app.identity.tokens import issue_token
    user = wechat_user()
    headers = {"Authorization": f"Bearer {issue_token(TEST_SECRET, user.id, 0)}"}
    response = client.get("/api/v1/technician/reports/monthly?month=2026-10", headers=headers)
    assert response.status_code == 403
    assert client.get("/api/v1/technician/reports/monthly?month=2026-10").status_code == 401


def test_h5_page_shows_the_month(client):
    tech = factories.technician(name="李师傅")
    wechat, ivr, repair, _ = _month(tech)
    user = wechat_user()
    db.session.add(TechnicianBinding(user_id=user.id, technician_id=tech.id, phone=tech.phone))
    db.session.flush()
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [user.id, user.token_version]
    page = client.get("/h5/technician/report?month=2026-10")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李师傅" in html and wechat.order_no in html and "IVR回访" in html
    assert "¥43.00" in html and "2026Q4" in html
    assert 'href="?month=2026-09"' in html and 'href="?month=2026-11"' in html


def test_h5_page_needs_login_and_a_technician(client):
    assert client.get("/h5/technician/report").status_code == 302
    user = wechat_user()
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [user.id, user.token_version]
    assert client.get("/h5/technician/report").status_code == 403


def test_own_month_has_pay_score_penalties_with_reasons_and_rank(client):
    from app.masterdata.models import Penalty, Urge
    tech = factories.technician()
    _month(tech)
    late = factories.order(technician=tech, order_type="repair", product="iptv",
                           created_at=OCT_START + timedelta(days=4),
                           completed_at=OCT_START + timedelta(days=6, hours=1))   # 25 h late
    db.session.add(Urge(order_id=late.id, urged_at=late.created_at + timedelta(hours=30),
                        cause="overdue", appointment_recorded=False))
    db.session.add(Penalty(natural_key="k1", kind="complaint", technician_id=tech.id,
                           amount_fen=5000, occurred_at=OCT_START + timedelta(days=8),
                           note="越级投诉：多次未按约上门"))
    db.session.flush()
    body = client.get("/api/v1/technician/reports/monthly?month=2026-10",
                      headers=technician_headers(tech)).json
    pay = body["pay"]
    # overdue: one full day late = 20; urge without a recorded appointment = 30; complaint 50
    assert pay["penalties"] == {"overdue": "20.00", "urge": "30.00", "false_closure": "0.00",
                                "fraud": "0.00", "complaint": "50.00", "other": "0.00"}
    items = {i["item"]: i for i in pay["assessment"]["items"]}
    # star-rated: 5★ wechat, 1★ ivr, 3★ default repair, 3★ default repair → 1 of 4 satisfied:
    # −floor((0.90 − 0.25) × 100) = −65; urged repairs 1 of 2 = 50 %: −floor(45) = −45
    assert items["satisfaction"]["points"] == -65 and items["urge_rate"]["points"] == -45
    assert pay["assessment_score"] == 0
    reasons = [l for l in body["lines"] if l["amount_fen"] < 0]
    assert {l["component"] for l in reasons} == {"overdue", "urge", "complaint"}
    assert next(l for l in reasons if l["component"] == "complaint")["detail"]["note"] \
        == "越级投诉：多次未按约上门"
    assert body["total_fen"] == pay["total_pay_fen"]
    # the rank is published with the month's close
    assert body["rank"]["published"] is False and body["rank"]["rank"] is None
    from app.reports import service
    from app.reports.tariff import parse_tariff
    from tests.reports.conftest import NOW
    service.close_month(month="2026-10", by="x", tariff=parse_tariff(), tz_name="Asia/Shanghai",
                        now=NOW)
    closed = client.get("/api/v1/technician/reports/monthly?month=2026-10",
                        headers=technician_headers(tech)).json["rank"]
    assert closed["published"] and closed["rank"] >= 1 and closed["ranked"] >= 2


def test_h5_page_shows_pay_score_penalties_and_rank(client):
    tech = factories.technician(name="赵师傅")
    _month(tech)
    user = wechat_user()
    db.session.add(TechnicianBinding(user_id=user.id, technician_id=tech.id, phone=tech.phone))
    db.session.flush()
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [user.id, user.token_version]
    html = client.get("/h5/technician/report?month=2026-10").get_data(as_text=True)
    for text in ("本月酬金", "个人实际收入", "当月考核得分", "服务满意度", "本月排名", "月结后公布"):
        assert text in html
