"""The review queue, a flag's evidence, decisions, and callback samples, through the pages."""
from sqlalchemy import select

from app.console.models import AuditEntry
from app.extensions import db
from app.fraud.models import FraudFlag, Sanction
from app.rating.models import Rating


def test_queue_ranks_flags_and_filters(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    page = auditor.get("/console/flags").get_data(as_text=True)
    tech = flagged_ring["technician"]
    assert page.count(tech.employee_no) == len(flagged_ring["flags"]) == 4
    assert "一个微信评价多个账号" in page and "评价内容雷同" in page
    only = auditor.get("/console/flags?detector=burst").get_data(as_text=True)
    assert only.count(tech.employee_no) == 4
    none = auditor.get("/console/flags?detector=shared_device&team=nowhere").get_data(as_text=True)
    assert "没有符合条件的标记" in none


def test_flag_page_lays_out_the_evidence(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    flag = flagged_ring["flags"][0]
    page = auditor.get(f"/console/flags/{flag.id}").get_data(as_text=True)
    assert "师傅上门准时，安装专业细致" in page                 # the rating's comment
    assert page.count("<blockquote") == 4                       # duplicates side by side
    assert '<svg class="chart"' in page and "评价时间线" in page   # the burst's timeline
    for r in flagged_ring["ratings"]:
        assert r.order.account.account_no in page               # every account the user rated
    assert 'id="confirm"' in page and 'id="dismiss"' in page and 'id="next-flag"' in page
    assert "<kbd>C</kbd>" in page


def test_confirming_needs_a_note_then_voids_sanctions_audits_and_moves_on(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    first, second = flagged_ring["flags"][:2]
    refused = auditor.post(f"/console/flags/{first.id}/decision", {"decision": "confirmed"})
    assert refused.status_code == 422 and "必须写明依据" in refused.get_data(as_text=True)

    response = auditor.post(f"/console/flags/{first.id}/decision",
                            {"decision": "confirmed", "note": "回访客户，客户否认评价过"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/console/flags/{second.id}")
    db.session.expire_all()
    flag = db.session.get(FraudFlag, first.id)
    assert flag.status == "confirmed" and flag.decided_by == auditor.user.username
    assert db.session.get(Rating, flag.rating_id).voided_at is not None
    assert db.session.scalar(select(Sanction).where(Sanction.flag_id == flag.id)).fine == 5000
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "flag_confirmed"))
    assert entry.actor == auditor.user.username and entry.target == f"flag {first.id}"
    assert entry.details["note"] == "回访客户，客户否认评价过"
    follow = auditor.get(response.headers["Location"]).get_data(as_text=True)
    assert "已确认" in follow                                   # the flash message


def test_dismissing_the_last_flag_returns_to_the_queue(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    for flag in flagged_ring["flags"]:
        response = auditor.post(f"/console/flags/{flag.id}/decision",
                                {"decision": "dismissed", "note": ""})
    assert response.headers["Location"] == "/console/flags"
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "flag_dismissed"))


def test_decision_keeps_queue_filters(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    first = flagged_ring["flags"][0]
    team = flagged_ring["technician"].team
    response = auditor.post(f"/console/flags/{first.id}/decision",
                            {"decision": "dismissed", "team": team})
    assert "team=" in response.headers["Location"]


def test_draw_a_sample_record_outcomes_and_read_the_estimates(sign_in, flagged_ring):
    auditor = sign_in("auditor")
    response = auditor.post("/console/samples", {"month": "2026-10", "per_band": "5",
                                                 "unflagged": "5"})
    assert response.status_code == 302
    path = response.headers["Location"]
    page = auditor.get(path).get_data(as_text=True)
    assert "回访名单" in page and page.count('class="outcome-form"') == 5    # 4 flagged + 1 honest
    sample_id = int(path.rsplit("/", 1)[1])
    from app.fraud.service import sample_report
    items = sample_report(sample_id)["items"]
    for item in items:
        outcome = "customer_confirmed" if item["stratum"] == "unflagged" else "customer_denied"
        assert auditor.post(f"/console/samples/{sample_id}/items/{item['id']}",
                            {"outcome": outcome}).status_code == 302
    page = auditor.get(path + "?show=all").get_data(as_text=True)
    assert '<b id="precision">100.0%</b>' in page and '<b id="recall">100.0%</b>' in page
    assert "全部回访完毕" in auditor.get(path).get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("sample_outcome") == 5 and "sample_drawn" in actions
    listing = auditor.get("/console/samples").get_data(as_text=True)
    assert "5 / 5" in listing


def test_unknown_flag_is_an_html_404(sign_in):
    response = sign_in("auditor").get("/console/flags/999999")
    assert response.status_code == 404 and "稽核标记不存在" in response.get_data(as_text=True)
