"""What each console page shows, gathered from the other domains' services (read-only)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.badge import service as badge_service
from app.console import charts, evidence
from app.db import utcnow
from app.fraud import service as fraud_service
from app.masterdata import service as masterdata
from app.rating import service as rating_service
from app.reports import service as report_service
from app.timeutil import Month, month_bounds

SORTABLE = ("employee_no", "name", "team", "area", "orders_completed", "wechat_ratings",
            "participation_rate", "avg_stars", "satisfaction_rate", "presence_rate", "install_pay",
            "frauds_confirmed")


def default_month(tz_name: str, now: datetime | None = None) -> str:
    """The last full calendar month: the one being reviewed, paid and closed."""
    return str(Month.of(now or utcnow(), tz_name).prev())


def quarter_of(month: str) -> str:
    return str(Month.parse(month).quarter)


# --- Review queue: cases ------------------------------------------------------------------------

def case_neighbours(case_id: int, filters: dict) -> tuple[int | None, int | None]:
    """The open cases before and after `case_id` in queue order."""
    ids = [c.id for c in fraud_service.list_cases(status="open", per_page=500, **filters).items]
    if case_id not in ids:
        return None, ids[0] if ids else None
    i = ids.index(case_id)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)


def next_open_case(filters: dict) -> int | None:
    page = fraud_service.list_cases(status="open", per_page=1, **filters)
    return page.items[0].id if page.items else None


def queue_page(*, status: str | None, filters: dict, page: int) -> dict:
    cases = fraud_service.list_cases(status=status, page=page, per_page=50, **filters)
    return {"page": cases, "members": fraud_service.case_members([c.id for c in cases.items]),
            "counts": fraud_service.case_counts(), "flag_counts": fraud_service.flag_counts()}


def case_preview(case_id: int, *, rating_ids: list[int] | None, ctx, tariff,
                 expect=None) -> list[dict]:
    """What confirming `rating_ids` (None: every undecided rating) would do — a dry run."""
    case = fraud_service.get_case(case_id)
    _, found = fraud_service.consequences.run(
        lambda: fraud_service.decide_case(case_id=case_id, decision="confirmed",
                                          note="预演 (preview)", rating_ids=rating_ids, ctx=ctx,
                                          expect=expect or fraud_service.Expect()),
        scope=list(case.flags), pay_of=report_service.live_pay_of(tariff=tariff, tz_name=ctx.tz_name),
        ctx=ctx, dry_run=True)
    return found


def case_page(case_id: int, *, tz_name: str, filters: dict) -> dict:
    case = fraud_service.get_case(case_id)
    file = fraud_service.case_file(case, today=masterdata.local_today(tz_name))
    sections = evidence.sections(file["reasons"], rating_id=None, tz_name=tz_name)
    for section, reason in zip(sections, file["reasons"], strict=True):
        section["contribution"] = evidence.contribution(section)
        section["rating_ids"] = reason["rating_ids"]
    previous_id, next_id = case_neighbours(case.id, filters)
    return {"case": case, "file": file, "sections": sections, "previous_id": previous_id,
            "next_id": next_id, "undecided": [r for r in file["ratings"] if r["status"] == "open"],
            "people": {t.id: t for t in {f.technician for f in file["flags"]}}}


# --- A single flag ---------------------------------------------------------------------------------

def flag_page(flag_id: int, *, tz_name: str) -> dict:
    flag = fraud_service.get_flag(flag_id)
    order = rating_service.describe_order(flag.order.order_no)
    reasons, raters = fraud_service.readable_reasons(flag.reasons, flag.rating.user_id)
    sections = evidence.sections(reasons, rating_id=flag.rating_id, tz_name=tz_name)
    for section in sections:
        section["contribution"] = evidence.contribution(section)
    return {"flag": flag, "rating": flag.rating, "order": order, "account": flag.order.account,
            "technician": flag.technician, "sections": sections,
            "rater": raters[flag.rating.user_id]["label"],
            "history": fraud_service.flag_history(flag.id)}


# --- Technicians ----------------------------------------------------------------------------------

def issue_missing_badge(employee_no: str) -> bool:
    """Give a technician seen for the first time their badge; True if one was issued."""
    technician = masterdata.get_technician(employee_no)
    if badge_service.find_badge(technician.id) is not None:
        return False
    badge_service.get_or_create_badge(technician)
    return True


def technician_page(employee_no: str, *, month: str, tariff, tz_name: str) -> dict:
    technician = masterdata.get_technician(employee_no)
    badge = badge_service.get_or_create_badge(technician)
    token = badge_service.badge_token(badge)
    ledger = report_service.pay_ledger(month=month, technician=technician, tariff=tariff,
                                       tz_name=tz_name)
    return {
        "technician": technician, "badge": badge, "badge_token": token,
        "badge_url": badge_service.badge_url(token), "month": month,
        "summary": ledger["summary"], "ledger_status": ledger["status"],
        "ratings": rating_service.ratings_of_technician(technician.id, per_page=15).items,
        "flags": fraud_service.list_flags(employee_no=employee_no, per_page=30).items,
        "offences": fraud_service.list_offences(technician_id=technician.id, active_only=False),
        "suspensions": masterdata.suspensions_of(technician.id),
        "appeals": fraud_service.appeals_of_technician(technician.id),
        "tasks": rating_service.list_recovery_tasks(technician_id=technician.id,
                                                    per_page=20).items,
    }


# --- Reports ---------------------------------------------------------------------------------------

def _sort(rows: list[dict], key: str, descending: bool) -> list[dict]:
    if key not in SORTABLE:
        return rows
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: (r[key], r["employee_no"]), reverse=descending)
    return present + missing


def weekly_participation(month: str, *, tz_name: str, team: str | None,
                         area: str | None) -> list[tuple[str, float | None]]:
    """Participation (WeChat-rated / completed) per week of the month, weeks starting Monday."""
    zone = ZoneInfo(tz_name)
    start, end = month_bounds(month, tz_name)
    buckets: dict[str, list[int]] = {}
    first_local = start.astimezone(zone)
    week_one = (first_local - timedelta(days=first_local.weekday())).date()
    labels = []
    day = week_one
    while datetime.combine(day, datetime.min.time(), zone) < end:
        label = f"{max(day, first_local.date()):%m-%d}"
        labels.append(label)
        buckets[label] = [0, 0]
        day += timedelta(days=7)
    for completed, rated in rating_service.completions_with_rating(start, end, team=team, area=area):
        local = completed.astimezone(zone).date()
        index = (local - week_one).days // 7
        counts = buckets[labels[min(index, len(labels) - 1)]]
        counts[0] += 1
        counts[1] += int(rated)
    return [(f"{label}起", (rated / done) if done else None)
            for label, (done, rated) in buckets.items()]


def month_report(*, month: str, team: str | None, area: str | None, sort: str, descending: bool,
                 tariff, tz_name: str) -> dict:
    report = report_service.monthly_report(month=month, tariff=tariff, tz_name=tz_name, team=team,
                                           area=area)
    totals = report["totals"]
    teams = report["teams"]
    report["items"] = _sort(report["items"], sort, descending)
    report["charts"] = {
        "stars": charts.star_bars(totals["stars"], title=f"{month} 有效星级分布"),
        "weekly": charts.line_chart(weekly_participation(month, tz_name=tz_name, team=team,
                                                         area=area),
                                    title=f"{month} 每周参评率"),
        "teams": charts.hbars(
            [(t["team"], t["participation_rate"],
              f"{(t['participation_rate'] or 0):.0%} · 均{t['avg_stars'] or 0:.2f}★")
             for t in sorted(teams, key=lambda t: -(t["participation_rate"] or 0))],
            title="班组参评率对比", legend="条长：参评率；右侧：参评率 · 平均星级"),
    }
    report["versions"] = report_service.month_versions(month)
    return report


def quarter_report(*, quarter: str, team: str | None, area: str | None, tariff,
                   tz_name: str) -> dict:
    who = report_service.TechnicianFilter(team=team, area=area)
    report = report_service.quarterly_grades(quarter=quarter, tariff=tariff, tz_name=tz_name,
                                             who=who)
    dist = report["distribution"]
    report["chart"] = charts.hbars(
        [(f"{g}星" if g != "none" else "无星级", dist.get(g, 0), str(dist.get(g, 0)))
         for g in ("5", "4", "3", "2", "1", "none")],
        title=f"{quarter} 季度星级分布", percent=False,
        scale=max(1, max(dist.values()) if dist else 1))
    return report
