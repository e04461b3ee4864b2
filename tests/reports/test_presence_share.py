"""The presence share (在场扫码) beside each technician and team in the monthly report and the
ranking: of the month's WeChat ratings, how many were given in front of the technician. A closed
month keeps the share it was closed with."""
from __future__ import annotations

from datetime import timedelta

from app.reports import service
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports.conftest import NOW, OCT_START, rating

TZ = "Asia/Shanghai"
MONTH = "2026-10"


def rated(technician, presence: bool, *, voided: bool = False, day: int = 3):
    order = factories.order(technician=technician, completed_at=OCT_START + timedelta(days=day))
    row = rating(order, 5, voided=voided)
    row.presence = presence
    return row


def test_report_and_ranking_show_each_technicians_and_teams_presence_share():
    east = factories.technician(team="城东装维班", area="城区")
    east_too = factories.technician(team="城东装维班", area="城区")
    west = factories.technician(team="城西装维班", area="城区")
    for presence in (True, True, False):
        rated(east, presence)
    rated(east, True, voided=True)              # a voided rating counts for nothing
    rated(east_too, True)
    factories.order(technician=west, completed_at=OCT_START + timedelta(days=4))   # no rating
    tariff = parse_tariff()

    report = {r["employee_no"]: r for r in service.monthly_report(
        month=MONTH, tariff=tariff, tz_name=TZ)["items"]}
    assert (report[east.employee_no]["ratings_with_presence"],
            report[east.employee_no]["presence_rate"]) == (2, 0.6667)
    assert report[east_too.employee_no]["presence_rate"] == 1.0
    assert report[west.employee_no]["presence_rate"] is None      # nothing to judge by

    ranked = service.monthly_ranking(month=MONTH, tariff=tariff, tz_name=TZ)
    items = {i["employee_no"]: i for i in ranked["items"]}
    assert items[east.employee_no]["presence_rate"] == 0.6667
    teams = {t["team"]: t for t in ranked["teams"]}
    assert (teams["城东装维班"]["ratings_with_presence"], teams["城东装维班"]["presence_rate"]) \
        == (3, 0.75)
    assert teams["城西装维班"]["presence_rate"] is None


def test_a_closed_month_keeps_the_share_it_was_closed_with():
    technician = factories.technician()
    rated(technician, False)
    rated(technician, True)
    tariff = parse_tariff()
    service.close_month(month=MONTH, by="x", tariff=tariff, tz_name=TZ, now=NOW)
    rated(technician, True, day=5)              # a late rating given in presence
    rated(technician, True, day=6)

    def share(**kwargs):
        report = service.monthly_report(month=MONTH, tariff=tariff, tz_name=TZ, **kwargs)
        ranked = service.monthly_ranking(month=MONTH, tariff=tariff, tz_name=TZ, **kwargs)
        line = next(r for r in report["items"] if r["employee_no"] == technician.employee_no)
        item = next(i for i in ranked["items"] if i["employee_no"] == technician.employee_no)
        return line["presence_rate"], item["presence_rate"]

    assert share() == (0.5, 0.5)
    assert share(live=True) == (0.75, 0.75)
