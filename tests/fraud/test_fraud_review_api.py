"""End to end: ratings → scan → flags that explain themselves → decisions → the order's effective
star and the technician's month change as SPEC flow 5 says; re-scans add nothing."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.fraud.models import FraudDecision, FraudFlag, FraudOffence
from app.fraud.service import confirmed_frauds_by_technician
from tests import factories
from tests.factories import bind, bind_technician, headers_for, user
from tests.fraud.conftest import rating


def scan(client, headers, month):
    response = client.post("/api/v1/admin/fraud/scan", json={"month": month}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def flags(client, headers, **query):
    response = client.get("/api/v1/admin/fraud/flags", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def decide(client, headers, flag_id, decision, note="回访客户否认评价 (customer denied rating)"):
    return client.post(f"/api/v1/admin/fraud/flags/{flag_id}/decision",
                       json={"decision": decision, "note": note}, headers=headers)


def test_scan_flags_the_ring_with_reasons_and_leaves_the_honest_rating(client, auditor, ring):
    result = scan(client, auditor, ring["month"])
    assert result["flags_created"] == 4 and result["flags_total"] == 4
    assert result["ratings_scanned"] == 5
    items = flags(client, auditor, status="open")
    assert {i["rating_id"] for i in items} == {r.id for r in ring["ratings"]}
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    first = items[0]
    assert first["employee_no"] == ring["technician"].employee_no
    assert first["order_no"] in {o.order_no for o in ring["orders"]}
    detectors = {reason["detector"] for reason in first["reasons"]}
    assert {"multi_account_rater", "duplicate_comment", "burst"} <= detectors
    for reason in first["reasons"]:
        assert reason["detail"] and reason["detail_en"] and reason["evidence"]


def test_rescan_adds_nothing_and_changes_nothing(client, auditor, ring):
    scan(client, auditor, ring["month"])
    again = scan(client, auditor, ring["month"])
    assert (again["flags_created"], again["flags_updated"], again["flags_removed"]) == (0, 0, 0)
    assert again["flags_total"] == 4
    assert db.session.scalar(select(func.count()).select_from(FraudFlag)) == 4


def test_rescan_updates_changed_flags_and_removes_ones_that_no_longer_hold(client, auditor):
    order = factories.order(completed_at=datetime(2026, 10, 5, 8, tzinfo=timezone.utc))
    customer = user()
    bind(customer, order.account)
    early = rating(order, customer, rated_at=order.completed_at - timedelta(hours=2))
    assert scan(client, auditor, "2026-10")["flags_created"] == 1
    factories.callback(order, channel="manual", result="dissatisfied")
    assert scan(client, auditor, "2026-10")["flags_updated"] == 1
    # Upstream corrects the completion time: the rating was not early after all.
    order.completed_at = early.created_at - timedelta(hours=1)
    db.session.flush()
    assert scan(client, auditor, "2026-10")["flags_updated"] == 1
    (item,) = flags(client, auditor)
    assert [r["detector"] for r in item["reasons"]] == ["callback_contradiction"]

    lone = factories.order(completed_at=datetime(2026, 10, 6, 8, tzinfo=timezone.utc))
    other = user()
    bind(other, lone.account)
    lone_rating = rating(lone, other, rated_at=lone.completed_at - timedelta(hours=1))
    assert scan(client, auditor, "2026-10")["flags_created"] == 1
    lone_rating.created_at = lone.completed_at + timedelta(hours=1)
    db.session.flush()
    result = scan(client, auditor, "2026-10")
    assert (result["flags_removed"], result["flags_total"]) == (1, 1)


def test_confirm_voids_rating_falls_back_to_callback_and_sanctions(client, auditor, ring, admin_headers):
    scan(client, auditor, ring["month"])
    order = ring["orders"][0]
    factories.callback(order, channel="ivr", result="dissatisfied")
    before = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert before["effective"] == {"stars": 5, "source": "wechat",
                                   "rating_id": ring["ratings"][0].id}
    flag_id = db.session.scalar(select(FraudFlag.id).where(
        FraudFlag.rating_id == ring["ratings"][0].id))

    response = decide(client, auditor, flag_id, "confirmed")
    assert response.status_code == 200 and response.json["status"] == "confirmed"
    after = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert after["effective"] == {"stars": 1, "source": "ivr", "rating_id": None}
    assert after["rating"]["valid"] is False

    sanctions = client.get("/api/v1/admin/fraud/sanctions", headers=auditor).json["items"]
    assert [(s["offence_no"], s["fine"], s["suspension"], s["month"]) for s in sanctions] == [
        (1, 5000, False, ring["month"])]
    assert confirmed_frauds_by_technician([ring["month"]]) == {ring["technician"].id: 1}

    detail = client.get(f"/api/v1/admin/fraud/flags/{flag_id}", headers=auditor).json
    assert detail["rating"]["valid"] is False and detail["order"]["order_no"] == order.order_no
    assert detail["technician"]["employee_no"] == ring["technician"].employee_no
    assert "****" in detail["technician"]["phone"]
    assert detail["decisions"][0]["decided_by"] == "test auditor"
    assert detail["offence"]["offence_no"] == 1

    # Another fake rating of the same month is the same finding: still one offence, one fine.
    second = db.session.scalar(select(FraudFlag.id).where(
        FraudFlag.rating_id == ring["ratings"][1].id))
    assert decide(client, auditor, second, "confirmed").status_code == 200
    (offence,) = db.session.scalars(select(FraudOffence)).all()
    assert (offence.offence_no, offence.fine, offence.suspension) == (1, 5000, False)
    assert sorted(offence.rating_ids) == sorted(r.id for r in ring["ratings"][:2])
    assert confirmed_frauds_by_technician([ring["month"]]) == {ring["technician"].id: 2}

    # The rescan keeps decisions as they are.
    assert scan(client, auditor, ring["month"])["flags_created"] == 0
    assert db.session.get(FraudFlag, flag_id).status == "confirmed"


def test_a_managers_reversal_restores_rating_and_revokes_the_offence(client, auditor, manager,
                                                                     ring, admin_headers):
    scan(client, auditor, ring["month"])
    flag_id = db.session.scalar(select(FraudFlag.id).where(
        FraudFlag.rating_id == ring["ratings"][0].id))
    decide(client, auditor, flag_id, "confirmed")
    # Dismissing a confirmation is not a decision an auditor takes: it is a manager's reversal.
    refused = decide(client, auditor, flag_id, "dismissed", note="客户确认本人评价")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "decision_conflict")
    by_auditor = client.post(f"/api/v1/admin/fraud/flags/{flag_id}/reversal",
                             json={"reason": "客户确认本人评价"}, headers=auditor)
    assert by_auditor.status_code == 403
    response = client.post(f"/api/v1/admin/fraud/flags/{flag_id}/reversal",
                           json={"reason": "客户确认本人评价 (customer confirmed)"}, headers=manager)
    assert response.status_code == 200 and response.json["status"] == "dismissed"
    order = ring["orders"][0]
    effective = client.get(f"/api/v1/admin/orders/{order.order_no}", headers=admin_headers).json
    assert effective["effective"]["source"] == "wechat"
    assert db.session.scalar(select(FraudOffence.revoked_at))
    assert confirmed_frauds_by_technician([ring["month"]]) == {}
    history = db.session.scalars(select(FraudDecision.decision).where(
        FraudDecision.flag_id == flag_id).order_by(FraudDecision.id)).all()
    assert history == ["confirmed", "reversed"]


def test_decision_rules(client, auditor, ring):
    scan(client, auditor, ring["month"])
    flag_id = db.session.scalar(select(FraudFlag.id).limit(1))
    no_note = decide(client, auditor, flag_id, "confirmed", note="")
    assert (no_note.status_code, no_note.json["error"]["code"]) == (422, "validation_error")
    assert decide(client, auditor, flag_id, "maybe").status_code == 422
    assert decide(client, auditor, flag_id, "dismissed", note="").status_code == 200
    again = decide(client, auditor, flag_id, "dismissed")
    assert (again.status_code, again.json["error"]["code"]) == (409, "decision_conflict")
    assert decide(client, auditor, 999999, "confirmed").status_code == 404


def test_roles(client, ring, manager, api_key):
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert scan(client, manager, ring["month"])["flags_created"] == 4
    assert client.get("/api/v1/admin/fraud/flags", headers=manager).status_code == 403
    assert client.post("/api/v1/admin/fraud/scan", json={"month": ring["month"]},
                       headers=integration).status_code == 403
    assert client.get("/api/v1/admin/fraud/flags").status_code == 401
    bad = client.post("/api/v1/admin/fraud/scan", json={"month": "2026-13"}, headers=manager)
    assert bad.status_code == 422


def test_queue_filters_and_pages(client, auditor, ring):
    other = factories.technician(team="城西装维班", area="南郊区")
    order = factories.order(technician=other, completed_at=ring["orders"][0].completed_at)
    colleague = user()
    bind(colleague, order.account)
    bind_technician(colleague, factories.technician(team="城西装维班"))
    rating(order, colleague, rated_at=order.completed_at + timedelta(hours=1))
    scan(client, auditor, ring["month"])
    assert len(flags(client, auditor)) == 5
    assert [i["employee_no"] for i in flags(client, auditor, area="南郊区")] == [other.employee_no]
    assert len(flags(client, auditor, team=ring["technician"].team,
                     employee_no=ring["technician"].employee_no)) == 4
    assert len(flags(client, auditor, detector="rater_is_technician")) == 1
    assert len(flags(client, auditor, detector="burst")) == 4
    assert flags(client, auditor, month="2026-01") == []
    page = client.get("/api/v1/admin/fraud/flags", query_string={"per_page": 2, "page": 3},
                      headers=auditor).json
    assert (page["total"], page["pages"], len(page["items"])) == (5, 3, 1)
    assert client.get("/api/v1/admin/fraud/flags", query_string={"detector": "x"},
                      headers=auditor).status_code == 422


def test_submission_time_check_flags_a_colleague_in_the_same_transaction(client):
    order = factories.order()
    colleague = user()
    bind(colleague, order.account)
    bind_technician(colleague, factories.technician(team=order.technician.team))
    response = client.post("/api/v1/ratings", json={"order_no": order.order_no, "stars": 5},
                           headers=headers_for(colleague))
    assert response.status_code == 201
    flag = db.session.scalar(select(FraudFlag).where(FraudFlag.rating_id == response.json["id"]))
    assert flag is not None and flag.status == "open"
    assert flag.detector_ids == ["rater_is_technician"] and flag.score >= 0.7


def test_an_ordinary_submission_raises_no_flag(client):
    order = factories.order()
    customer = user()
    bind(customer, order.account)
    response = client.post("/api/v1/ratings", json={"order_no": order.order_no, "stars": 5},
                           headers=headers_for(customer))
    assert response.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(FraudFlag)) == 0


def test_appeal_upheld_reverses_the_confirmation(client, auditor, ring):
    scan(client, auditor, ring["month"])
    flag_id = db.session.scalar(select(FraudFlag.id).limit(1))
    early = client.post(f"/api/v1/admin/fraud/flags/{flag_id}/appeals",
                        json={"reason": "客户是我亲戚"}, headers=auditor)
    assert (early.status_code, early.json["error"]["code"]) == (409, "flag_not_confirmed")
    decide(client, auditor, flag_id, "confirmed")
    appeal = client.post(f"/api/v1/admin/fraud/flags/{flag_id}/appeals",
                         json={"reason": "客户本人评价，可提供通话记录", "filed_by": "ZW1001"},
                         headers=auditor)
    assert appeal.status_code == 201 and appeal.json["status"] == "open"
    resolved = client.post(f"/api/v1/admin/fraud/appeals/{appeal.json['id']}/resolution",
                           json={"decision": "upheld", "note": "复核录音属实"}, headers=auditor)
    assert resolved.status_code == 200 and resolved.json["status"] == "upheld"
    assert db.session.get(FraudFlag, flag_id).status == "dismissed"
    assert confirmed_frauds_by_technician([ring["month"]]) == {}


def test_cli_scan(app, ring):
    result = app.test_cli_runner().invoke(args=["fraud", "scan", "--month", ring["month"]])
    assert result.exit_code == 0, result.output
    assert "4 flags created" in result.output
    bad = app.test_cli_runner().invoke(args=["fraud", "scan", "--month", "10-2026"])
    assert bad.exit_code != 0
