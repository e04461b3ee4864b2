"""Staff views: an order's effective star with its source; service-recovery tasks."""
from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.rating.models import RecoveryTask
from tests import factories


def order_view(client, headers, order_no):
    response = client.get(f"/api/v1/admin/orders/{order_no}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_effective_star_from_wechat_then_fallback_after_void(client, admin_headers, scene, rate):
    order, _, headers = scene
    factories.callback(order, channel="manual", result="dissatisfied")
    rating_id = rate(order.order_no, headers, stars=5).json["id"]
    view = order_view(client, admin_headers, order.order_no)
    assert view["effective"] == {"stars": 5, "source": "wechat", "rating_id": rating_id}
    assert view["rating"]["valid"] is True and view["rating"]["channel"] == "miniprogram"
    assert [c["result"] for c in view["callbacks"]] == ["dissatisfied"]

    from app.rating.models import Rating
    db.session.get(Rating, rating_id).voided_at = utcnow()     # what a confirmed fraud does
    db.session.flush()
    view = order_view(client, admin_headers, order.order_no)
    assert view["effective"] == {"stars": 1, "source": "manual", "rating_id": None}
    assert view["rating"]["valid"] is False


def test_effective_star_sources(client, admin_headers):
    plain = factories.order()
    assert order_view(client, admin_headers, plain.order_no)["effective"]["source"] == "default"
    ivr = factories.order()
    factories.callback(ivr, channel="ivr", result="no_answer")
    assert order_view(client, admin_headers, ivr.order_no)["effective"] == {
        "stars": 3, "source": "ivr", "rating_id": None}


def test_order_view_requires_a_staff_role(client, api_key):
    order = factories.order()
    url = f"/api/v1/admin/orders/{order.order_no}"
    assert client.get(url).status_code == 401
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert client.get(url, headers=integration).status_code == 403
    auditor = {"Authorization": f"Bearer {api_key('auditor')}"}
    assert client.get(url, headers=auditor).status_code == 200
    assert client.get("/api/v1/admin/orders/NOPE", headers=auditor).json["error"]["code"] == \
        "order_not_found"


def test_dissatisfied_callback_import_opens_a_recovery_task(client, admin_headers):
    order = factories.order()
    happy = factories.order()
    body = ("order_no,channel,result,called_at\n"
            f"{order.order_no},ivr,dissatisfied,2026-10-04T10:00:00\n"
            f"{happy.order_no},ivr,satisfied,2026-10-04T10:00:00\n")
    for _ in range(2):      # re-importing opens no second task
        client.post("/api/v1/admin/imports/callbacks", data=body.encode(),
                    headers={**admin_headers, "Content-Type": "text/csv"})
    tasks = db.session.scalars(select(RecoveryTask)).all()
    assert [(t.order_id, t.source) for t in tasks] == [(order.id, "callback")]


def test_recovery_task_list_claim_close_and_overdue(client, api_key, scene, rate):
    order, _, headers = scene
    rate(order.order_no, headers, stars=1, tags=["rude"])
    staff = {"Authorization": f"Bearer {api_key('manager')}"}
    listing = client.get(f"/api/v1/admin/recovery-tasks?team={order.technician.team}",
                         headers=staff).json
    assert listing["total"] == 1
    task = listing["items"][0]
    assert (task["order_no"], task["status"], task["overdue"]) == (order.order_no, "open", False)

    db.session.get(RecoveryTask, task["id"]).due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    overdue = client.get("/api/v1/admin/recovery-tasks?overdue=true", headers=staff).json
    assert [t["id"] for t in overdue["items"]] == [task["id"]] and overdue["items"][0]["overdue"]

    claimed = client.post(f"/api/v1/admin/recovery-tasks/{task['id']}/claim", headers=staff).json
    assert claimed["status"] == "claimed" and claimed["claimed_by"] == "test manager"
    other = {"Authorization": f"Bearer {api_key('auditor')}"}
    taken = client.post(f"/api/v1/admin/recovery-tasks/{task['id']}/claim", headers=other)
    assert taken.status_code == 409

    missing_note = client.post(f"/api/v1/admin/recovery-tasks/{task['id']}/close", json={},
                               headers=staff)
    assert missing_note.status_code == 422
    closed = client.post(f"/api/v1/admin/recovery-tasks/{task['id']}/close",
                         json={"note": "已上门回访，客户满意"}, headers=staff).json
    assert (closed["status"], closed["note"], closed["overdue"]) == ("closed", "已上门回访，客户满意",
                                                                     False)
    assert client.get("/api/v1/admin/recovery-tasks?overdue=true", headers=staff).json["total"] == 0


def test_technician_sees_own_ratings_but_not_who_gave_them(client, scene, rate):
    from tests.factories import bind_technician, headers_for, user
    order, customer, headers = scene
    rate(order.order_no, headers, stars=4, tags=["professional"], comment="不错")
    tech_user = user()
    bind_technician(tech_user, order.technician)
    page = client.get("/api/v1/technician/ratings", headers=headers_for(tech_user)).json
    assert page["total"] == 1
    item = page["items"][0]
    assert (item["stars"], item["tags"], item["comment"]) == (4, ["professional"], "不错")
    flat = str(page)
    assert "user_id" not in flat and "openid" not in flat and "client_ip" not in flat
    assert client.get("/api/v1/technician/ratings", headers=headers).status_code == 403
