"""The Alembic migrations build exactly the schema the models describe, and the constraints bite."""
from datetime import datetime, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.masterdata.models import WorkOrder
from tests import factories


def test_models_and_migrations_agree():
    context = MigrationContext.configure(db.session.connection(),
                                         opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def _insert_order(**overrides):
    tech, acct = factories.technician(), factories.account()
    now = datetime(2026, 10, 1, tzinfo=timezone.utc)
    values = {"order_no": "GDX", "account_id": acct.id, "technician_id": tech.id,
              "order_type": "install", "product": "broadband", "area": "a", "created_at": now,
              "completed_at": now, "status": "completed", "created": now, "updated": now,
              **overrides}
    with db.session.begin_nested():
        db.session.execute(insert(WorkOrder.__table__).values(**values))


@pytest.mark.parametrize("overrides", [
    {"order_type": "demolish"},
    {"product": "fiber"},
    {"status": "done"},
    {"status": "completed", "completed_at": None},
    {"account_id": 999999},
    {"technician_id": 999999},
])
def test_database_refuses_what_the_rules_forbid(overrides):
    with pytest.raises(IntegrityError):
        _insert_order(**overrides)


def test_order_numbers_are_unique():
    _insert_order()
    with pytest.raises(IntegrityError):
        _insert_order()


@pytest.mark.real_commits
def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    """Every migration's downgrade works, and one linear history leads to a single head."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from app import create_app
    scratch = create_app({"APP_ENV": "testing", "SECRET_KEY": "x", "LOG_LEVEL": "WARNING",
                          "DATABASE_URL": f"sqlite:///{tmp_path}/roundtrip.db"})
    with scratch.app_context():
        original = db.session
        db.session = db._make_scoped_session({})     # this app's own engine, not the test's
        try:
            upgrade()
            assert "ratings" in inspect(db.engine).get_table_names()
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "rating_invitations" in inspect(db.engine).get_table_names()
        finally:
            db.session.remove()
            db.session = original
            db.engine.dispose()
