"""Month-over-month trends per team (班组趋势): participation, satisfaction and total pay over the
last months, each month as the reports read it (a closed month from its frozen version, an open
one computed live)."""
from __future__ import annotations

from app.reports import service as report_service
from app.reports.tariff import Tariff
from app.timeutil import Month

MONTHS_SHOWN = 6


def months_up_to(month: str, count: int = MONTHS_SHOWN) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    last = Month.parse(month)
    months = [last]
    while len(months) < count:
        months.append(months[-1].prev())
    return [str(m) for m in reversed(months)]


def team_trends(*, month: str, tariff: Tariff, tz_name: str, area: str | None = None,
                count: int = MONTHS_SHOWN) -> dict:
    """{"months": [...], "teams": [{"area", "team", "participation_rate": [...],
    "satisfaction_rate": [...], "total_pay": [...]}]}: one value per month, None where the team
    had nothing that month."""
    months = months_up_to(month, count)
    by_team: dict[tuple[str, str], dict] = {}

    def line(area_name: str, team: str) -> dict:
        return by_team.setdefault((area_name, team), {
            "area": area_name, "team": team,
            **{name: [None] * len(months)
               for name in ("participation_rate", "satisfaction_rate", "total_pay")}})

    for i, m in enumerate(months):
        report = report_service.monthly_report(month=m, tariff=tariff, tz_name=tz_name, area=area)
        for row in report["teams"]:
            entry = line(row["area"], row["team"])
            entry["participation_rate"][i] = row["participation_rate"]
            entry["satisfaction_rate"][i] = row["satisfaction_rate"]
        pay = report_service.pay_sheet(month=m, tariff=tariff, tz_name=tz_name, area=area)
        for row in pay["teams"]:
            line(row["area"], row["team"])["total_pay"][i] = row["total_pay_fen"] / 100
    return {"months": months, "teams": [by_team[k] for k in sorted(by_team)]}
