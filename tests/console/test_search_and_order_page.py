"""The search box finds orders by order no., account no. and phone (masked) and technicians; the
order page shows the order, rating, callbacks, effective star, flags, recovery task and pay line;
revealing the phone is logged."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.console.models import AuditEntry
from app.extensions import db
from app.masterdata.models import CallbackResult
from app.rating.models import RecoveryTask
from tests import factories
from tests.console.conftest import rating, user


def test_order_number_goes_straight_to_a_page_with_everything(sign_in):
    tech = factories.technician(name="孙悟")
    completed = datetime(2026, 10, 12, 2, tzinfo=UTC)
    order = factories.order(technician=tech, completed_at=completed)
    rating(order, user(), stars=1, comment="上门迟到还收费", rated_at=completed + timedelta(hours=2))
    db.session.add(CallbackResult(order_id=order.id, channel="ivr", result="dissatisfied",
                                  called_at=completed + timedelta(days=1)))
    db.session.add(RecoveryTask(order_id=order.id, technician_id=tech.id, team=tech.team,
                                area=tech.area, source="rating", stars=1,
                                due_at=completed + timedelta(days=2)))
    db.session.flush()
    manager = sign_in("manager")
    found = manager.get(f"/console/search?q={order.order_no}")
    assert found.status_code == 302 and found.headers["Location"].endswith(order.order_no)
    page = manager.get(found.headers["Location"]).get_data(as_text=True)
    assert order.account.account_no in page and "孙悟" in page
    assert "上门迟到还收费" in page and "★☆☆☆☆" in page and "IVR回访：不满意" in page
    assert "修复列表" in page and 'id="pay-amount"' in page
    assert order.account.phone not in page and order.account.phone[:3] + "****" in page


def test_account_and_phone_list_orders_with_masked_phones_and_reveal_is_logged(sign_in):
    order = factories.order()
    manager = sign_in("manager")
    by_account = manager.get(f"/console/search?q={order.account.account_no}").get_data(
        as_text=True)
    assert order.order_no in by_account and order.account.phone not in by_account
    by_phone = manager.get(f"/console/search?q={order.account.phone}").get_data(as_text=True)
    assert order.order_no in by_phone and "客户电话" in by_phone
    assert order.account.phone not in by_phone.replace(f'value="{order.account.phone}"', "")
    shown = manager.post(f"/console/orders/{order.order_no}/phone", {}).get_data(as_text=True)
    assert f'href="tel:{order.account.phone}"' in shown
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "phone_revealed"))
    assert entry.target == f"order {order.order_no}" and entry.actor == manager.user.username


def test_technician_and_nothing(sign_in):
    tech = factories.technician(name="诸葛明")
    manager = sign_in("manager")
    page = manager.get("/console/search?q=诸葛").get_data(as_text=True)
    assert tech.employee_no in page and 'id="found-technicians"' in page
    none = manager.get("/console/search?q=NOPE-404").get_data(as_text=True)
    assert 'id="nothing-found"' in none
    missing = manager.get("/console/orders/NOPE-404")
    assert missing.status_code == 404 and "<html" in missing.get_data(as_text=True)
    assert 'id="search-box"' in page
