"""Reports and pay (定星核算): what views, the CLI and other domains call.

A closed month answers from its frozen version; an open one is computed live. Either way the
answer says which (`source`), which version, and which tariff priced it.
"""
from __future__ import annotations

import time
from datetime import datetime

from app.db import utcnow
from app.errors import NotFound
from app.masterdata.models import Technician
from app.rating import service as rating_service
from app.reports import bulletins, closing, paymonth, paysheet, queries, ranking
from app.reports.closing import (  # noqa: F401  (part of this module's interface)
    MonthAlreadyClosed, MonthNotClosed, MonthNotOver, MonthStateChanged, close_month, get_version,
    month_versions, reopen_month)
from app.reports.exports import present_line
from app.reports.figures import roll_up, totals
from app.reports.monthly import live_rows, rows_from_lines
from app.reports.quarterly import quarterly_grades  # noqa: F401
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff, fen_to_yuan, load_tariff  # noqa: F401
from app.timeutil import Month, Quarter, isoformat_z, month_bounds, quarter_bounds


def _state(month: str, live: bool):
    latest = closing.latest_version(month)
    version = None if live or latest is None or latest.is_open else latest
    status = "open" if latest is None else ("reopened" if latest.is_open else "closed")
    return latest, version, status


def monthly_report(*, month: str, tariff: Tariff, tz_name: str, team: str | None = None,
                   area: str | None = None, vendor: str | None = None,
                   live: bool = False) -> dict:
    """Per-technician lines with team, area and overall roll-ups (live=True ignores a close)."""
    who = TechnicianFilter(team=team, area=area, vendor=vendor)
    latest, version, status = _state(month, live)
    if version is not None:
        rows, tariff_version = closing.version_rows(version, who), version.tariff_version
    else:
        rows = live_rows(month=month, tariff=tariff, tz_name=tz_name, who=who)
        tariff_version = tariff.version
    return {**_head(month, latest, version, status, tariff_version),
            "filters": {"team": team, "area": area, "vendor": vendor},
            "items": rows, "teams": roll_up(rows, "team"), "areas": roll_up(rows, "area"),
            "totals": totals(rows)}


def _technician(employee_no: str) -> Technician:
    technician = queries.technician_by_employee_no(employee_no)
    if technician is None:
        raise NotFound("装维人员不存在 (technician not found)", code="technician_not_found")
    return technician


def _head(month: str, latest, version, status: str, tariff_version: str) -> dict:
    return {"month": month, "status": status, "source": "snapshot" if version else "live",
            "version": version.version if version else None,
            "closed_at": isoformat_z(version.created_at) if version else None,
            "latest_version": latest.version if latest else None,
            "tariff_version": tariff_version}


def pay_sheet(*, month: str, tariff: Tariff, tz_name: str, team: str | None = None,
              area: str | None = None, vendor: str | None = None, live: bool = False) -> dict:
    """The whole pay sheet (装维酬金核算表): one line per technician with a completed order or
    any non-zero component, with team, area and vendor roll-ups. A closed month answers from its
    frozen version (unless live=True)."""
    who = TechnicianFilter(team=team, area=area, vendor=vendor)
    latest, version, status = _state(month, live)
    rows = closing.version_pay_rows(version, who) if version is not None else None
    if rows is None:        # open, or closed before pay sheets were frozen: computed live
        version = None
        rows = paymonth.live_pay_rows(month=month, tariff=tariff, tz_name=tz_name, who=who)
    return {**_head(month, latest, version, status,
                    version.tariff_version if version else tariff.version),
            "filters": {"team": team, "area": area, "vendor": vendor},
            "items": rows, "teams": paysheet.roll_up(rows, "team"),
            "areas": paysheet.roll_up(rows, "area"), "vendors": paysheet.roll_up(rows, "vendor"),
            "totals": paysheet.totals(rows)}


# --- ranking (月度考核排名) -------------------------------------------------------------------------

MAX_MONTHS_BACK = 120      # consecutive bottom months are counted back at most ten years


def previous_month(month: str) -> str:
    return str(Month.parse(month).prev())


def _ranked_rows(month: str, tariff: Tariff, tz_name: str, live: bool = False) -> tuple:
    """A month's lines as a ranking reads them: frozen when the month is closed, else live."""
    latest, version, status = _state(month, live)
    rows = closing.version_pay_rows(version) if version is not None else None
    if rows is None:
        return latest, None, status, paymonth.live_score_rows(month=month, tariff=tariff,
                                                              tz_name=tz_name)
    return latest, version, status, rows


def _presence_shares(month: str, version, tz_name: str) -> dict[int, tuple[int, int]]:
    """Technician id → (WeChat ratings, with presence): frozen with a closed month's report, so a
    closed ranking does not move; else live."""
    if version is not None:
        return {row["technician_id"]: (row["wechat_ratings"], row.get("ratings_with_presence", 0))
                for row in closing.version_rows(version, TechnicianFilter())}
    return {tid: (share.ratings, share.with_presence) for tid, share in
            rating_service.presence_share_by_technician(month, tz_name=tz_name).items()}


def monthly_ranking(*, month: str, tariff: Tariff, tz_name: str, live: bool = False) -> dict:
    """The month's ranking with stars (after the veto), the bottom list with consecutive months
    and recommendations, the team ranking and 万投比 per area."""
    rules = tariff.ranking
    latest, version, status, rows = _ranked_rows(month, tariff, tz_name, live)
    items = ranking.rank_month(rows, rules)
    history, running, earlier = [ranking.bottom_set(items)], ranking.bottom_set(items), month
    for _ in range(MAX_MONTHS_BACK):
        if not running:
            break
        earlier = previous_month(earlier)
        before = ranking.rank_month(_ranked_rows(earlier, tariff, tz_name)[3], rules)
        if not before:
            break
        history.append(ranking.bottom_set(before))
        running &= history[-1]
    for item in items:
        months = ranking.consecutive_bottom(item["employee_no"], history) if item["bottom"] else 0
        item["consecutive_bottom_months"] = months
        item["recommendation"] = ranking.recommendation(months, rules) if item["bottom"] else None
    start, end = month_bounds(month, tz_name)
    teams = ranking.team_ranking(items)
    ranking.add_presence(items, teams, _presence_shares(month, version, tz_name))
    return {**_head(month, latest, version, status,
                    version.tariff_version if version else tariff.version),
            "ranked": len(items), "rules": {"stars": rules.stars, "bottom": rules.bottom,
                                           "training_months": rules.training_months,
                                           "removal_months": rules.removal_months},
            "items": items, "stars": [i for i in items if i["star"]],
            "bottom": [i for i in items if i["bottom"]],
            "teams": teams,
            "areas": ranking.complaints_per_10k(queries.complaints_by_area(start, end),
                                                queries.accounts_by_area())}


def period_months(period: str) -> list[str]:
    """`2026Q4` → its three months; `2026` → its twelve."""
    if "Q" in period:
        return [str(month) for month in Quarter.parse(period).months]
    return [f"{int(period):04d}-{m:02d}" for m in range(1, 13)]


def period_stars(*, period: str, tariff: Tariff, tz_name: str,
                 now: datetime | None = None) -> dict:
    """季度/年度服务明星 by cumulative monthly score over the period's months begun so far."""
    now = now or utcnow()
    months = [m for m in period_months(period) if month_bounds(m, tz_name)[0] < now]
    monthly = [_ranked_rows(m, tariff, tz_name)[3] for m in months]
    items = ranking.period_stars(monthly, tariff.ranking)
    return {"period": period, "months": months, "tariff_version": tariff.version,
            "items": items, "stars": [i for i in items if i["star"]]}


def pay_ledger(*, month: str, technician: Technician, tariff: Tariff, tz_name: str,
               live: bool = False) -> dict:
    """Every line of the technician's pay for the month — install per order, maintenance by the
    score, each penalty with its rule, commissions, bonus — summing to the pay sheet's line."""
    who = TechnicianFilter(technician_id=technician.id)
    latest, version, status = _state(month, live)
    pay_rows = closing.version_pay_rows(version, who) if version is not None else None
    if pay_rows is not None:
        lines = closing.version_ledger(version, technician.id)
        report_rows = closing.version_rows(version, who)
        pay, tariff_version = (pay_rows[0] if pay_rows else None), version.tariff_version
    else:
        version = None
        ctx = paymonth.month_context(month, tariff, tz_name)
        facts, lines = paymonth.new_facts(technician.id, ctx, tariff), []
        # The generator yields one technician's ledger (`who`): keep the last facts and lines.
        for _, facts, lines in paymonth.technician_ledgers(month=month, tariff=tariff,  # noqa: B007
                                                           tz_name=tz_name, who=who, ctx=ctx):
            pass
        row = paysheet.pay_row(paymonth.who_fields(queries.technicians(who)[0]), facts, tariff,
                               ctx.bonus_quarter)
        pay = row if paysheet.on_sheet(row) else None
        report_rows = rows_from_lines(lines, ctx.frauds, who, tariff, ctx.presence)
        tariff_version = tariff.version
    summary = report_rows[0] if report_rows else None
    components: dict[str, int] = paymonth.ledger_totals(lines)
    total = sum(components.values())
    return {**_head(month, latest, version, status, tariff_version),
            "employee_no": technician.employee_no, "name": technician.name,
            "team": technician.team, "area": technician.area,
            "star_eligible": summary["star_eligible"] if summary else True,
            "lines": [present_line(line) for line in lines],
            "components_fen": components,
            "components": {name: fen_to_yuan(fen) for name, fen in components.items()},
            "total_fen": total, "total": fen_to_yuan(total), "summary": summary, "pay": pay}


def live_pay_of(*, tariff: Tariff, tz_name: str):
    """(technician, month) → that month's live pay ledger: what a fraud decision's consequences
    compare before and after it lands."""
    return lambda technician, month: pay_ledger(month=month, technician=technician, tariff=tariff,
                                                tz_name=tz_name, live=True)


def pay_ledger_of(*, month: str, employee_no: str, tariff: Tariff, tz_name: str,
                  live: bool = False) -> dict:
    return pay_ledger(month=month, technician=_technician(employee_no), tariff=tariff,
                      tz_name=tz_name, live=live)


def bulletin_counts(month: str) -> dict[str, int]:
    return bulletins.counts(month)


def quarter_of(month: str) -> str:
    return str(Month.parse(month).quarter)


def technician_month(*, technician: Technician, month: str, tariff: Tariff, tz_name: str,
                     now: datetime | None = None) -> dict:
    """What a technician sees of their own month — to check it and appeal rather than ask the
    office: every order with its effective star and source, every pay line (penalties with their
    rule and reason), the pay sheet line with the score item by item, the month's rank and the
    grade of the month's quarter."""
    ledger = pay_ledger(month=month, technician=technician, tariff=tariff, tz_name=tz_name)
    # The ranking is published with the month's close (每月评选结果告示): ranking the whole
    # workforce live for every technician who opens the page would cost seconds each.
    published = closing.closed_version(month) is not None
    ranked = monthly_ranking(month=month, tariff=tariff, tz_name=tz_name) if published else None
    mine = next((i for i in ranked["items"] if i["employee_no"] == technician.employee_no),
                None) if ranked else None
    rules = tariff.ranking
    rank = {"published": published, "ranked": ranked["ranked"] if ranked else None,
            "stars": rules.stars, "bottom_size": rules.bottom,
            **{key: mine[key] if mine else None
               for key in ("rank", "assessment_score", "star", "bottom", "veto",
                           "consecutive_bottom_months", "recommendation")}}
    quarter = quarter_of(month)
    grades = quarterly_grades(quarter=quarter, tariff=tariff, tz_name=tz_name,
                              who=TechnicianFilter(technician_id=technician.id))
    line = grades["items"][0] if grades["items"] else None
    _, quarter_end = quarter_bounds(quarter, tz_name)
    grade = {"quarter": quarter, "provisional": quarter_end > (now or utcnow()),
             "ranked": grades["ranked"],
             **({k: line[k] for k in ("score", "orders", "rank", "grade", "monthly_bonus",
                                      "excluded")} if line else
                {"score": None, "orders": 0, "rank": None, "grade": None,
                 "monthly_bonus": fen_to_yuan(0), "excluded": "no_star_rated_orders"})}
    return {**ledger, "grade": grade, "rank": rank}


def last_completed_quarter(now: datetime, tz_name: str) -> str:
    """The calendar quarter (in `tz_name`) before the one `now` falls in, e.g. `2026Q3`."""
    return str(Quarter.of(now, tz_name).prev())


def latest_grade(technician_id: int, *, tariff: Tariff, tz_name: str, memo_seconds: float = 600,
                 memo: dict | None = None, now: datetime | None = None) -> int | None:
    """The technician's grade (1–5) in the last completed quarter, None when not graded.

    Badge cards and pages show every technician's grade; ranking a province's quarter for each of
    them would be wasteful, so a caller that asks often passes a `memo` (a dict it keeps) and the
    quarter's grades are kept there for `memo_seconds`."""
    quarter = last_completed_quarter(now or utcnow(), tz_name)
    key = (quarter, tariff.version, tz_name)
    memo = {} if memo is None else memo
    cached = memo.get(key)
    if cached is None or cached[0] < time.monotonic():
        grades = quarterly_grades(quarter=quarter, tariff=tariff, tz_name=tz_name)
        cached = (time.monotonic() + memo_seconds,
                  {line["technician_id"]: line["grade"] for line in grades["items"]})
        memo.clear()
        memo[key] = cached
    return cached[1].get(technician_id)
