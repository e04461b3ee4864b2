"""The quarterly grade (季度综合星级) for every technician, from live data.

The ranking is company-wide: filters (team/area/vendor) only choose which lines are shown, never
who is ranked against whom, so a team's view shows the same grades as the full report.
"""
from __future__ import annotations

from app.fraud import service as fraud_service
from app.reports import grading, queries
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff, fen_to_yuan
from app.timeutil import Quarter, quarter_bounds

SCORE_PLACES = 4


def quarter_months(quarter: str) -> list[str]:
    return [str(month) for month in Quarter.parse(quarter).months]


def quarterly_grades(*, quarter: str, tariff: Tariff, tz_name: str,
                     who: TechnicianFilter = TechnicianFilter()) -> dict:
    """Score, rank and grade of every technician with star-rated orders in the quarter."""
    start, end = quarter_bounds(quarter, tz_name)
    unrated = sorted(tariff.flat_prices_fen)       # campus: not star-rated, so not graded on
    sums = queries.star_sums(start, end, unrated)
    frauds = fraud_service.confirmed_frauds_by_technician(quarter_months(quarter))
    complained = queries.technicians_with_justified_complaints(start, end)
    everyone = queries.technicians(TechnicianFilter())

    lines, candidates = {}, []
    for tech in everyone:
        tid = tech["id"]
        stars_total, orders = sums.get(tid, (0, 0))
        excluded = grading.exclusion(confirmed_frauds=frauds.get(tid, 0),
                                     justified_complaint=tid in complained, star_rated_orders=orders)
        if orders == 0 and excluded == "no_star_rated_orders" and tech["status"] != "active":
            continue
        lines[tech["employee_no"]] = {
            "technician_id": tid, "employee_no": tech["employee_no"], "name": tech["name"],
            "team": tech["team"], "area": tech["area"], "vendor": tech["vendor"],
            "stars_total": stars_total, "orders": orders,
            "score": round(float(grading.score(stars_total, orders)), SCORE_PLACES)
            if orders else None,
            "excluded": excluded, "rank": None, "grade": None}
        if excluded is None:
            candidates.append(grading.Candidate(tech["employee_no"], stars_total, orders))

    graded = grading.assign_grades(candidates, tariff.grade_cutoffs)
    for result in graded:
        line = lines[result.candidate.employee_no]
        line["rank"], line["grade"] = result.rank, result.grade
    for line in lines.values():
        bonus = tariff.bonus_fen(line["grade"])
        line["monthly_bonus"], line["monthly_bonus_fen"] = fen_to_yuan(bonus), bonus

    items = sorted((line for line in lines.values() if who.matches(line)),
                   key=lambda li: (li["rank"] is None, li["rank"] or 0, li["employee_no"]))
    distribution = {str(g): 0 for g in grading.GRADES_IN_ORDER} | {"none": 0}
    for result in graded:
        distribution[str(result.grade) if result.grade else "none"] += 1
    return {"quarter": quarter, "tariff_version": tariff.version, "ranked": len(graded),
            "boundaries": list(grading.boundaries(len(graded), tariff.grade_cutoffs)),
            "distribution": distribution, "items": items}
