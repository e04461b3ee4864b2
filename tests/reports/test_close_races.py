"""Racing month closes and reopens on separate connections: one wins, the others get 409 and
change nothing — a second reopen never overwrites the first's reason."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from app.reports import service
from app.reports.models import Bulletin, MonthVersion
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports.conftest import NOW, OCT_START

pytestmark = pytest.mark.real_commits
T = parse_tariff()


def race(app, action, count=4):
    """Run `action(i)` in `count` threads at once, each with its own session and commit."""
    outcomes, barrier = [None] * count, threading.Barrier(count)

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                action(i)
                db.session.commit()
                outcomes[i] = "ok"
            except Conflict as exc:
                db.session.rollback()
                outcomes[i] = exc.code
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_racing_closes_and_reopens(app):
    with app.app_context():
        tech = factories.technician()
        factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
        db.session.commit()

    closes = race(app, lambda i: service.close_month(month="2026-10", by=f"m{i}", tariff=T,
                                                     tz_name="Asia/Shanghai", now=NOW,
                                                     expected_version=0))
    assert closes.count("ok") == 1 and set(closes) <= {"ok", "month_close_conflict",
                                                       "month_state_changed",
                                                       "month_already_closed"}
    reopens = race(app, lambda i: service.reopen_month(month="2026-10", by=f"m{i}",
                                                       reason=f"原因{i}", expected_version=1))
    assert reopens.count("ok") == 1
    winner = reopens.index("ok")
    with app.app_context():
        versions = list(db.session.scalars(select(MonthVersion)))
        assert len(versions) == 1
        assert versions[0].reopen_reason == f"原因{winner}" and versions[0].reopened_by == f"m{winner}"
        assert len(list(db.session.scalars(select(Bulletin)))) == 1      # one close, one bulletin
