"""Test fixtures: one app and one migrated database per session, one rolled-back transaction per test.

The database is SQLite by default; set TEST_DATABASE_URL to run the same suite on PostgreSQL
(`.ci/run` does both). The schema is built by the real Alembic migrations, not `create_all`, so
every run also proves the migrations.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.extensions import db
from tests import apidoc_check
# In CI a missing tool is a failure, not a skip: a green run must mean every path ran. The one
# skip allowed there is a PostgreSQL-only test during the SQLite run.
from tests.ci import ALLOWED_CI_SKIP, IN_CI

TEST_SECRET = "test-secret-key-not-for-production"
# Redis for the Redis-backed paths (token store, limiter, task queue). Each test keeps to keys of
# its own (random prefixes and queue names), so a shared server and index are safe.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# The loopback WeChat simulator fixtures (`simulator`, `wechat`), for every test directory.
pytest_plugins = ["tests.wechat_fixtures"]


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def _reset_postgres(url: str) -> None:
    from app.config import normalize_database_url
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app():
    tmp_dir = Path(tempfile.mkdtemp(prefix="rating-tests-"))
    url = _database_url(tmp_dir)
    if url.startswith("postgres"):
        _reset_postgres(url)
    app = create_app({
        "APP_ENV": "testing",
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": "http://rating.test",
        "LOG_LEVEL": "WARNING",
        "IMPORT_BATCH_SIZE": 50,
        "GRADE_MEMO_SECONDS": 0,     # rows differ from test to test
        # Tasks run as soon as the request's transaction commits, before the test client
        # returns (it never closes the response, which is when they run in production).
        "TASKS_EAGER": True,
    })
    app.instance_path = str(tmp_dir / "instance")
    apidoc_check.install(app)
    with app.app_context():
        upgrade()          # "head": more than one head would fail here, as it would in production
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run each test inside a transaction that is rolled back afterwards.

    The session joins the outer transaction with savepoints, so code under test may commit freely.
    Tests marked `real_commits` (races between connections) commit for real and are cleaned up by
    deleting every row afterwards instead.
    """
    if request.node.get_closest_marker("real_commits"):
        yield
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # One session per app context, as in the app: a request that rolls back its session
        # (an expected error) rolls back its own savepoint, not the test's data.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id)
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _errors_are_documented():
    """A test whose API call answered an error code its operation does not document fails."""
    apidoc_check.take()
    yield
    undocumented = apidoc_check.take()
    assert not undocumented, "undocumented error codes:\n" + "\n".join(sorted(set(undocumented)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        if ALLOWED_CI_SKIP not in reason:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI (CI=1 turns skips into failures): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a skip while collecting (an `importorskip` in a conftest or at a module's
    top): it would hide a whole directory of tests behind one skip line."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        if ALLOWED_CI_SKIP not in reason:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI (CI=1 turns skips into failures): {reason}"


@pytest.fixture
def redis_url():
    """TEST_REDIS_URL, checked to answer. Without a Redis a developer's run skips the test;
    CI fails it."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {TEST_REDIS_URL} ({exc}); set TEST_REDIS_URL")
    return TEST_REDIS_URL


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api_key():
    """`api_key("manager")` → a raw API key of that role."""
    from app.auth.service import create_api_key

    def make(role: str = "admin") -> str:
        _, raw = create_api_key(role=role, name=f"test {role}")
        db.session.flush()
        return raw

    return make


@pytest.fixture
def admin_headers(api_key):
    return {"Authorization": f"Bearer {api_key('admin')}"}
