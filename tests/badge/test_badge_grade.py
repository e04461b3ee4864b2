"""The badge shows the technician's grade of the last completed quarter (from the reports)."""
from datetime import datetime, timedelta, timezone

from app.badge import service as badges
from app.reports.service import last_completed_quarter
from tests import factories


def test_last_completed_quarter():
    assert last_completed_quarter(datetime(2026, 11, 24, tzinfo=timezone.utc),
                                  "Asia/Shanghai") == "2026Q3"
    # 2026-12-31T17:00Z is already 2027-01-01 in Shanghai
    assert last_completed_quarter(datetime(2026, 12, 31, 17, tzinfo=timezone.utc),
                                  "Asia/Shanghai") == "2026Q4"
    assert last_completed_quarter(datetime(2027, 2, 1, tzinfo=timezone.utc), "UTC") == "2026Q4"


def test_landing_shows_last_quarters_grade(client):
    technician = factories.technician()
    other = factories.technician()
    now = datetime.now(timezone.utc)
    start_of_quarter = now.replace(month=(now.month - 1) // 3 * 3 + 1, day=1)
    last_quarter = start_of_quarter - timedelta(days=20)
    factories.order(technician=technician, completed_at=last_quarter)
    badge = badges.get_or_create_badge(technician)
    assert badges.public_profile(badge).grade == 3        # one ranked technician: 3★ by SPEC
    page = client.get(f"/b/{badges.badge_token(badge)}").get_data(as_text=True)
    assert "★★★☆☆" in page
    assert badges.public_profile(badges.get_or_create_badge(other)).grade is None
