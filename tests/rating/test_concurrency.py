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


def _race(app, tokens, idempotency_key=None):
    barrier = threading.Barrier(len(tokens))
    answers = []

    def submit(token):
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/ratings", headers=headers,
                               json={"order_no": "RACE-GD", "stars": 5, "tags": ["on_time"]})
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
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
