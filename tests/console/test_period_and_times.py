"""An open month or quarter says 进行中 · 截至 …; a closed month's time is local, never raw UTC ISO."""
import re

from app.db import utcnow
from app.reports import service as report_service


def test_open_month_and_quarter_say_in_progress(sign_in, app):
    manager = sign_in("manager")
    now = utcnow()
    month = now.strftime("%Y-%m")                 # the month running now (UTC or local: either)
    page = manager.get(f"/console/reports/month?month={month}").get_data(as_text=True)
    assert 'id="period-note"' in page and "进行中 · 截至" in page
    quarter = report_service.quarter_of(month)
    page = manager.get(f"/console/reports/quarter?quarter={quarter}").get_data(as_text=True)
    assert "进行中 · 截至" in page
    past = manager.get("/console/reports/month?month=2020-01").get_data(as_text=True)
    assert 'id="period-note"' not in past


def test_closed_month_shows_a_local_time(sign_in, flagged_ring):
    manager = sign_in("manager")
    closed = manager.post("/console/reports/close", {"month": "2026-10", "note": "月结"})
    assert closed.status_code in (200, 302)
    page = manager.get("/console/reports/month?month=2026-10").get_data(as_text=True)
    assert "月结快照" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", page), "a raw ISO timestamp"
