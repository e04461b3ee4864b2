"""The review queue of cases, a case's page with its preview, one decision for the case, a
manager's reversal, the logged phone reveal; a single flag's page; callback samples."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.console.models import AuditEntry
from app.extensions import db
from app.fraud import service as fraud_service
from app.fraud.models import FraudCase, FraudFlag, FraudOffence
from app.masterdata.models import TechnicianSuspension
from app.rating.models import Rating
from tests import factories

NOTE = "回访客户，客户否认评价过"


def audit_actions():
    return db.session.scalars(select(AuditEntry.action)).all()


def test_queue_lists_cases_and_filters(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    page = auditor.get("/console/cases").get_data(as_text=True)
    tech = flagged_ring["technician"]
    assert page.count(f'class="case-link">案件 #{flagged_ring["case"].id}') == 1
    assert tech.employee_no in page and '<td class="num">4</td>' in page
    assert "一个微信评价多个账号" in page and "评价内容雷同" in page
    assert '<b id="open-count">1</b>' in page and '<b id="open-flags">4</b>' in page
    none = auditor.get("/console/cases?detector=shared_device&team=nowhere").get_data(as_text=True)
    assert "没有符合条件的案件" in none
    old = auditor.get("/console/flags?team=x")
    assert old.status_code == 302 and old.headers["Location"] == "/console/cases?team=x"


def test_case_page_shows_everything_and_previews_the_consequence(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    case = flagged_ring["case"]
    page = auditor.get(f"/console/cases/{case.id}").get_data(as_text=True)
    for r in flagged_ring["ratings"]:
        assert r.order.account.account_no in page
        assert f'name="rating_ids" value="{r.id}"' in page
    assert page.count("<blockquote") == 4 and '<svg class="chart"' in page
    assert "评价人A（微信 · 139****" in page and "1 − ∏" in page
    assert "第 1 次违规：罚款 5,000 元，2026-10 取消定星" in page      # the preview
    assert 'id="confirm"' in page and 'id="dismiss"' in page and 'id="preview-button"' in page
    # Presence per rating (issue 18's evidence): none of the ring scanned the live badge.
    assert "<th>在场扫码</th>" in page and page.count(">未扫码</span>") == 4
    # Looking changed nothing.
    assert db.session.get(FraudCase, case.id).status == "open"
    assert db.session.scalar(select(FraudOffence.id)) is None
    assert all(db.session.get(Rating, r.id).voided_at is None for r in flagged_ring["ratings"])


def test_one_decision_confirms_the_ticked_and_dismisses_the_rest(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    case = flagged_ring["case"]
    ticked = [r.id for r in flagged_ring["ratings"][:2]]
    preview = auditor.post(f"/console/cases/{case.id}/preview",
                           {"rating_ids": [str(i) for i in ticked], "expected_status": "open"})
    assert preview.status_code == 200 and "作废 2 条评价" in preview.get_data(as_text=True)
    refused = auditor.post(f"/console/cases/{case.id}/decision",
                           {"decision": "confirmed", "rating_ids": [str(i) for i in ticked]})
    assert refused.status_code == 422 and "必须写明依据" in refused.get_data(as_text=True)

    response = auditor.post(f"/console/cases/{case.id}/decision", {
        "decision": "confirmed", "note": NOTE, "rating_ids": [str(i) for i in ticked],
        "expected_status": "open", "version": str(case.version)})
    assert response.status_code == 302 and response.headers["Location"] == "/console/cases"
    db.session.expire_all()
    statuses = {f.rating_id: f.status for f in db.session.scalars(select(FraudFlag))}
    assert sorted(i for i, s in statuses.items() if s == "confirmed") == sorted(ticked)
    assert sum(1 for s in statuses.values() if s == "dismissed") == 2
    (offence,) = db.session.scalars(select(FraudOffence)).all()
    assert (offence.offence_no, offence.fine, sorted(offence.rating_ids)) == (1, 5000, sorted(ticked))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case_confirmed"))
    assert entry.actor == auditor.user.username and entry.details["note"] == NOTE
    follow = auditor.get(response.headers["Location"]).get_data(as_text=True)
    assert "已确认为虚假评价" in follow and "已已" not in follow
    assert "第 1 次违规：罚款 5,000 元" in follow                     # the flash says what it did


def test_a_stale_page_cannot_decide(sign_in, flagged_ring):
    first, second = sign_in("auditor"), sign_in("auditor")
    case = flagged_ring["case"]
    seen = {"expected_status": "open", "version": str(case.version)}
    assert first.post(f"/console/cases/{case.id}/decision",
                      {"decision": "dismissed", **seen}).status_code == 302
    late = second.post(f"/console/cases/{case.id}/decision",
                       {"decision": "confirmed", "note": NOTE, **seen})
    assert late.status_code == 409 and "刷新" in late.get_data(as_text=True)
    assert audit_actions().count("case_dismissed") == 1 and "case_confirmed" not in audit_actions()


def test_managers_reverse_and_lift_auditors_cannot(sign_in, flagged_ring, app):
    auditor, manager = sign_in("auditor"), sign_in("manager")
    case, tech = flagged_ring["case"], flagged_ring["technician"]
    everything = [str(r.id) for r in flagged_ring["ratings"]]
    assert auditor.post(f"/console/cases/{case.id}/decision", {
        "decision": "confirmed", "note": NOTE, "rating_ids": everything}).status_code == 302
    page = manager.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert 'id="reverse-form"' in page and 'id="decide-form"' not in page
    assert auditor.post(f"/console/cases/{case.id}/reversal",
                        {"reason": "x"}).status_code == 403
    assert manager.post(f"/console/cases/{case.id}/reversal", {"reason": ""}).status_code == 422
    undone = manager.post(f"/console/cases/{case.id}/reversal",
                          {"reason": "复核录音，客户本人评价", "expected_status": "confirmed"})
    assert undone.status_code == 302
    db.session.expire_all()
    assert all(db.session.get(Rating, r.id).voided_at is None for r in flagged_ring["ratings"])
    assert db.session.scalar(select(FraudOffence.revoked_at)) is not None
    assert "case_reversed" in audit_actions()
    assert "撤销确认" in manager.get(f"/console/cases/{case.id}").get_data(as_text=True)

    # A suspension on the technician's page: shown everywhere, lifted by a manager with a reason.
    today = datetime.now(timezone.utc).date()
    row = TechnicianSuspension(technician_id=tech.id, starts_on=today,
                               ends_on=today + timedelta(days=29),
                               planned_ends_on=today + timedelta(days=29), reason="第 2 次违规",
                               created_by="test")
    db.session.add(row)
    db.session.flush()
    listing = manager.get(f"/console/technicians?q={tech.name}", follow_redirects=True)
    assert "待岗培训至" in listing.get_data(as_text=True)
    queue = auditor.get("/console/cases?status=all").get_data(as_text=True)
    assert "待岗培训至" in queue
    report = manager.get("/console/reports/month?month=2026-10").get_data(as_text=True)
    assert "待岗培训至" in report
    assert auditor.post(f"/console/technicians/{tech.employee_no}/suspensions/{row.id}",
                        {"action": "lift", "reason": "x"}).status_code == 403
    shortened = manager.post(f"/console/technicians/{tech.employee_no}/suspensions/{row.id}", {
        "action": "shorten", "reason": "考核通过", "ends_on": (today + timedelta(days=3)).isoformat()})
    assert shortened.status_code == 302
    lifted = manager.post(f"/console/technicians/{tech.employee_no}/suspensions/{row.id}",
                          {"action": "lift", "reason": "培训结业"})
    assert lifted.status_code == 302
    db.session.expire_all()
    assert db.session.get(TechnicianSuspension, row.id).lifted_at is not None
    assert {"suspension_shortened", "suspension_lifted"} <= set(audit_actions())
    page = manager.get(f"/console/technicians/{tech.employee_no}").get_data(as_text=True)
    assert "已解除" in page and "培训结业" in page


def test_the_phone_reveal_is_logged_and_offers_a_call(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    case = flagged_ring["case"]
    account = flagged_ring["ratings"][0].order.account
    page = auditor.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert account.phone not in page
    shown = auditor.post(f"/console/cases/{case.id}/phone", {"account_no": account.account_no})
    assert shown.status_code == 200 and f'href="tel:{account.phone}"' in shown.get_data(as_text=True)
    fetched = auditor.post(f"/console/cases/{case.id}/phone", {"account_no": account.account_no},
                           headers={"X-Requested-With": "fetch"})
    assert fetched.json == {"account_no": account.account_no, "phone": account.phone,
                            "tel": f"tel:{account.phone}"}
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "phone_revealed")).all()
    assert len(entries) == 2 and entries[0].details["account_no"] == account.account_no
    other = factories.account()
    assert auditor.post(f"/console/cases/{case.id}/phone",
                        {"account_no": other.account_no}).status_code == 404


def test_flag_page_links_its_case_and_decides_with_the_expected_state(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    flag = flagged_ring["flags"][0]
    page = auditor.get(f"/console/flags/{flag.id}").get_data(as_text=True)
    assert f'href="/console/cases/{flagged_ring["case"].id}"' in page
    assert "师傅上门准时，安装专业细致" in page and "评价人A" in page
    response = auditor.post(f"/console/flags/{flag.id}/decision", {
        "decision": "confirmed", "note": NOTE, "expected_status": "open",
        "version": str(flag.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/cases/{flagged_ring['case'].id}"
    again = auditor.post(f"/console/flags/{flag.id}/decision", {
        "decision": "dismissed", "expected_status": "open", "version": str(flag.version)})
    assert again.status_code == 409
    follow = auditor.get(f"/console/flags/{flag.id}").get_data(as_text=True)
    assert "计入 2026-10 第 1 次违规" in follow


def test_draw_a_sample_record_outcomes_and_read_the_estimates(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    response = auditor.post("/console/samples", {"month": "2026-10", "per_band": "5",
                                                 "unflagged": "5"})
    assert response.status_code == 302
    path = response.headers["Location"]
    page = auditor.get(path).get_data(as_text=True)
    assert "回访名单" in page and page.count('class="outcome-form"') == 5    # 4 flagged + 1 honest
    sample_id = int(path.rsplit("/", 1)[1])
    items = fraud_service.sample_report(sample_id)["items"]
    for item in items:
        outcome = "customer_confirmed" if item["stratum"] == "unflagged" else "customer_denied"
        assert auditor.post(f"/console/samples/{sample_id}/items/{item['id']}",
                            {"outcome": outcome}).status_code == 302
    page = auditor.get(path + "?show=all").get_data(as_text=True)
    assert '<b id="precision">100.0%</b>' in page and '<b id="recall">100.0%</b>' in page
    assert "全部回访完毕" in auditor.get(path).get_data(as_text=True)
    actions = audit_actions()
    assert actions.count("sample_outcome") == 5 and "sample_drawn" in actions


def test_unknown_case_or_flag_is_an_html_404(sign_in):
    auditor = sign_in("auditor")
    response = auditor.get("/console/cases/999999")
    assert response.status_code == 404 and "稽核案件不存在" in response.get_data(as_text=True)
    assert auditor.get("/console/flags/999999").status_code == 404


def test_queue_downloads_its_flags_as_a_spreadsheet_and_logs_it(sign_in, flagged_ring):
    from tests.reports.spreadsheet import open_book, table
    auditor = sign_in("auditor")
    page = auditor.get("/console/cases").get_data(as_text=True)
    assert 'id="flags-download"' in page
    response = auditor.get("/console/flags/download?status=open&format=xlsx")
    assert response.status_code == 200
    header, rows, _ = table(open_book(response.data)["稽核标记"])
    assert len(rows) == 4 and {r[header.index("工号")] for r in rows} == {
        flagged_ring["technician"].employee_no}
    assert "download" in audit_actions()
    bad = auditor.get("/console/flags/download?format=pdf")
    assert bad.status_code == 422 and "csv 或 xlsx" in bad.get_data(as_text=True)
