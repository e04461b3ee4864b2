"""The monthly bulletin: one WeChat message per technician per close, through the real gateway to
the loopback simulator — sent once, retried when it surely failed, never twice."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import TechnicianBinding, WeChatIdentity
from app.reports import bulletins, service
from app.reports.models import Bulletin
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports.conftest import NOW, OCT_START, rating, wechat_user

TZ = "Asia/Shanghai"
T = parse_tariff()


def bound(tech, app_name="mp"):
    user = wechat_user()
    db.session.add(TechnicianBinding(user_id=user.id, technician_id=tech.id, phone=tech.phone))
    db.session.add(WeChatIdentity(user_id=user.id, app=app_name, appid=f"wx_{app_name}",
                                  openid=f"o{app_name}_{tech.employee_no}"))
    db.session.flush()


def crew(n=4, unbound=1):
    techs = []
    for i in range(n):
        tech = factories.technician()
        for d in range(i + 1):
            rating(factories.order(technician=tech, completed_at=OCT_START + timedelta(days=d)),
                   5 - i % 3)
        techs.append(tech)
    for tech in techs[:n - unbound]:
        bound(tech)
    return techs


def close(**kw):
    return service.close_month(month="2026-10", by="经理", tariff=T, tz_name=TZ, now=NOW, **kw)


def send(app):
    return app.test_cli_runner().invoke(args=["reports", "send-bulletins", "--month", "2026-10"])


def statuses():
    return sorted(db.session.scalars(select(Bulletin.status)))


def test_each_technician_gets_one_bulletin_with_score_rank_and_pay(app, wechat):
    techs = crew()
    version = close()
    assert version.bulletins_queued == 4 and statuses() == ["pending"] * 4
    result = send(app)
    assert result.exit_code == 0, result.output
    assert "3 sent" in result.output and "1 no_recipient" in result.output
    messages = wechat.get("/__sim/messages")["items"]
    assert len(messages) == 3 and {m["kind"] for m in messages} == {"subscribe"}
    sheet = {i["employee_no"]: i for i in service.pay_sheet(month="2026-10", tariff=T,
                                                             tz_name=TZ)["items"]}
    ranks = {i["employee_no"]: i["rank"] for i in service.monthly_ranking(
        month="2026-10", tariff=T, tz_name=TZ)["items"]}
    for m in messages:
        employee_no = m["touser"].split("_", 1)[1]
        data = {k: v["value"] for k, v in m["data"].items()}
        assert data["thing1"] == "2026-10 月度考核结果"
        assert data["number2"] == str(sheet[employee_no]["assessment_score"])
        assert data["character_string3"] == f"第{ranks[employee_no]}/4名"
        assert data["amount4"] == f"¥{sheet[employee_no]['total_pay']}"
        assert m["page"] == "pages/month/index?month=2026-10"
    again = send(app)
    assert "0 sent" in again.output
    assert len(wechat.get("/__sim/messages")["items"]) == 3          # never twice
    assert techs[-1].id in set(db.session.scalars(
        select(Bulletin.technician_id).where(Bulletin.status == "no_recipient")))


def test_official_account_followers_get_a_template_message_to_the_h5_page(app, wechat):
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    bound(tech, "oa")
    close()
    assert "1 sent" in send(app).output
    [sent] = wechat.get("/__sim/messages")["items"]
    assert sent["kind"] == "template"
    assert sent["url"].endswith("/h5/technician/report?month=2026-10")


def test_a_busy_platform_is_retried_a_refusal_is_not(app, wechat):
    crew(3, unbound=0)
    close()
    wechat.post("/__sim/faults", path="cgi-bin/message/subscribe/send", errcode=-1, times=1)
    first = send(app)
    assert "2 sent" in first.output and "1 pending" in first.output
    assert "1 sent" in send(app).output
    assert statuses() == ["sent"] * 3
    assert len(wechat.get("/__sim/messages")["items"]) == 3


def test_refused_and_exhausted_bulletins_fail_for_good(app, wechat):
    crew(2, unbound=0)
    close()
    wechat.post("/__sim/faults", path="cgi-bin/message/subscribe/send", errcode=43101, times=1)
    wechat.post("/__sim/faults", path="cgi-bin/message/subscribe/send", errcode=45009, times=50)
    app.config["BULLETIN_MAX_ATTEMPTS"] = 2
    try:
        first = send(app).output            # refused: failed; over quota: tried again later
        assert "1 pending, 1 failed" in first
        assert "0 pending, 1 failed" in send(app).output   # the second attempt was the last
    finally:
        app.config["BULLETIN_MAX_ATTEMPTS"] = 5
    assert statuses() == ["failed", "failed"]
    assert {b.attempts for b in db.session.scalars(select(Bulletin))} == {1, 2}
    assert wechat.get("/__sim/messages")["items"] == []
    assert "0 sent" in send(app).output


def test_a_claimed_bulletin_cannot_be_claimed_again():
    crew(1, unbound=0)
    close()
    [bulletin_id] = bulletins.pending_ids(month="2026-10")
    assert bulletins.claim(bulletin_id) and not bulletins.claim(bulletin_id)
    assert bulletins.pending_ids(month="2026-10") == []


def test_a_recompute_announces_again_only_what_changed(app, wechat):
    techs = crew(3, unbound=0)
    close()
    assert "3 sent" in send(app).output
    # the last in rank gets a late 5★ order: a better score and pay, the same rank, nobody moves
    late = factories.order(technician=techs[2], completed_at=OCT_START + timedelta(days=9))
    rating(late, 5)
    second = close(recompute=True)
    assert second.bulletins_queued == 1
    assert "1 sent" in send(app).output
    messages = wechat.get("/__sim/messages")["items"]
    assert len(messages) == 4
    assert messages[-1]["data"]["thing1"]["value"] == "2026-10 月度考核结果（更正）"
    assert messages[-1]["touser"].endswith(techs[2].employee_no)


@pytest.mark.parametrize("payload, standing", [
    ({"star": True, "bottom": False}, "月度服务明星"),
    ({"star": False, "bottom": True}, "排名末位，请关注考核扣分项"),
])
def test_message_says_where_the_technician_stands(payload, standing):
    data = bulletins.message({"month": "2026-10", "assessment_score": 97.5, "rank": 3,
                              "ranked": 40, "total_pay": "1234.50", **payload})
    assert data == {"thing1": "2026-10 月度考核结果", "number2": "97.5",
                    "character_string3": "第3/40名", "amount4": "¥1234.50", "thing5": standing}


def test_bulletin_list_api(app, client, auditor_headers, wechat):
    crew(2, unbound=1)
    close()
    send(app)
    body = client.get("/api/v1/admin/reports/bulletins?month=2026-10",
                      headers=auditor_headers).json
    assert body["counts"] == {"sent": 1, "no_recipient": 1}
    assert [i["status"] for i in body["items"]] in (["sent", "no_recipient"],
                                                    ["no_recipient", "sent"])
    assert all(i["payload"]["month"] == "2026-10" for i in body["items"])
