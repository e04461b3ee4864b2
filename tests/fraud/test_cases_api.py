"""Cases and findings through the API (SPEC flow 5): a ring is one case; all frauds of one
technician-month are one offence however they are confirmed; a later month is offence 2 with a
suspension the badge obeys; the preview says exactly what the decision then does; a manager's
reversal restores the rating and the month."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.badge import service as badges
from app.console.models import AuditEntry
from app.extensions import db
from app.fraud.models import FraudCase, FraudFlag, FraudOffence
from app.masterdata.models import TechnicianSuspension
from tests import factories
from tests.factories import bind, user
from tests.fraud.conftest import rating
from tests.fraud.test_fraud_review_api import scan

NOTE = "回访客户，客户否认评价过"


def cases(client, headers, **query):
    response = client.get("/api/v1/admin/fraud/cases", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def case_of(client, headers, case_id):
    response = client.get(f"/api/v1/admin/fraud/cases/{case_id}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def post(client, headers, path, body):
    return client.post(f"/api/v1/admin/fraud/{path}", json=body, headers=headers)


def early_rating_in(technician, completed_at):
    """A rating sent before the recorded completion: flagged by the scan of that month."""
    order = factories.order(technician=technician, completed_at=completed_at)
    rater = user()
    bind(rater, order.account)
    return order, rating(order, rater, rated_at=completed_at - timedelta(hours=3))


def offences_of(client, headers, employee_no, **query):
    response = client.get("/api/v1/admin/fraud/offences",
                          query_string={"employee_no": employee_no, **query}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def pay(client, headers, technician, month):
    response = client.get("/api/v1/admin/reports/monthly", query_string={"month": month},
                          headers=headers)
    return next(i for i in response.json["items"] if i["employee_no"] == technician.employee_no)


def pay_sheet_line(client, headers, technician, month):
    response = client.get("/api/v1/admin/reports/pay", query_string={"month": month},
                          headers=headers)
    return next(i for i in response.json["items"] if i["employee_no"] == technician.employee_no)


def test_a_ring_is_one_case_with_everything_a_reviewer_needs(client, auditor, ring):
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor, status="open")
    assert case["flag_count"] == 4 and case["employee_nos"] == [ring["technician"].employee_no]
    assert {"multi_account_rater", "duplicate_comment", "burst"} <= set(case["detectors"])
    detail = case_of(client, auditor, case["id"])
    assert {r["rating_id"] for r in detail["ratings"]} == {r.id for r in ring["ratings"]}
    assert len(detail["accounts"]) == 4 and all("****" in a["phone"] for a in detail["accounts"])
    (rater,) = detail["raters"]                 # one WeChat user rated four accounts
    assert (rater["ratings"], rater["accounts"]) == (4, 4)
    assert rater["label"].startswith("评价人A（微信 · 139****")     # masked phones, no ids
    assert ring["ratings"][0].openid not in str(detail)
    assert all("user_id" not in r for r in detail["ratings"])
    assert "1 − ∏" in detail["score_explanation"]
    (tech,) = detail["technicians"]
    assert (tech["status"], tech["offences"]) == ("active", [])
    # Each piece of evidence once for the case, not once per rating; raters by label.
    assert len({(r["detector"], r["detail"]) for r in detail["reasons"]}) == len(detail["reasons"])
    multi = next(r for r in detail["reasons"] if r["detector"] == "multi_account_rater")
    assert "评价人A" in multi["detail"] and sorted(multi["rating_ids"]) == sorted(
        r.id for r in ring["ratings"])
    assert "user_id" not in str(detail["reasons"]) and "openid" not in str(detail["reasons"])


def test_two_flags_of_one_technician_month_confirmed_one_by_one_are_one_offence(
        client, auditor, ring):
    scan(client, auditor, ring["month"])
    flag_ids = [db.session.scalar(select(FraudFlag.id).where(FraudFlag.rating_id == r.id))
                for r in ring["ratings"][:2]]
    first = post(client, auditor, f"flags/{flag_ids[0]}/decision",
                 {"decision": "confirmed", "note": NOTE})
    assert first.status_code == 200
    assert first.json["consequences"][0]["lines"][0] == "第 1 次违规：罚款 5,000 元，2026-10 取消定星"
    second = post(client, auditor, f"flags/{flag_ids[1]}/decision",
                  {"decision": "confirmed", "note": NOTE})
    assert second.status_code == 200
    (change,) = second.json["consequences"][0]["offences"]
    assert change["change"] == "extended" and "不另处罚" in change["text"]
    (offence,) = offences_of(client, auditor, ring["technician"].employee_no)
    assert (offence["offence_no"], offence["fine"], offence["suspension"]) == (1, 5000, False)
    assert sorted(offence["rating_ids"]) == sorted(r.id for r in ring["ratings"][:2])
    assert pay(client, auditor, ring["technician"], ring["month"])["frauds_confirmed"] == 2


def test_a_later_months_confirmation_is_offence_2_and_suspends_the_badge(
        client, auditor, ring, app):
    tech = ring["technician"]
    scan(client, auditor, ring["month"])
    (october,) = cases(client, auditor)
    assert post(client, auditor, f"cases/{october['id']}/decision",
                {"decision": "confirmed", "note": NOTE}).status_code == 200
    token = badges.badge_token(badges.get_or_create_badge(tech))
    assert client.get(f"/b/{token}").status_code == 200

    early_rating_in(tech, datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    scan(client, auditor, "2026-11")
    (november,) = cases(client, auditor, status="open")
    response = post(client, auditor, f"cases/{november['id']}/decision",
                    {"decision": "confirmed", "note": NOTE})
    assert response.status_code == 200
    (who,) = response.json["consequences"]
    assert who["lines"][0].startswith("第 2 次违规：罚款 1,000 元，待岗培训 30 天")
    assert who["suspension"]["days"] == 30
    numbers = [(o["month"], o["offence_no"], o["fine"], o["suspension"])
               for o in offences_of(client, auditor, tech.employee_no)]
    assert numbers == [("2026-10", 1, 5000, False), ("2026-11", 2, 1000, True)]

    landing = client.get(f"/b/{token}")
    assert landing.status_code == 410 and "待岗培训" in landing.get_data(as_text=True)
    assert who["suspension"]["ends_on"] in landing.get_data(as_text=True)
    assert client.get(f"/b/{token}.png").status_code == 410
    card = client.get(f"/b/{token}/card.png")           # still drawn, stamped
    assert card.status_code == 200 and card.mimetype == "image/png"
    detail = case_of(client, auditor, november["id"])
    assert detail["technicians"][0]["status"] == "suspended"
    assert detail["technicians"][0]["suspended_until"] == who["suspension"]["ends_on"]
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("case_confirmed") == 2 and actions.count("suspension_started") == 1


def test_the_suspension_ends_by_itself_at_its_last_day(client, ring, app):
    tech = ring["technician"]
    token = badges.badge_token(badges.get_or_create_badge(tech))
    today = datetime.now(timezone.utc).date()
    db.session.add(TechnicianSuspension(
        technician_id=tech.id, starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1),
        planned_ends_on=today - timedelta(days=1), reason="第 2 次违规", created_by="test"))
    db.session.flush()
    assert client.get(f"/b/{token}").status_code == 200
    db.session.add(TechnicianSuspension(
        technician_id=tech.id, starts_on=today - timedelta(days=29), ends_on=today + timedelta(days=1),
        planned_ends_on=today + timedelta(days=1), reason="第 3 次违规", created_by="test"))
    db.session.flush()
    assert client.get(f"/b/{token}").status_code == 410


def test_the_preview_says_exactly_what_the_decision_then_does(client, auditor, admin_headers, ring):
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor)
    ticked = [r.id for r in ring["ratings"][:3]]
    body = {"decision": "confirmed", "note": NOTE, "rating_ids": ticked}
    before = pay(client, admin_headers, ring["technician"], ring["month"])
    preview = post(client, auditor, f"cases/{case['id']}/preview", body)
    assert preview.status_code == 200 and preview.json["dry_run"] is True
    assert sorted(preview.json["confirm_rating_ids"]) == sorted(ticked)
    assert preview.json["dismiss_rating_ids"] == [ring["ratings"][3].id]
    # Nothing happened.
    assert pay(client, admin_headers, ring["technician"], ring["month"]) == before
    assert db.session.scalar(select(func.count()).select_from(FraudOffence)) == 0
    assert db.session.get(FraudCase, case["id"]).status == "open"

    (who,) = preview.json["consequences"]
    assert who["lines"][0] == "第 1 次违规：罚款 5,000 元，2026-10 取消定星"
    assert sorted(r["rating_id"] for r in who["ratings_voided"]) == sorted(ticked)
    (month,) = who["pay"]
    assert month["install_pay_before"] == before["install_pay"]
    assert month["star_eligible_after"] is False

    decided = post(client, auditor, f"cases/{case['id']}/decision", body)
    assert decided.status_code == 200
    assert decided.json["consequences"] == preview.json["consequences"]
    after = pay(client, admin_headers, ring["technician"], ring["month"])
    assert after["install_pay"] == month["install_pay_after"] and after["star_eligible"] is False
    # The whole pay sheet moves as the preview said: the install pay and the first offence's fine.
    sheet = pay_sheet_line(client, admin_headers, ring["technician"], ring["month"])
    assert sheet["total_pay"] == month["total_pay_after"]
    assert sheet["penalties"]["fraud"] == "5000.00"
    assert "应发合计" in month["text"]
    statuses = {r["rating_id"]: r["status"] for r in decided.json["ratings"]}
    assert statuses == {**{i: "confirmed" for i in ticked}, ring["ratings"][3].id: "dismissed"}
    assert decided.json["status"] == "confirmed"


def test_a_stale_decision_is_refused_by_status_and_by_etag(client, auditor, ring):
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor)
    read = client.get(f"/api/v1/admin/fraud/cases/{case['id']}", headers=auditor)
    etag = read.headers["ETag"]
    body = {"decision": "dismissed", "note": ""}
    assert post(client, auditor, f"cases/{case['id']}/decision", body).status_code == 200
    stale = post(client, auditor, f"cases/{case['id']}/decision",
                 {"decision": "confirmed", "note": NOTE, "expected_status": "open"})
    assert (stale.status_code, stale.json["error"]["code"]) == (409, "decision_conflict")
    assert stale.json["error"]["details"]["status"] == "dismissed"
    by_etag = post(client, {**auditor, "If-Match": etag}, f"cases/{case['id']}/decision",
                   {"decision": "confirmed", "note": NOTE})
    assert (by_etag.status_code, by_etag.json["error"]["code"]) == (409, "decision_conflict")
    fresh = client.get(f"/api/v1/admin/fraud/cases/{case['id']}", headers=auditor).headers["ETag"]
    again = post(client, {**auditor, "If-Match": fresh}, f"cases/{case['id']}/decision",
                 {"decision": "confirmed", "note": NOTE})
    assert again.status_code == 200 and again.json["status"] == "confirmed"


def test_case_decision_input_errors(client, auditor, ring):
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor)
    path = f"cases/{case['id']}/decision"
    no_note = post(client, auditor, path, {"decision": "confirmed"})
    assert (no_note.status_code, no_note.json["error"]["code"]) == (422, "validation_error")
    foreign = post(client, auditor, path, {"decision": "confirmed", "note": NOTE,
                                           "rating_ids": [ring["honest"].id]})
    assert foreign.status_code == 422 and "rating_ids" in foreign.json["error"]["details"]["fields"]
    none = post(client, auditor, path, {"decision": "confirmed", "note": NOTE, "rating_ids": []})
    assert none.status_code == 422
    assert post(client, auditor, "cases/999999/decision",
                {"decision": "dismissed"}).json["error"]["code"] == "fraud_case_not_found"
    assert db.session.get(FraudCase, case["id"]).status == "open"


def test_reversal_restores_the_rating_and_the_month_and_renumbers_later_months(
        client, auditor, manager, admin_headers, ring):
    tech = ring["technician"]
    before = pay(client, admin_headers, tech, ring["month"])
    scan(client, auditor, ring["month"])
    (october,) = cases(client, auditor)
    post(client, auditor, f"cases/{october['id']}/decision", {"decision": "confirmed", "note": NOTE})
    early_rating_in(tech, datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    scan(client, auditor, "2026-11")
    (november,) = cases(client, auditor, status="open")
    post(client, auditor, f"cases/{november['id']}/decision", {"decision": "confirmed", "note": NOTE})
    assert db.session.scalar(select(TechnicianSuspension.lifted_at)) is None

    refused = post(client, auditor, f"cases/{october['id']}/reversal", {"reason": "录音证实"})
    assert refused.status_code == 403
    no_reason = post(client, manager, f"cases/{october['id']}/reversal", {"reason": ""})
    assert no_reason.status_code == 422
    undone = post(client, manager, f"cases/{october['id']}/reversal",
                  {"reason": "复核通话录音，客户本人评价"})
    assert undone.status_code == 200 and undone.json["status"] == "dismissed"
    (who,) = undone.json["consequences"]
    kinds = {c["month"]: c["change"] for c in who["offences"]}
    assert kinds == {"2026-10": "revoked", "2026-11": "renumbered"}
    assert pay(client, admin_headers, tech, ring["month"]) == before     # the month restored
    order = ring["orders"][0]
    effective = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert effective["effective"]["source"] == "wechat"
    numbers = [(o["month"], o["offence_no"], o["fine"], o["suspension"])
               for o in offences_of(client, manager, tech.employee_no)]
    assert numbers == [("2026-11", 1, 5000, False)]
    history = offences_of(client, manager, tech.employee_no, include_revoked=True)
    assert [o["month"] for o in history if o["revoked_at"]] == ["2026-10"]
    # The November suspension no longer stands: it ended, and says why.
    suspension = db.session.scalar(select(TechnicianSuspension))
    assert suspension.lifted_at is not None and "2026-11" in suspension.change_note
    token = badges.badge_token(badges.get_or_create_badge(tech))
    assert client.get(f"/b/{token}").status_code == 200
    again = post(client, manager, f"cases/{october['id']}/reversal", {"reason": "再次撤销"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "decision_conflict")


def test_the_case_list_filters_and_ranks(client, auditor, ring):
    other = factories.technician(team="城西装维班", area="南郊区")
    early_rating_in(other, datetime(2026, 10, 20, 2, tzinfo=timezone.utc))
    scan(client, auditor, ring["month"])
    listed = cases(client, auditor)
    assert len(listed) == 2 and listed[0]["score"] >= listed[1]["score"]
    assert [c["employee_nos"] for c in cases(client, auditor, area="南郊区")] == [
        [other.employee_no]]
    assert len(cases(client, auditor, detector="burst")) == 1
    assert cases(client, auditor, month="2026-01") == []
    assert client.get("/api/v1/admin/fraud/cases", query_string={"status": "x"},
                      headers=auditor).status_code == 422


def test_a_manager_shortens_or_lifts_a_suspension_through_the_api(client, auditor, manager, ring):
    tech = ring["technician"]
    today = datetime.now(timezone.utc).date()
    row = TechnicianSuspension(technician_id=tech.id, starts_on=today - timedelta(days=2),
                               ends_on=today + timedelta(days=27),
                               planned_ends_on=today + timedelta(days=27), reason="第 2 次违规",
                               created_by="test")
    db.session.add(row)
    db.session.flush()
    base = f"/api/v1/admin/technicians/{tech.employee_no}/suspensions"
    listed = client.get(base, headers=auditor).json
    assert listed["status"] == "suspended" and listed["items"][0]["planned_ends_on"]
    token = badges.badge_token(badges.get_or_create_badge(tech))
    assert client.get(f"/b/{token}").status_code == 410

    assert client.post(f"{base}/{row.id}/lift", json={"reason": "x"},
                       headers=auditor).status_code == 403
    no_reason = client.post(f"{base}/{row.id}/lift", json={"reason": ""}, headers=manager)
    assert no_reason.status_code == 422
    later = (today + timedelta(days=40)).isoformat()
    too_late = client.post(f"{base}/{row.id}/shorten", json={"reason": "r", "ends_on": later},
                           headers=manager)
    assert too_late.status_code == 422
    shorter = (today + timedelta(days=5)).isoformat()
    shortened = client.post(f"{base}/{row.id}/shorten", json={"reason": "表现良好", "ends_on": shorter},
                            headers=manager)
    assert shortened.status_code == 200 and shortened.json["ends_on"] == shorter
    lifted = client.post(f"{base}/{row.id}/lift", json={"reason": "培训结业"}, headers=manager)
    assert lifted.status_code == 200 and lifted.json["change_note"] == "培训结业"
    again = client.post(f"{base}/{row.id}/lift", json={"reason": "再次"}, headers=manager)
    assert (again.status_code, again.json["error"]["code"]) == (409, "suspension_already_lifted")
    assert client.get(f"/b/{token}").status_code == 200
    assert client.get(base, headers=manager).json["status"] == "active"
    other = factories.technician()
    assert client.post(f"/api/v1/admin/technicians/{other.employee_no}/suspensions/{row.id}/lift",
                       json={"reason": "x"}, headers=manager).json["error"]["code"] == \
        "suspension_not_found"
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("suspension_shortened") == 1 and actions.count("suspension_lifted") == 1


def test_fines_by_technician_and_the_regroup_command(client, auditor, ring, app):
    from app.fraud.service import fines_by_technician
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor)
    post(client, auditor, f"cases/{case['id']}/decision", {"decision": "confirmed", "note": NOTE})
    assert fines_by_technician(ring["month"]) == {ring["technician"].id: 5000}
    assert fines_by_technician("2026-09") == {}
    result = app.test_cli_runner().invoke(args=["fraud", "regroup"])
    assert result.exit_code == 0 and "0 cases created" in result.output


def test_a_second_offence_decided_long_ago_has_ended_by_itself(client, auditor, ring, app):
    """The suspension runs FRAUD_SUSPENSION_DAYS from the day of the decision, then the badge
    works again with nothing run in between."""
    from app.fraud import service as fraud_service
    tech = ring["technician"]
    scan(client, auditor, ring["month"])
    early_rating_in(tech, datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    scan(client, auditor, "2026-11")
    october, november = sorted(cases(client, auditor), key=lambda c: c["month"])
    token = badges.badge_token(badges.get_or_create_badge(tech))
    days = app.config["FRAUD_SUSPENSION_DAYS"]
    for case, ago in ((october, days + 5), (november, days + 1)):
        ctx = fraud_service.Context(by="审核员", tz_name=app.config["TIMEZONE"],
                                    policy=fraud_service.policy(app.config),
                                    now=datetime.now(timezone.utc) - timedelta(days=ago))
        fraud_service.decide_case(case_id=case["id"], decision="confirmed", note=NOTE, ctx=ctx)
    suspension = db.session.scalar(select(TechnicianSuspension))
    assert (suspension.ends_on - suspension.starts_on).days + 1 == days
    assert suspension.lifted_at is None
    assert client.get(f"/b/{token}").status_code == 200
    numbers = [(o["offence_no"], o["suspension"]) for o in offences_of(client, auditor,
                                                                          tech.employee_no)]
    assert numbers == [(1, False), (2, True)]
