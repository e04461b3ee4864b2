"""A team leader's recovery list: what the customer said (stars, tags, comment), a masked phone
with a logged reveal and a tel: link, the order's page, the time left, outcome categories."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.console.models import AuditEntry
from app.console.recovery import time_left
from app.extensions import db
from app.rating.models import Rating, RecoveryTask
from tests import factories
from tests.console.conftest import user

NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_time_left_in_words():
    assert time_left(NOW + timedelta(hours=5, minutes=10), NOW, "open") == ("剩余 5 小时", "ok")
    assert time_left(NOW + timedelta(hours=2), NOW, "claimed") == ("剩余 2 小时", "warn")
    assert time_left(NOW - timedelta(days=1, hours=3), NOW, "open") == ("超期 1 天 3 小时", "bad")
    assert time_left(NOW + timedelta(minutes=20), NOW, "open") == ("剩余 20 分钟", "warn")
    assert time_left(NOW - timedelta(days=3), NOW, "closed") == ("", "")


def test_a_task_shows_what_the_customer_said_and_the_reveal_is_logged(sign_in):
    done = datetime.now(UTC) - timedelta(hours=20)
    order = factories.order(completed_at=done)
    db.session.add(Rating(order_id=order.id, technician_id=order.technician_id, user_id=user().id,
                          stars=1, tags=["extra_charge"], comment="师傅私自收了五十元材料费",
                          channel="h5", created_at=done + timedelta(hours=1)))
    task = RecoveryTask(order_id=order.id, technician_id=order.technician_id, team="城东装维班",
                        area="城区营业部", source="rating", stars=1,
                        due_at=datetime.now(UTC) + timedelta(hours=30))
    db.session.add(task)
    db.session.flush()
    manager = sign_in("manager")
    page = manager.get("/console/recovery").get_data(as_text=True)
    assert "师傅私自收了五十元材料费" in page and "★☆☆☆☆" in page
    assert '<span class="pill bad">私自收费</span>' in page
    assert f'href="/console/orders/{order.order_no}"' in page and "剩余 1 天" in page
    phone = order.account.phone
    assert phone not in page and phone[:3] + "****" + phone[-4:] in page
    shown = manager.post(f"/console/recovery/{task.id}/phone").get_data(as_text=True)
    assert f'href="tel:{phone}"' in shown
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "phone_revealed"))
    assert entry.target == f"task {task.id}" and entry.details["order_no"] == order.order_no
    for outcome in ("已联系客户致歉", "多次联系未接通", "客户误评/非本人评价"):
        assert outcome in page
