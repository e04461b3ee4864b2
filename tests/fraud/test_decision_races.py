"""Sixteen reviewers press opposite buttons on one flag — or one case — at the same instant, each
on its own connection: exactly one decision lands, fifteen get 409 decision_conflict, the audit
log and the decision history hold one decision, and the flag says what the winner was told."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.service import create_api_key
from app.console.models import AuditEntry
from app.db import utcnow
from app.extensions import db
from app.fraud.models import FraudCase, FraudDecision, FraudFlag, FraudOffence
from app.identity.models import WeChatUser
from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
from app.rating.models import Rating

pytestmark = pytest.mark.real_commits
RACERS = 16


def _committed_case(app, flags: int) -> tuple[str, int, list[int]]:
    """A technician with `flags` flagged ratings in one open case; an auditor key."""
    with app.app_context():
        tech = Technician(employee_no="RACE9", name="并发", phone="13800000009", team="一班",
                          area="城区", vendor="自营", status="active")
        rater = WeChatUser(token_version=0)
        case = FraudCase(status="open", score=0.9, flag_count=flags, month="2026-10")
        db.session.add_all([tech, rater, case])
        done = utcnow() - timedelta(days=1)
        flag_rows = []
        for i in range(flags):
            account = BroadbandAccount(account_no=f"RACE-A{i}", holder_name="客户",
                                       phone=f"1390000000{i}", address="x", area="城区")
            order = WorkOrder(order_no=f"RACE-GD{i}", account=account, technician=tech,
                              order_type="install", product="broadband", area="城区",
                              created_at=done - timedelta(hours=2), completed_at=done,
                              status="completed")
            db.session.add(order)
            db.session.flush()
            rating = Rating(order_id=order.id, technician_id=tech.id, user_id=rater.id, stars=5,
                            tags=[], comment="", channel="h5", created_at=done)
            db.session.add(rating)
            db.session.flush()
            flag_rows.append(FraudFlag(rating_id=rating.id, order_id=order.id,
                                       technician_id=tech.id, month="2026-10", score=0.9,
                                       reasons=[], status="open", case_id=case.id))
        db.session.add_all(flag_rows)
        _, key = create_api_key(role="auditor", name="race auditor")
        db.session.commit()
        return key, case.id, [f.id for f in flag_rows]


def _race(app, key: str, path: str, bodies: list[dict]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(bodies))
    answers = []

    def decide(body):
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=decide, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def _opposite(n: int) -> list[dict]:
    return [{"decision": "confirmed" if i % 2 else "dismissed", "note": f"审核员{i}的结论"}
            for i in range(n)]


def _one_winner(answers) -> dict:
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * (RACERS - 1), answers
    assert all(body["error"]["code"] == "decision_conflict"
               for status, body in answers if status == 409)
    return next(body for status, body in answers if status == 200)


def test_sixteen_opposite_decisions_on_one_flag_land_one(app):
    key, _, (flag_id,) = _committed_case(app, 1)
    winner = _one_winner(_race(app, key, f"/api/v1/admin/fraud/flags/{flag_id}/decision",
                               _opposite(RACERS)))
    with app.app_context():
        flag = db.session.get(FraudFlag, flag_id)
        assert flag.status == winner["status"] and flag.note == winner["note"]
        assert db.session.scalar(select(func.count()).select_from(FraudDecision)) == 1
        entries = db.session.scalars(select(AuditEntry.action)).all()
        assert [a for a in entries if a.startswith("flag_")] == [f"flag_{winner['status']}"]
        offences = db.session.scalar(select(func.count()).select_from(FraudOffence))
        assert offences == (1 if winner["status"] == "confirmed" else 0)


def test_sixteen_opposite_decisions_on_one_case_land_one(app):
    key, case_id, flag_ids = _committed_case(app, 3)
    winner = _one_winner(_race(app, key, f"/api/v1/admin/fraud/cases/{case_id}/decision",
                               _opposite(RACERS)))
    with app.app_context():
        assert db.session.get(FraudCase, case_id).status == winner["status"]
        statuses = {db.session.get(FraudFlag, fid).status for fid in flag_ids}
        assert statuses == {winner["status"]}
        decisions = db.session.scalars(select(FraudDecision)).all()
        assert len(decisions) == 3 and len({(d.decided_at, d.note) for d in decisions}) == 1
        entries = db.session.scalars(select(AuditEntry.action)).all()
        assert [a for a in entries if a.startswith("case_")] == [f"case_{winner['status']}"]
