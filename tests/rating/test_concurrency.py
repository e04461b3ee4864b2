"""Eight simultaneous submissions for one order land exactly one rating (database-enforced)."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.extensions import db
from app.identity.models import AccountBinding, WeChatUser
from app.identity.tokens import issue_token
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating
from tests.conftest import TEST_SECRET


def _committed_scene(app, users: int):
    with app.app_context():
        tech = Technician(employee_no="RACE1", name="并发", phone="13800000000", team="一班",
                          area="城区", vendor="自营", status="active")
        account = BroadbandAccount(account_no="RACE-A", holder_name="客户", phone="13900000000",
                                   address="x", area="城区")
        done = utcnow() - timedelta(hours=1)
        order = WorkOrder(order_no="RACE-GD", account=account, technician=tech,
                          order_type="install", product="broadband", area="城区",
                          created_at=done - timedelta(hours=2), completed_at=done,
                          status="completed")
        people = [WeChatUser(token_version=0) for _ in range(users)]
        db.session.add_all([tech, account, order, *people])
        db.session.flush()
        db.session.add_all([AccountBinding(user_id=p.id, account_id=account.id,
                                           method="phone_code") for p in people])
        db.session.commit()
        return [issue_token(TEST_SECRET, p.id, 0) for p in people]


def _race(app, tokens, idempotency_key=None, order_nos=None):
    barrier = threading.Barrier(len(tokens))
    answers = []
    order_nos = iter(order_nos or ["RACE-GD"] * len(tokens))

    def submit(token, order_no):
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/ratings", headers=headers,
                               json={"order_no": order_no, "stars": 5, "tags": ["on_time"]})
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=submit, args=(t, next(order_nos))) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.mark.real_commits
def test_eight_family_members_racing_land_one_rating(app):
    answers = _race(app, _committed_scene(app, 8))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 7, answers
    assert all(body["error"]["code"] == "already_rated" for status, body in answers
               if status == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 1


@pytest.mark.real_commits
def test_eight_retries_with_one_key_all_get_the_first_answer(app):
    token = _committed_scene(app, 1)[0]
    answers = _race(app, [token] * 8, idempotency_key="retry-1")
    assert [status for status, _ in answers] == [201] * 8, answers
    assert len({body["id"] for _, body in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 1


@pytest.mark.real_commits
def test_one_key_for_two_orders_at_once_is_a_422_not_a_500(app):
    # Issue 17: the same Idempotency-Key for two different orders at once hit the unique
    # (user_id, key) constraint and answered 500.
    token = _committed_scene(app, 1)[0]
    with app.app_context():
        first = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == "RACE-GD"))
        db.session.add(WorkOrder(order_no="RACE-GD2", account_id=first.account_id,
                                 technician_id=first.technician_id, order_type="install",
                                 product="broadband", area="城区", created_at=first.created_at,
                                 completed_at=first.completed_at, status="completed"))
        db.session.commit()
    answers = _race(app, [token] * 8, idempotency_key="shared-key",
                    order_nos=["RACE-GD", "RACE-GD2"] * 4)
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 422} and statuses.count(422) >= 1, answers
    assert all(body["error"]["code"] == "idempotency_key_reused"
               for status, body in answers if status == 422)
    assert len({body["id"] for status, body in answers if status == 201}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
