"""Timing detectors: `burst` (several ratings of one technician within minutes, away from those
orders' completion) and `rated_before_completion`.

A technician finishing several flats of one building sees honest ratings bunched together, but each
close to its own order's completion; ratings typed in one sitting hours or days after the work are
what a person holding several customers' phones (or codes) produces.
"""
from __future__ import annotations

from datetime import timedelta

from app.fraud.detectors.base import LOCAL, DetectorResult, RatingFacts, clamp, hhmm, rating_evidence

BURST = "burst"
BEFORE_COMPLETION = "rated_before_completion"
BURST_WINDOW = timedelta(minutes=10)
BURST_MIN = 3
AWAY = timedelta(hours=2)
CLOCK_SKEW = timedelta(minutes=5)


def burst(ratings: list[RatingFacts], *, window: timedelta = BURST_WINDOW,
          min_count: int = BURST_MIN, away: timedelta = AWAY, tz=LOCAL) -> dict[int, DetectorResult]:
    """`ratings`: one technician's ratings. Clusters are maximal runs with gaps ≤ `window`."""
    ordered = sorted(ratings, key=lambda r: (r.rated_at, r.rating_id))
    clusters, current = [], []
    for r in ordered:
        if current and r.rated_at - current[-1].rated_at > window:
            clusters.append(current)
            current = []
        current.append(r)
    if current:
        clusters.append(current)

    results = {}
    for group in clusters:
        accounts = {r.account_no for r in group}
        if len(group) < min_count or len(accounts) < min_count:
            continue
        far = [r for r in group if r.completed_at is None or r.rated_at - r.completed_at > away]
        far_share = len(far) / len(group)
        size = {3: 0.6, 4: 0.8}.get(len(group), 1.0)
        score = size * far_share
        if score <= 0.05:
            continue
        span = (group[-1].rated_at - group[0].rated_at).total_seconds() / 60
        rows = [rating_evidence(r) for r in group]
        for r in group:
            results[r.rating_id] = DetectorResult(
                BURST, clamp(score),
                f"装维人员 {r.employee_no} 的 {len(group)} 张工单在 {span:.0f} 分钟内"
                f"（{hhmm(group[0].rated_at, tz)}–{hhmm(group[-1].rated_at, tz)}）相继被评价，"
                f"其中 {len(far)} 张距竣工已超过 {away.total_seconds() / 3600:.0f} 小时。",
                f"{len(group)} orders of technician {r.employee_no} were rated within {span:.0f} "
                f"minutes ({hhmm(group[0].rated_at, tz)}–{hhmm(group[-1].rated_at, tz)}), {len(far)} of them "
                f"more than {away.total_seconds() / 3600:.0f} h after completion.",
                {"window_minutes": round(span, 1), "away_share": round(far_share, 3),
                 "ratings": rows})
    return results


def rated_before_completion(r: RatingFacts, *, skew: timedelta = CLOCK_SKEW,
                            tz=LOCAL) -> DetectorResult | None:
    if r.completed_at is None or r.rated_at >= r.completed_at - skew:
        return None
    lead = (r.completed_at - r.rated_at).total_seconds() / 60
    return DetectorResult(
        BEFORE_COMPLETION, 0.9,
        f"评价时间 {hhmm(r.rated_at, tz)} 早于工单 {r.order_no} 登记的竣工时间 {hhmm(r.completed_at, tz)}"
        f"（提前 {lead:.0f} 分钟）。",
        f"Rated at {hhmm(r.rated_at, tz)}, {lead:.0f} minutes before order {r.order_no}'s recorded "
        f"completion at {hhmm(r.completed_at, tz)}.",
        {"ratings": [rating_evidence(r)], "minutes_early": round(lead, 1)})
