"""`response_outlier`: a technician whose share of rated orders, or share rated within minutes of
completion, is far above their area's peers.

"Far" is a binomial tail: the chance that a technician with the peers' rate would reach this many
in this many orders. Five of five rated is unremarkable (p ≈ 0.03 at a 50% area rate); ninety of
a hundred is not. Honest high performers also sit in the tail, so this is supporting evidence with
a small weight, never enough on its own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.fraud.detectors.base import DetectorResult, clamp

PARTICIPATION = "response_rate_outlier"
FAST = "fast_response_outlier"
FAST_MINUTES = 5
QUIET_TAIL = 4.0          # −log10 of the tail below which nothing is said
LOUD_TAIL = 10.0          # −log10 of the tail at which the score reaches 1
MIN_LIFT = 0.15           # and the rate must be this much above the peers' rate
MIN_PEER_ORDERS = 30
MIN_OWN = 10              # fewer than this says nothing about a person, however lopsided


@dataclass(frozen=True)
class TechnicianStats:
    technician_id: int
    employee_no: str
    area: str
    completed: int      # completed orders in the window
    rated: int          # of which rated on WeChat
    fast: int           # of which rated within FAST_MINUTES of completion


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space so n in the thousands is fine."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p
             + (n - i) * log_q for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def tail_score(tail: float) -> float:
    surprise = -math.log10(max(tail, 1e-300))
    return clamp((surprise - QUIET_TAIL) / (LOUD_TAIL - QUIET_TAIL))


def _outlier(detector, k, n, peer_k, peer_n, s: TechnicianStats, what_zh, what_en):
    if n < MIN_OWN or peer_n < MIN_PEER_ORDERS:
        return None
    p = peer_k / peer_n
    rate = k / n
    if rate < p + MIN_LIFT:
        return None
    tail = binomial_tail(k, n, max(p, 1e-3))
    score = tail_score(tail)
    if score <= 0:
        return None
    return DetectorResult(
        detector, score,
        f"装维人员 {s.employee_no} 本期{what_zh}为 {rate:.0%}（{k}/{n}），同区域（{s.area}）"
        f"其他人为 {p:.0%}；按同区域水平出现这种情况的概率约为 {tail:.1e}。",
        f"Technician {s.employee_no}'s {what_en} is {rate:.0%} ({k}/{n}) against {p:.0%} for "
        f"area peers ({s.area}); the chance of that at the peers' rate is about {tail:.1e}.",
        {"employee_no": s.employee_no, "area": s.area, "count": k, "of": n,
         "rate": round(rate, 3), "peer_rate": round(p, 3), "tail_probability": float(f"{tail:.3g}")})


def response_outliers(stats: list[TechnicianStats]) -> dict[int, list[DetectorResult]]:
    """Technician id → outlier results (participation and/or fast-response) against area peers."""
    totals: dict[str, list[int]] = {}
    for s in stats:
        t = totals.setdefault(s.area, [0, 0, 0])
        t[0] += s.completed
        t[1] += s.rated
        t[2] += s.fast
    results: dict[int, list[DetectorResult]] = {}
    for s in stats:
        area_completed, area_rated, area_fast = totals[s.area]
        found = [
            _outlier(PARTICIPATION, s.rated, s.completed, area_rated - s.rated,
                     area_completed - s.completed, s, "参评率", "share of rated orders"),
            _outlier(FAST, s.fast, s.rated, area_fast - s.fast, area_rated - s.rated, s,
                     f"竣工 {FAST_MINUTES} 分钟内即被评价的比例",
                     f"share of ratings given within {FAST_MINUTES} minutes of completion"),
        ]
        found = [f for f in found if f]
        if found:
            results[s.technician_id] = found
    return results
