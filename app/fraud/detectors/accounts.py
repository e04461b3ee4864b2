"""`multi_account_rater`: one WeChat user rated orders of several broadband accounts.

Families (parents' line, a holiday flat) and landlords (one building of rented flats) do this
honestly, so the score rests on concentration: a family spreads over unrelated technicians and
rarely reaches three accounts; a fraud ring rates one technician's (or team's) orders for
unrelated addresses. Accounts at one street address are a landlord or a family and count little.
"""
from __future__ import annotations

import re
from collections import Counter

from app.fraud.detectors.base import DetectorResult, RatingFacts, clamp, rating_evidence

ID = "multi_account_rater"
MIN_ACCOUNTS = 3
TEAM_FACTOR = 0.6          # a team is a weaker bond than one technician
SAME_ADDRESS_FACTOR = 0.3
_BUILDING = re.compile(r"^(.*?\d+\s*号)")


def building_of(address: str) -> str:
    """`城区迎宾街12号3栋2单元` → `城区迎宾街12号`; addresses without a number count as themselves."""
    match = _BUILDING.match(address or "")
    return (match.group(1) if match else (address or "")).replace(" ", "")


def multi_account_rater(ratings: list[RatingFacts], *,
                        min_accounts: int = MIN_ACCOUNTS) -> dict[int, DetectorResult]:
    """`ratings`: one WeChat user's ratings in the window. Returns a result per suspicious rating."""
    accounts = {r.account_no for r in ratings}
    n = len(accounts)
    if n < min_accounts:
        return {}
    base = clamp((n - min_accounts + 1) / 3)
    by_tech = Counter(r.technician_id for r in ratings)
    by_team = Counter(r.team for r in ratings if r.team)
    buildings = {building_of(r.account_address) for r in ratings if r.account_address}
    one_building = len(buildings) == 1 and len({r.account_address for r in ratings}) == n
    total = len(ratings)
    evidence_rows = [rating_evidence(r, building=building_of(r.account_address))
                     for r in sorted(ratings, key=lambda x: x.rated_at)]
    results = {}
    for r in ratings:
        tech_share = by_tech[r.technician_id] / total
        team_share = by_team[r.team] / total if r.team else 0.0
        concentration = max(tech_share, TEAM_FACTOR * team_share)
        score = base * concentration ** 2
        if one_building:
            score *= SAME_ADDRESS_FACTOR
        if score <= 0.05:
            continue
        same = by_tech[r.technician_id]
        building_zh = "（这些账号同在一个地址，像房东或一家人，已降权）" if one_building else ""
        building_en = " (all at one street address, like a landlord or family: down-weighted)" \
            if one_building else ""
        results[r.rating_id] = DetectorResult(
            ID, clamp(score),
            f"同一微信用户（用户 {r.user_id}）本期评价了 {n} 个不同宽带账号的 {total} 张工单，"
            f"其中 {same} 张是装维人员 {r.employee_no} 的{building_zh}。",
            f"One WeChat user ({r.user_id}) rated {total} orders of {n} different broadband "
            f"accounts in the window, {same} of them by technician {r.employee_no}{building_en}.",
            {"user_id": r.user_id, "accounts": sorted(accounts), "ratings": evidence_rows,
             "technician_share": round(tech_share, 3), "team_share": round(team_share, 3),
             "one_building": one_building})
    return results
