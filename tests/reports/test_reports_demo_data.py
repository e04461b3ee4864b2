"""On the demo operator's data (plus ratings and a fraud), the reports equal the recomputation."""
import random
from datetime import datetime, timezone

from sqlalchemy import select

from app.demo.service import seed_demo
from app.extensions import db
from app.masterdata.models import Technician, WorkOrder
from app.reports import service
from app.reports.tariff import parse_tariff
from tests.reports import oracle
from tests.reports.conftest import OCT_END, OCT_START, rating, sanction, wechat_user

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
Q4_START = OCT_START
Q4_END = datetime(2026, 12, 31, 16, tzinfo=timezone.utc)


def test_demo_month_and_quarter_match_recomputation():
    seed_demo(tz_name="Asia/Shanghai", technicians=20, accounts=300, orders_per_month=400, now=NOW)
    rng = random.Random(5)
    rater = wechat_user()
    completed = list(db.session.scalars(select(WorkOrder).where(WorkOrder.status == "completed")))
    for order in rng.sample(completed, len(completed) // 3):
        rating(order, rng.choices([1, 2, 3, 4, 5], [3, 3, 10, 30, 54])[0], user=rater,
               voided=rng.random() < 0.05)
    techs = list(db.session.scalars(select(Technician).order_by(Technician.employee_no)))
    sanction(techs[0], "2026-10")

    tariff = parse_tariff()
    result = service.monthly_report(month="2026-10", tariff=tariff, tz_name="Asia/Shanghai")
    expected = oracle.monthly("2026-10", OCT_START, OCT_END)
    fields = ("orders_completed", "wechat_ratings", "participation_rate", "stars", "avg_stars",
              "satisfaction_rate", "install_pay_fen", "star_eligible", "frauds_confirmed")
    got = {i["employee_no"]: {k: i[k] for k in fields} for i in result["items"]}
    assert got == {no: {k: e[k] for k in fields} for no, e in expected.items()}
    assert result["totals"]["orders_completed"] > 300

    for tech in techs:
        ledger = service.pay_ledger(month="2026-10", technician=tech, tariff=tariff,
                                    tz_name="Asia/Shanghai")
        assert ledger["components_fen"].get("install", 0) == expected.get(
            tech.employee_no, {"install_pay_fen": 0})["install_pay_fen"]

    quarter = service.quarterly_grades(quarter="2026Q4", tariff=tariff, tz_name="Asia/Shanghai")
    q_expected = oracle.quarterly(["2026-10", "2026-11", "2026-12"], Q4_START, Q4_END)
    q_got = {i["employee_no"]: {k: i[k] for k in ("orders", "stars_total", "excluded", "grade",
                                                    "rank", "monthly_bonus_fen")}
             for i in quarter["items"]}
    assert q_got == q_expected
    assert quarter["ranked"] >= 10
