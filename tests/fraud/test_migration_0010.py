"""Migration 0010 carries live data over: per-flag sanctions become one offence per
technician-month, numbered by month (the second suspended), flags land in cases; and back."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from app.extensions import db

pytestmark = pytest.mark.real_commits
NOW = datetime(2026, 11, 20, 2, tzinfo=timezone.utc).replace(tzinfo=None)


def _seed(conn) -> None:
    conn.execute(text(
        "INSERT INTO technicians (id, employee_no, name, phone, team, area, vendor, status, "
        "created, updated) VALUES (1, 'M1', '迁移', '13800000001', '一班', '城区', '自营', "
        "'active', :now, :now)"), {"now": NOW})
    conn.execute(text(
        "INSERT INTO broadband_accounts (id, account_no, holder_name, phone, address, area, "
        "created, updated) VALUES (1, 'MA1', '户主', '13900000001', 'x', '城区', :now, :now)"),
        {"now": NOW})
    conn.execute(text("INSERT INTO wechat_users (id, token_version, created_at) "
                      "VALUES (1, 0, :now)"), {"now": NOW})
    # Three confirmed frauds: two in October (the old code made them offences 1 and 2), one in
    # November; and an open flag in October.
    for i, (month, status, sanction) in enumerate(
            [("2026-10", "confirmed", (1, 5000, False)), ("2026-10", "confirmed", (2, 1000, True)),
             ("2026-11", "confirmed", (3, 1000, True)), ("2026-10", "open", None)], start=1):
        conn.execute(text(
            "INSERT INTO work_orders (id, order_no, account_id, technician_id, order_type, "
            "product, area, created_at, completed_at, status, created, updated) VALUES "
            "(:i, :no, 1, 1, 'install', 'broadband', '城区', :now, :now, 'completed', :now, :now)"),
            {"i": i, "no": f"MGD{i}", "now": NOW})
        conn.execute(text(
            "INSERT INTO ratings (id, order_id, technician_id, user_id, stars, tags, comment, "
            "channel, created_at) VALUES (:i, :i, 1, 1, 5, '[]', '', 'h5', :now)"),
            {"i": i, "now": NOW})
        conn.execute(text(
            "INSERT INTO fraud_flags (id, rating_id, order_id, technician_id, month, score, "
            "detectors, reasons, status, created_at, updated_at) VALUES "
            "(:i, :i, :i, 1, :month, 0.9, '', '[]', :status, :now, :now)"),
            {"i": i, "month": month, "status": status, "now": NOW})
        if sanction:
            conn.execute(text(
                "INSERT INTO sanctions (flag_id, technician_id, month, offence_no, fine, "
                "suspension, created_at) VALUES (:i, 1, :month, :no, :fine, :susp, :now)"),
                {"i": i, "month": month, "no": sanction[0], "fine": sanction[1],
                 "susp": sanction[2], "now": NOW})


def test_sanctions_become_one_offence_per_month_and_come_back(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    scratch = create_app({"APP_ENV": "testing", "SECRET_KEY": "x", "LOG_LEVEL": "WARNING",
                          "DATABASE_URL": f"sqlite:///{tmp_path}/carry.db"})
    with scratch.app_context():
        original = db.session
        db.session = db._make_scoped_session({})
        try:
            upgrade(revision="0009")
            with db.engine.begin() as conn:
                _seed(conn)
            upgrade(revision="0010")
            with db.engine.connect() as conn:
                offences = conn.execute(text(
                    "SELECT month, offence_no, fine, suspension, suspension_id IS NOT NULL "
                    "FROM fraud_offences ORDER BY month")).all()
                assert [tuple(o) for o in offences] == [("2026-10", 1, 5000, False, False),
                                                        ("2026-11", 2, 1000, True, True)]
                linked = conn.execute(text(
                    "SELECT f.id, o.month FROM fraud_flags f JOIN fraud_offences o "
                    "ON o.id = f.offence_id ORDER BY f.id")).all()
                assert [tuple(r) for r in linked] == [(1, "2026-10"), (2, "2026-10"),
                                                      (3, "2026-11")]
                cases = conn.execute(text(
                    "SELECT c.status, c.flag_count FROM fraud_cases c ORDER BY c.month")).all()
                assert [tuple(c) for c in cases] == [("open", 3), ("confirmed", 1)]
                (days,) = conn.execute(text(
                    "SELECT julianday(ends_on) - julianday(starts_on) + 1 "
                    "FROM technician_suspensions")).one()
                assert days == 30
            downgrade(revision="0009")
            with db.engine.connect() as conn:
                back = conn.execute(text(
                    "SELECT flag_id, month, offence_no FROM sanctions ORDER BY flag_id")).all()
                assert [tuple(b) for b in back] == [(1, "2026-10", 1), (2, "2026-10", 1),
                                                    (3, "2026-11", 2)]
        finally:
            db.session.remove()
            db.session = original
            db.engine.dispose()
