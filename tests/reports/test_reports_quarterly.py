"""Quarterly grade from the database equals an independent recomputation."""
from datetime import datetime, timedelta, timezone

import pytest

from app.reports import service
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports import oracle
from tests.reports.conftest import complaint, random_world, rating, sanction

TZ = "Asia/Shanghai"
Q4_START = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
Q4_END = datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
Q4 = ["2026-10", "2026-11", "2026-12"]


def grades(**kw):
    return service.quarterly_grades(quarter="2026Q4", tariff=parse_tariff(), tz_name=TZ, **kw)


@pytest.mark.parametrize("seed", [71, 72, 73])
def test_grades_match_independent_recomputation(seed):
    techs = random_world(seed, technicians=14, orders=240, start=Q4_START - timedelta(days=3),
                         end=Q4_END + timedelta(days=3))
    complaint(techs[5], Q4_START + timedelta(days=20))
    complaint(techs[6], Q4_START + timedelta(days=20), justified=False)
    complaint(techs[7], Q4_START - timedelta(seconds=1))            # before the quarter
    result = grades()
    expected = oracle.quarterly(Q4, Q4_START, Q4_END)
    got = {i["employee_no"]: {k: i[k] for k in ("orders", "stars_total", "excluded", "grade",
                                                  "rank", "monthly_bonus_fen")}
           for i in result["items"]}
    assert got == expected
    by_no = {i["employee_no"]: i for i in result["items"]}
    assert by_no[techs[5].employee_no]["excluded"] == "justified_complaint"
    assert by_no[techs[1].employee_no]["excluded"] == "confirmed_fraud"
    assert by_no[techs[2].employee_no]["excluded"] != "confirmed_fraud"   # revoked sanction
    assert result["ranked"] == sum(1 for e in expected.values() if e["excluded"] is None)
    assert sum(result["distribution"].values()) == result["ranked"]


def test_campus_orders_do_not_count_toward_the_grade():
    tech = factories.technician()
    rating(factories.order(technician=tech, completed_at=Q4_START + timedelta(days=1)), 5)
    rating(factories.order(technician=tech, product="campus",
                           completed_at=Q4_START + timedelta(days=1)), 1)
    line = next(i for i in grades()["items"] if i["employee_no"] == tech.employee_no)
    assert (line["orders"], line["stars_total"], line["score"]) == (1, 5, 1.0)


def test_bonus_by_grade_and_filters_keep_company_wide_ranks():
    techs = [factories.technician(team="甲班" if i % 2 else "乙班") for i in range(10)]
    for i, tech in enumerate(techs):
        for _ in range(i + 1):
            order = factories.order(technician=tech, completed_at=Q4_START + timedelta(days=2))
            rating(order, 5 if i >= 5 else 3)
    full = grades()
    assert full["boundaries"] == [1, 2, 5, 8, 9, 10]
    top = full["items"][0]
    assert top["employee_no"] == techs[9].employee_no          # score 1.0, most orders
    assert (top["grade"], top["monthly_bonus"]) == (5, "500.00")
    assert [i["grade"] for i in full["items"]] == [5, 4, 3, 3, 3, 2, 2, 2, 1, None]
    assert [i["monthly_bonus"] for i in full["items"][:3]] == ["500.00", "300.00", "200.00"]
    team = grades(who=service.TechnicianFilter(team="甲班"))
    ranks = {i["employee_no"]: (i["rank"], i["grade"]) for i in full["items"]}
    assert all((i["rank"], i["grade"]) == ranks[i["employee_no"]] for i in team["items"])


def test_sanction_in_any_month_of_the_quarter_excludes(client, auditor_headers):
    tech = factories.technician()
    factories.order(technician=tech, completed_at=Q4_START + timedelta(days=40))
    sanction(tech, "2026-12")
    body = client.get("/api/v1/admin/reports/quarterly?quarter=2026Q4",
                      headers=auditor_headers).json
    line = next(i for i in body["items"] if i["employee_no"] == tech.employee_no)
    assert line["grade"] is None and line["excluded"] == "confirmed_fraud"
    assert line["monthly_bonus"] == "0.00" and line["rank"] is None
    for key in ("employee_no", "score", "orders", "grade", "monthly_bonus"):
        assert key in line
    csv = client.get("/api/v1/admin/reports/quarterly?quarter=2026Q4&format=csv",
                     headers=auditor_headers)
    assert csv.data.startswith(b"\xef\xbb\xbf") and "季度星级" in csv.data.decode("utf-8-sig")
    assert client.get("/api/v1/admin/reports/quarterly?quarter=2026Q4&format=xlsx",
                      headers=auditor_headers).status_code == 200
    assert client.get("/api/v1/admin/reports/quarterly?quarter=2026Q5",
                      headers=auditor_headers).status_code == 422
