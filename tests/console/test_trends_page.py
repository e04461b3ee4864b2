"""班组趋势: month-over-month participation, satisfaction and pay per team, as the reports count them."""
import re
from datetime import datetime, timezone

from tests import factories
from tests.console.conftest import rating, user


def _cells(html: str, table: str, team: str) -> list[str]:
    body = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S).group(1)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", body, re.S) if f">{team}<" in r)
    return [c.strip() for c in re.findall(r'<td class="num">(.*?)</td>', row, re.S)]


def _world():
    east = [factories.technician(team="趋势东班", area="趋势区") for _ in range(2)]
    west = factories.technician(team="趋势西班", area="趋势区")
    sep, octo = (datetime(2026, 9, 12, 2, tzinfo=timezone.utc),
                 datetime(2026, 10, 12, 2, tzinfo=timezone.utc))
    rater = user()
    # 趋势东班: September 1 of 2 orders rated, October 3 of 4; 趋势西班: nothing in September,
    # October 0 of 2.
    for tech, when, rated in ((east[0], sep, True), (east[1], sep, False),
                              (east[0], octo, True), (east[0], octo, True),
                              (east[1], octo, True), (east[1], octo, False),
                              (west, octo, False), (west, octo, False)):
        order = factories.order(technician=tech, completed_at=when)
        if rated:
            rating(order, rater, rated_at=when.replace(hour=3))


def test_trends_show_each_teams_months_from_the_reports(sign_in):
    _world()
    manager = sign_in("manager")
    page = manager.get("/console/reports/trends?month=2026-10&area=趋势区")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert html.count('<svg class="chart"') == 3
    assert "趋势区·趋势东班" in html and "趋势区·趋势西班" in html          # legends name the teams
    east = _cells(html, "trend-participation_rate", "趋势东班")
    west = _cells(html, "trend-participation_rate", "趋势西班")
    assert len(east) == len(west) == 6                                   # six months, oldest first
    assert east[-2:] == ["50.0%", "75.0%"] and east[:-2] == ["—"] * 4
    assert west[-2:] == ["—", "0.0%"]
    pay = _cells(html, "trend-total_pay", "趋势东班")
    assert pay[-1] != "—" and float(pay[-1].replace(",", "")) >= 0


def test_trends_need_the_reports_role_and_a_real_month(sign_in, client):
    assert client.get("/console/reports/trends").status_code == 302       # sign in first
    auditor = sign_in("auditor")
    assert auditor.get("/console/reports/trends?month=2026-10").status_code == 200
    assert auditor.get("/console/reports/trends?month=2026-13").status_code == 422
