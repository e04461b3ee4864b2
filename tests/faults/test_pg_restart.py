"""PostgreSQL restarted under load: requests that meet the outage get a JSON 503 (never a 500 or a
hang), the server recovers by itself (pool_pre_ping), and no rating is lost or doubled.

Restarting the cluster disturbs every other test run on the same machine, so it runs only when
asked: FAULT_PG_RESTART=1 with TEST_DATABASE_URL on PostgreSQL and `pg_ctlcluster` available
(.ci/run sets it for its PostgreSQL pass). PG_CLUSTER picks the cluster (default "15 main").
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.identity.models import AccountBinding, WeChatUser
from app.identity.tokens import issue_token
from app.rating.models import Rating
from tests import factories
from tests.conftest import TEST_SECRET

pytestmark = [
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                       reason="postgresql only (TEST_DATABASE_URL)"),
    pytest.mark.skipif(not (os.environ.get("FAULT_PG_RESTART") == "1"
                            and shutil.which("pg_ctlcluster")),
                       reason="needs FAULT_PG_RESTART=1 and pg_ctlcluster (it restarts the "
                              "cluster: never on a shared machine)"),
]

CUSTOMERS = 40
CLIENTS = 4


def _scene(app) -> list[tuple[str, dict]]:
    """CUSTOMERS bound customers, each with one completed order to rate; committed for real."""
    with app.app_context():
        done = datetime.now(timezone.utc) - timedelta(hours=1)
        work = []
        for _ in range(CUSTOMERS):
            order = factories.order(completed_at=done)
            user = WeChatUser(token_version=0)
            db.session.add(user)
            db.session.flush()
            db.session.add(AccountBinding(user_id=user.id, account_id=order.account.id,
                                          method="phone_code"))
            work.append((order.order_no, {
                "Authorization": f"Bearer {issue_token(TEST_SECRET, user.id, 0)}"}))
        db.session.commit()
        return work


@pytest.mark.real_commits
def test_ratings_survive_a_postgres_restart(app):
    work = _scene(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    answers: list[tuple[int, str]] = []
    problems: list[str] = []
    lock = threading.Lock()
    rated = threading.Event()

    def rate(items):
        for order_no, headers in items:
            key = uuid.uuid4().hex            # the same key for every retry of this rating
            deadline = time.monotonic() + 60
            while True:
                try:
                    r = requests.post(base + "/api/v1/ratings", timeout=15,
                                      headers={**headers, "Idempotency-Key": key},
                                      json={"order_no": order_no, "stars": 5, "tags": [],
                                            "comment": "restart"})
                except requests.RequestException as exc:
                    with lock:
                        problems.append(f"{order_no}: no answer: {exc!r}")
                    return
                with lock:
                    answers.append((r.status_code, r.headers.get("Content-Type", "")))
                if r.status_code == 201:
                    rated.set()
                    break
                if r.status_code != 503 or time.monotonic() > deadline:
                    with lock:
                        problems.append(f"{order_no}: {r.status_code} {r.text[:200]}")
                    break
                time.sleep(0.2)
            time.sleep(0.05)

    threads = [threading.Thread(target=rate, args=(work[i::CLIENTS],)) for i in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        assert rated.wait(30), "no rating succeeded before the restart"
        cluster = os.environ.get("PG_CLUSTER", "15 main").split()
        subprocess.run(["pg_ctlcluster", *cluster, "restart", "-m", "fast"], check=True,
                       timeout=60)
        for t in threads:
            t.join(timeout=90)
        assert not any(t.is_alive() for t in threads), "a client is stuck"
        ready = requests.get(base + "/readyz", timeout=10)
    finally:
        server.shutdown()

    assert not problems, problems
    assert {status for status, _ in answers} <= {201, 503}
    assert all(ctype.startswith("application/json") for _, ctype in answers)
    assert ready.status_code == 200
    with app.app_context():
        counts = db.session.execute(
            select(Rating.order_id, func.count()).group_by(Rating.order_id)).all()
        assert len(counts) == CUSTOMERS and all(n == 1 for _, n in counts)
