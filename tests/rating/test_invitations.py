"""A completed order imported → one subscribe message to the bound customer, through the simulator."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import WeChatIdentity
from app.rating.models import RatingInvitation
from tests import factories
from tests.factories import bind, user

ORDER_HEADER = "order_no,account_no,employee_no,order_type,product,area,created_at,completed_at,status"


@pytest.fixture
def customer_with_account():
    account = factories.account()
    technician = factories.technician()
    person = user()
    db.session.add(WeChatIdentity(user_id=person.id, app="mp", appid="wx_demo_miniprogram",
                                  openid="omp_invitee"))
    bind(person, account)
    return account, technician


def _import(client, headers, account, technician, completed, order_no="INV1", status="completed"):
    done = completed.isoformat() if completed else ""
    created = (completed or datetime.now(timezone.utc)) - timedelta(hours=2)
    body = (f"{ORDER_HEADER}\n{order_no},{account.account_no},{technician.employee_no},install,"
            f"broadband,城区,{created.isoformat()},{done},{status}\n")
    response = client.post("/api/v1/admin/imports/orders", data=body.encode(),
                           headers={**headers, "Content-Type": "text/csv"})
    assert response.json["rejected"] == []


def test_completed_order_gets_exactly_one_invitation(app, client, admin_headers, wechat,
                                                     customer_with_account):
    account, technician = customer_with_account
    completed = datetime.now(timezone.utc) - timedelta(hours=1)
    _import(client, admin_headers, account, technician, completed)
    _import(client, admin_headers, account, technician, completed + timedelta(minutes=5))
    # The import's commit handed the sending to a task (run once the import answered).
    invitations = db.session.scalars(select(RatingInvitation)).all()
    assert [i.status for i in invitations] == ["sent"]

    runner = app.test_cli_runner()
    assert "0 sent" in runner.invoke(args=["rating", "send-invitations"]).output
    messages = wechat.get("/__sim/messages")["items"]
    assert len(messages) == 1
    sent = messages[0]
    assert (sent["kind"], sent["touser"]) == ("subscribe", "omp_invitee")
    assert sent["page"].endswith("order_no=INV1")
    assert technician.name in sent["data"]["thing1"]["value"]


def test_open_or_old_orders_are_not_invited(client, admin_headers, customer_with_account):
    account, technician = customer_with_account
    _import(client, admin_headers, account, technician, None, order_no="OPEN1", status="open")
    _import(client, admin_headers, account, technician,
            datetime.now(timezone.utc) - timedelta(days=8), order_no="OLD1")
    assert db.session.scalars(select(RatingInvitation)).all() == []


def test_refused_message_is_failed_not_retried(app, client, admin_headers, wechat,
                                               customer_with_account):
    account, technician = customer_with_account
    wechat.post("/__sim/faults", path="cgi-bin/message/subscribe/send", errcode=43101, times=5)
    _import(client, admin_headers, account, technician,
            datetime.now(timezone.utc) - timedelta(hours=1))
    assert db.session.scalars(select(RatingInvitation.status)).all() == ["failed"]
    assert "0 sent, 0 failed" in app.test_cli_runner().invoke(
        args=["rating", "send-invitations"]).output
