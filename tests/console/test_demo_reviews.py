"""`flask demo seed` gives auditors something to confirm: the planted ring tops the queue."""
from datetime import datetime, timezone

from app.demo.ratings import RING_TECHNICIAN
from app.demo.service import seed_demo, seed_demo_reviews
from app.fraud import service as fraud_service

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


def test_demo_reviews_plant_a_ring_that_tops_the_queue_and_rerun_adds_nothing(app):
    seed_demo(tz_name="Asia/Shanghai", technicians=20, accounts=300, orders_per_month=400, now=NOW)
    first = seed_demo_reviews(config=app.config, now=NOW)
    assert first["ratings"] > 100 and first["planted"] == 6 and first["flags"] >= 6
    top = fraud_service.list_flags(status="open", per_page=5).items
    assert [f.technician.employee_no for f in top] == [RING_TECHNICIAN] * 5
    assert {"multi_account_rater", "duplicate_comment", "burst"} <= set(top[0].detector_ids)
    assert top[0].score > 0.9
    colleague = fraud_service.list_flags(status="open", detector="rater_is_technician").items
    assert len(colleague) == 1

    again = seed_demo_reviews(config=app.config, now=NOW)
    assert again["ratings"] == 0 and again["flags"] == first["flags"]
