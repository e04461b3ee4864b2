"""`presence_habit` (context): a technician whose ratings almost never carry presence (在场扫码,
the rater had scanned the live badge) while the area's other technicians' ratings mostly do.

Few technicians use the live badge yet, so this is context only (`combine.CONTEXT`): it never
flags and never carries a rating over the threshold; it only strengthens what a rating-level
detector already suspects. It says nothing until peers mostly have presence (`PEERS_MOSTLY`)
and the technician has `MIN_RATINGS` ratings.
"""
from __future__ import annotations

from collections import defaultdict

from app.fraud.detectors.base import DetectorResult, RatingFacts, clamp

ID = "presence_habit"
PEERS_MOSTLY = 0.6
ALMOST_NEVER = 0.1
MIN_RATINGS = 10


def presence_habit(ratings: list[RatingFacts]) -> dict[int, DetectorResult]:
    """Results on the ratings without presence of technicians far below their area's share."""
    by_tech: dict[int, list[RatingFacts]] = defaultdict(list)
    area_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in ratings:
        by_tech[r.technician_id].append(r)
        area_counts[r.area][0] += r.presence
        area_counts[r.area][1] += 1
    results: dict[int, DetectorResult] = {}
    for mine in by_tech.values():
        n, area = len(mine), mine[0].area
        own = sum(r.presence for r in mine)
        peer_with, peer_n = area_counts[area][0] - own, area_counts[area][1] - n
        if n < MIN_RATINGS or not peer_n:
            continue
        share, peer_share = own / n, peer_with / peer_n
        if peer_share < PEERS_MOSTLY or share > ALMOST_NEVER:
            continue
        result = DetectorResult(
            ID, clamp((peer_share - share) / (1 - ALMOST_NEVER)),
            f"装维人员 {mine[0].employee_no} 本期 {n} 条评价中仅 {own} 条在场扫码（{share:.0%}），"
            f"同区域其他人的评价 {peer_share:.0%} 在场扫码；仅供参考，不单独构成疑点。",
            f"Only {own} of technician {mine[0].employee_no}'s {n} ratings carry presence "
            f"({share:.0%}) against {peer_share:.0%} for area peers; context only.",
            {"employee_no": mine[0].employee_no, "ratings": n, "with_presence": own,
             "share": round(share, 3), "peer_share": round(peer_share, 3)})
        for r in mine:
            if not r.presence:
                results[r.rating_id] = result
    return results
