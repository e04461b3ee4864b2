"""The monthly assessment ranking (月度考核排名, SPEC "Monthly ranking") as plain functions.

Technicians with a completed order in the month are ranked by assessment score (high first),
ties by completed orders (more first), then employee_no. The top N are the month's service stars
(月度服务明星) except anyone with a confirmed fraud sanctioning the month or a justified complaint
that month: one-vote veto (一票否决) — they keep their rank, are not stars, and nobody moves up.
The bottom N are listed with how many consecutive months they have been there.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from app.reports.payrules import RankingRules

VETOES = {"fraud": "确认虚假评价", "justified_complaint": "有理由投诉"}
RECOMMENDATIONS = {"training": "建议待岗培训一个月", "removal": "建议清退"}


def _score(row: Mapping) -> Fraction:
    return Fraction(str(row["assessment_score"]))


def veto(row: Mapping) -> str | None:
    if row.get("fraud_sanctioned"):
        return "fraud"
    if row.get("justified_complaint"):
        return "justified_complaint"
    return None


def rank_month(rows: Iterable[Mapping], rules: RankingRules) -> list[dict]:
    """Ranked lines, best first: rank, star (after the veto), bottom, veto."""
    ranked = sorted((r for r in rows if r["orders_completed"] > 0),
                    key=lambda r: (-_score(r), -r["orders_completed"], r["employee_no"]))
    n = len(ranked)
    items = []
    for rank, row in enumerate(ranked, start=1):
        reason = veto(row)
        items.append({"technician_id": row.get("technician_id"),
                      "employee_no": row["employee_no"], "name": row.get("name"),
                      "team": row.get("team"), "area": row.get("area"),
                      "vendor": row.get("vendor"), "rank": rank,
                      "assessment_score": row["assessment_score"],
                      "orders_completed": row["orders_completed"],
                      "star": rank <= rules.stars and reason is None,
                      "bottom": rank > n - rules.bottom, "veto": reason})
    return items


def bottom_set(items: Iterable[Mapping]) -> set[str]:
    return {item["employee_no"] for item in items if item["bottom"]}


def consecutive_bottom(employee_no: str, history: Sequence[set[str]]) -> int:
    """Months in a row at the bottom, this month first (history[0]); a month in which the
    technician was not at the bottom — or not ranked at all — ends the run."""
    count = 0
    for bottom in history:
        if employee_no not in bottom:
            break
        count += 1
    return count


def recommendation(months: int, rules: RankingRules) -> str | None:
    if months >= rules.removal_months:
        return "removal"
    if months >= rules.training_months:
        return "training"
    return None


def _two_places(value: Fraction) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))


def team_ranking(items: Iterable[Mapping]) -> list[dict]:
    """班组排名: teams by the average score of their ranked technicians (exact), high first;
    ties by more technicians, then area and team name."""
    teams: dict[tuple[str, str], list[Fraction]] = {}
    for item in items:
        teams.setdefault((item["area"], item["team"]), []).append(_score(item))
    averages = [(sum(scores, Fraction(0)) / len(scores), len(scores), key)
                for key, scores in teams.items()]
    averages.sort(key=lambda t: (-t[0], -t[1], t[2]))
    return [{"rank": rank, "area": area, "team": team, "technicians": count,
             "average_score": _two_places(average)}
            for rank, (average, count, (area, team)) in enumerate(averages, start=1)]


def add_presence(items: list[dict], teams: list[dict],
                 shares: Mapping[int, tuple[int, int]]) -> None:
    """Presence share (在场扫码) beside each ranked technician and team: of their WeChat ratings
    this month, how many were given in front of the technician. `shares`: technician id →
    (WeChat ratings, with presence). None where there is no rating to judge by."""
    per_team: dict[tuple, list[int]] = {}
    for item in items:
        ratings, present = shares.get(item["technician_id"], (0, 0))
        item["ratings_with_presence"] = present
        item["presence_rate"] = _rate(present, ratings)
        team = per_team.setdefault((item["area"], item["team"]), [0, 0])
        team[0] += ratings
        team[1] += present
    for team in teams:
        ratings, present = per_team.get((team["area"], team["team"]), (0, 0))
        team["ratings_with_presence"] = present
        team["presence_rate"] = _rate(present, ratings)


def _rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    exact = Decimal(part) / Decimal(whole)
    return float(exact.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def complaints_per_10k(complaints: Mapping[str, int], accounts: Mapping[str, int]) -> list[dict]:
    """万投比 per area: the month's complaints ÷ the area's broadband accounts × 10,000."""
    out = []
    for area in sorted(set(complaints) | set(accounts)):
        n, base = complaints.get(area, 0), accounts.get(area, 0)
        out.append({"area": area, "complaints": n, "accounts": base,
                    "per_10k": _two_places(Fraction(n * 10000, base)) if base else None})
    return out


@dataclass
class Cumulative:
    employee_no: str
    score: Fraction = Fraction(0)
    months: int = 0
    orders: int = 0
    veto: str | None = None
    who: Mapping | None = None


def period_stars(months: Iterable[Iterable[Mapping]], rules: RankingRules) -> list[dict]:
    """季度/年度服务明星: technicians by their monthly scores summed over the period's months in
    which they were ranked (high first; ties by orders, then employee_no). The top N are stars
    unless vetoed in any month of the period (they keep their rank)."""
    totals: dict[str, Cumulative] = {}
    for rows in months:
        for row in rows:
            if row["orders_completed"] <= 0:
                continue
            line = totals.setdefault(row["employee_no"], Cumulative(row["employee_no"]))
            line.score += _score(row)
            line.months += 1
            line.orders += row["orders_completed"]
            line.veto = line.veto or veto(row)
            line.who = row
    ranked = sorted(totals.values(), key=lambda c: (-c.score, -c.orders, c.employee_no))
    return [{"employee_no": c.employee_no, "name": c.who.get("name"), "team": c.who.get("team"),
             "area": c.who.get("area"), "rank": rank, "cumulative_score": _two_places(c.score),
             "months_ranked": c.months, "orders_completed": c.orders, "veto": c.veto,
             "star": rank <= rules.stars and c.veto is None}
            for rank, c in enumerate(ranked, start=1)]
