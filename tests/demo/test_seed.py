from datetime import datetime, timezone

from sqlalchemy import func, select

from app.demo.service import seed_demo
from app.extensions import db
from app.masterdata.models import CallbackResult, Technician, WorkOrder

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


def test_demo_seed_is_believable_and_idempotent():
    first = seed_demo(tz_name="Asia/Shanghai", technicians=20, accounts=300,
                      orders_per_month=400, now=NOW)
    assert all(r.rejected_count == 0 for r in first.values())
    assert first["technicians"].created == 20
    orders = db.session.scalar(select(func.count()).select_from(WorkOrder))
    assert orders > 400                         # last month plus this month to yesterday
    completed_last_month = db.session.scalar(select(func.count()).select_from(WorkOrder).where(
        WorkOrder.status == "completed",
        WorkOrder.completed_at >= datetime(2026, 9, 30, 16, tzinfo=timezone.utc),
        WorkOrder.completed_at < datetime(2026, 10, 31, 16, tzinfo=timezone.utc)))
    assert completed_last_month > 300
    assert db.session.scalar(select(func.count()).select_from(CallbackResult)) > 50
    teams = db.session.scalars(select(Technician.team).distinct()).all()
    assert len(teams) >= 5

    again = seed_demo(tz_name="Asia/Shanghai", technicians=20, accounts=300,
                      orders_per_month=400, now=NOW)
    assert all(r.created == 0 and r.updated == 0 for r in again.values())


def test_scan_walkthrough_points_at_a_rateable_order(app):
    from tests import factories
    from app.demo.service import scan_walkthrough
    order = factories.order()
    walk = scan_walkthrough(window_days=7)
    assert walk["order"].id == order.id
    assert walk["badge_url"].startswith("http://rating.test/b/")
    output = app.test_cli_runner().invoke(args=["demo", "scan"]).output
    assert order.account.account_no in output and walk["badge_url"] in output


def test_seed_command_leaves_a_database_in_use_alone(app):
    from tests import factories
    from app.rating.models import Rating
    factories.technician()
    before = (db.session.scalar(select(func.count()).select_from(WorkOrder)),
              db.session.scalar(select(func.count()).select_from(Rating)))
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--technicians", "3",
                                                "--accounts", "20", "--orders", "30"])
    assert result.exit_code == 0, result.output
    assert "未添加演示数据" in result.output
    after = (db.session.scalar(select(func.count()).select_from(WorkOrder)),
             db.session.scalar(select(func.count()).select_from(Rating)))
    assert after == before
    forced = app.test_cli_runner().invoke(args=["demo", "seed", "--technicians", "3",
                                                "--accounts", "20", "--orders", "30", "--force"])
    assert forced.exit_code == 0, forced.output
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) > before[0]
