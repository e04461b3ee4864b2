"""GET /api/v1/admin/reports/ranking equals an independent recomputation of SPEC "Monthly ranking"
on randomized months: ranks, stars after the one-vote veto, the bottom list with consecutive
months and recommendations, team averages and 万投比."""
import random
from datetime import datetime, timedelta
from fractions import Fraction
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from app.reports import service
from app.reports.tariff import parse_tariff
from app.timeutil import month_bounds, quarter_bounds
from tests import factories
from tests.reports import pay_oracle
from tests.reports.conftest import NOW, complaint, rating, sanction

TZ = "Asia/Shanghai"
MONTHS = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
TEAMS = [("城区营业部", "城东装维班"), ("城区营业部", "城西装维班"), ("南郊区", "南郊一班")]


def month_world(seed: int, technicians: int = 24):
    """Seven months; a few technicians are poor every month (long bottom runs), one skips a
    month (a break), one top technician is vetoed in October."""
    rng = random.Random(seed)
    techs = [factories.technician(area=TEAMS[i % 3][0], team=TEAMS[i % 3][1])
             for i in range(technicians)]
    for area in ("城区营业部", "南郊区"):
        for _ in range(rng.randint(3, 9)):
            factories.account(area=area)
    for month in MONTHS:
        start, end = month_bounds(month, TZ)
        for i, tech in enumerate(techs):
            if i == 5 and month == "2026-08":
                continue                        # not ranked in August: breaks a bottom run
            poor = i < 4 or i == 5
            for _ in range(rng.randint(1, 4)):
                done = start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds()) - 1))
                order = factories.order(technician=tech, completed_at=done,
                                        order_type=rng.choice(["install", "repair"]),
                                        product=rng.choice(["broadband", "iptv", "campus"]))
                stars = rng.choice([1, 2, 3]) if poor else rng.choice([3, 4, 5, 5, 5])
                if poor or rng.random() < 0.9:
                    rating(order, stars)
    oct_start, _ = month_bounds("2026-10", TZ)
    best = techs[-1]
    for _ in range(6):
        rating(factories.order(technician=best, completed_at=oct_start + timedelta(days=3)), 5)
    complaint(best, oct_start + timedelta(days=4), justified=True)        # vetoed
    sanction(techs[-2], "2026-10", order=factories.order(
        technician=techs[-2], completed_at=oct_start + timedelta(days=2)))
    complaint(techs[0], oct_start + timedelta(days=5), justified=False)
    return techs


def oracle_sheet(month):
    start, end = month_bounds(month, TZ)
    return pay_oracle.pay_sheet(month, start, end, partial(quarter_bounds, tz_name=TZ))


@pytest.mark.parametrize("seed", [301, 302])
def test_ranking_matches_independent_recomputation(seed):
    techs = month_world(seed)
    got = service.monthly_ranking(month="2026-10", tariff=parse_tariff(), tz_name=TZ)
    rankings = {m: pay_oracle.ranking(oracle_sheet(m)) for m in MONTHS}
    want = rankings["2026-10"]
    assert {i["employee_no"]: {"rank": i["rank"], "star": i["star"], "bottom": i["bottom"]}
            for i in got["items"]} == want

    def run(employee_no):
        count = 0
        for month in reversed(MONTHS):
            line = rankings[month].get(employee_no)
            if not line or not line["bottom"]:
                break
            count += 1
        return count

    for item in got["items"]:
        expected = run(item["employee_no"]) if item["bottom"] else 0
        assert item["consecutive_bottom_months"] == expected, item["employee_no"]
        assert item["recommendation"] == ("removal" if expected >= 6 else
                                          "training" if expected >= 3 else None)
    # the world is built to show long runs, a broken run and a vetoed top technician
    assert max(i["consecutive_bottom_months"] for i in got["items"]) >= 6
    top = next(i for i in got["items"] if i["employee_no"] == techs[-1].employee_no)
    assert top["veto"] == "justified_complaint" and not top["star"]
    assert len(got["stars"]) == sum(1 for i in got["items"][:10] if i["veto"] is None)
    sheet = oracle_sheet("2026-10")
    for item in got["items"]:
        assert Fraction(str(item["assessment_score"])) == sheet[item["employee_no"]]["assessment_score"]


def test_team_ranking_and_complaints_per_10k():
    month_world(311)
    got = service.monthly_ranking(month="2026-10", tariff=parse_tariff(), tz_name=TZ)
    sheet = oracle_sheet("2026-10")
    teams = {}
    for line in sheet.values():
        if line["orders"]:
            teams.setdefault((line["area"], line["team"]), []).append(line["assessment_score"])
    averages = {key: sum(v) / len(v) for key, v in teams.items()}
    assert [(t["area"], t["team"]) for t in got["teams"]] == sorted(
        averages, key=lambda k: (-averages[k], -len(teams[k]), k))
    for team in got["teams"]:
        assert team["average_score"] == pytest.approx(float(averages[(team["area"], team["team"])]),
                                                      abs=0.005)
    start, end = month_bounds("2026-10", TZ)
    ratios = pay_oracle.per_mille(start, end)
    assert {a["area"]: a["per_10k"] for a in got["areas"]} == {
        area: (round(float(v), 2) if v is not None else None) for area, v in ratios.items()}
    assert any(a["complaints"] for a in got["areas"])


def test_closed_months_rank_from_their_frozen_sheet():
    techs = month_world(321, technicians=12)
    tariff = parse_tariff()
    before = service.monthly_ranking(month="2026-10", tariff=tariff, tz_name=TZ)
    service.close_month(month="2026-10", by="x", tariff=tariff, tz_name=TZ, now=NOW)
    worst = before["items"][-1]["employee_no"]
    tech = next(t for t in techs if t.employee_no == worst)
    start, _ = month_bounds("2026-10", TZ)
    for _ in range(20):                          # a late import would lift the worst to the top
        rating(factories.order(technician=tech, completed_at=start + timedelta(days=1)), 5)
    frozen = service.monthly_ranking(month="2026-10", tariff=tariff, tz_name=TZ)
    assert frozen["source"] == "snapshot" and frozen["items"] == before["items"]
    live = service.monthly_ranking(month="2026-10", tariff=tariff, tz_name=TZ, live=True)
    assert live["items"][-1]["employee_no"] != worst


def test_quarter_and_year_stars_by_cumulative_score():
    month_world(331, technicians=14)
    tariff = parse_tariff()
    now = datetime(2026, 11, 5, tzinfo=ZoneInfo("UTC"))
    q3 = service.period_stars(period="2026Q3", tariff=tariff, tz_name=TZ, now=now)
    assert q3["months"] == ["2026-07", "2026-08", "2026-09"]
    sheets = [oracle_sheet(m) for m in q3["months"]]
    totals = {}
    for sheet in sheets:
        for employee_no, line in sheet.items():
            if line["orders"]:
                total = totals.setdefault(employee_no, [Fraction(0), 0, False])
                total[0] += line["assessment_score"]
                total[1] += line["orders"]
                total[2] = total[2] or line["veto"]
    order = sorted(totals, key=lambda e: (-totals[e][0], -totals[e][1], e))
    assert [i["employee_no"] for i in q3["items"]] == order
    assert [i["employee_no"] for i in q3["stars"]] == [e for e in order[:10] if not totals[e][2]]
    year = service.period_stars(period="2026", tariff=tariff, tz_name=TZ, now=now)
    assert year["months"] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert len(year["items"]) == 14


def test_ranking_api(client, auditor_headers):
    month_world(341, technicians=12)
    response = client.get("/api/v1/admin/reports/ranking?month=2026-10", headers=auditor_headers)
    assert response.status_code == 200, response.json
    item = response.json["items"][0]
    assert {"employee_no", "rank", "assessment_score", "star", "bottom",
            "consecutive_bottom_months"} <= set(item)
    assert item["rank"] == 1
    csv = client.get("/api/v1/admin/reports/ranking?month=2026-10&format=csv",
                     headers=auditor_headers)
    assert csv.data.startswith(b"\xef\xbb\xbf") and "连续末位月数" in csv.data.decode("utf-8-sig")
    stars = client.get("/api/v1/admin/reports/ranking/stars?period=2026Q3", headers=auditor_headers)
    assert stars.status_code == 200 and stars.json["months"] == ["2026-07", "2026-08", "2026-09"]
    bad = client.get("/api/v1/admin/reports/ranking/stars?period=2026Q5", headers=auditor_headers)
    assert bad.status_code == 422
    far = client.get("/api/v1/admin/reports/ranking/stars?period=0001", headers=auditor_headers)
    assert far.status_code == 422
