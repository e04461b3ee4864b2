"""`selection_bias` (technician level): WeChat stars far above what callbacks say about the same
technician's other orders — what a technician who asks only happy customers to rate produces.

For each technician: the callbacks answered on their completed orders that got no WeChat rating
(how the customers who were *not* asked feel) against their peers'. Peers differ honestly, so the
test is beta-binomial: the peers' dissatisfaction rates fitted as a Beta (method of moments, its
spread beyond chance kept), and the technician's count judged against it. A handful of calls says
nothing (the Beta's width swamps it; under `MIN_ANSWERED` nothing is computed), and the WeChat side
must be glowing as well. The orders carrying both a WeChat rating and a callback are shown beside
it: how often the two disagree there.

How it surfaces: a finding about a person, not about one rating, so it is put on the technician's
4–5 star WeChat ratings with a deliberately small weight (`combine.DEFAULT_WEIGHTS`): alone it
reaches the flag threshold only when the tail is extreme, and it ranks below rings and copied
texts; the ratings share the technician-month and so form one case.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.fraud.detectors.base import DetectorResult, RatingFacts, clamp

ID = "selection_bias"
MIN_ANSWERED = 12          # answered callbacks on unrated orders before anything is said
MIN_WECHAT = 10
GLOWING = 0.9              # share of 4–5 star WeChat ratings
QUIET_TAIL = 4.0           # −log10 tails: nothing below, full score at LOUD_TAIL
LOUD_TAIL = 8.0
RHO_BOUNDS = (0.002, 0.5)


@dataclass(frozen=True)
class CallbackCounts:
    """One technician's month: answered callbacks and the dissatisfied among them."""

    technician_id: int
    employee_no: str
    unrated_answered: int
    unrated_dissatisfied: int
    both_answered: int = 0          # orders with a 4–5★ WeChat rating and an answered callback
    both_dissatisfied: int = 0


def beta_fit(counts: list[tuple[int, int]]) -> tuple[float, float]:
    """(α, β) of the Beta behind `(dissatisfied, answered)` pairs, by the method of moments."""
    return PeerSums.of(counts).fit()


@dataclass(frozen=True)
class PeerSums:
    """The sums the method of moments needs, so that leaving one technician out is a subtraction
    (a month of 25,000 technicians fits 25,000 Betas)."""

    n: int = 0             # technicians
    k: int = 0             # Σ dissatisfied
    answered: int = 0      # Σ answered
    k2_over_n: float = 0.0  # Σ k²/n
    inv_n: float = 0.0     # Σ 1/n

    @classmethod
    def of(cls, counts) -> PeerSums:
        counts = [(k, n) for k, n in counts if n > 0]
        return cls(len(counts), sum(k for k, _ in counts), sum(n for _, n in counts),
                   sum(k * k / n for k, n in counts), sum(1 / n for _, n in counts))

    def without(self, k: int, n: int) -> PeerSums:
        if n <= 0:
            return self
        return PeerSums(self.n - 1, self.k - k, self.answered - n, self.k2_over_n - k * k / n,
                        self.inv_n - 1 / n)

    def fit(self) -> tuple[float, float]:
        total_n = self.answered
        mean = min(max(self.k / total_n if total_n else 0.05, 0.01), 0.99)
        # Σ n (k/n − m)² / Σ n, expanded into the kept sums.
        spread = max((self.k2_over_n - 2 * mean * self.k + mean * mean * total_n) / total_n, 0.0) \
            if total_n else 0.0
        inv_n = self.inv_n / self.n if self.n else 1.0
        rho = (spread / (mean * (1 - mean)) - inv_n) / (1 - inv_n) if inv_n < 1 else RHO_BOUNDS[1]
        rho = min(max(rho, RHO_BOUNDS[0]), RHO_BOUNDS[1])
        size = (1 - rho) / rho
        return mean * size, (1 - mean) * size


def betabinomial_tail(k: int, n: int, alpha: float, beta: float) -> float:
    """P(X ≥ k) for X ~ BetaBinomial(n, α, β), in log space."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0

    def log_pmf(i):
        return (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                + math.lgamma(i + alpha) + math.lgamma(n - i + beta) - math.lgamma(n + alpha + beta)
                - math.lgamma(alpha) - math.lgamma(beta) + math.lgamma(alpha + beta))
    terms = [log_pmf(i) for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def selection_bias(ratings: list[RatingFacts],
                   counts: list[CallbackCounts]) -> dict[int, DetectorResult]:
    """`ratings`: the month's WeChat ratings; `counts`: every technician's callback counts."""
    by_tech: dict[int, list[RatingFacts]] = {}
    for r in ratings:
        by_tech.setdefault(r.technician_id, []).append(r)
    results: dict[int, DetectorResult] = {}
    everyone = PeerSums.of((c.unrated_dissatisfied, c.unrated_answered) for c in counts)
    for c in counts:
        mine = by_tech.get(c.technician_id, [])
        good = [r for r in mine if r.stars >= 4]
        if c.unrated_answered < MIN_ANSWERED or len(mine) < MIN_WECHAT \
                or len(good) / len(mine) < GLOWING:
            continue
        alpha, beta = everyone.without(c.unrated_dissatisfied, c.unrated_answered).fit()
        peer_rate = alpha / (alpha + beta)
        tail = betabinomial_tail(c.unrated_dissatisfied, c.unrated_answered, alpha, beta)
        surprise = -math.log10(max(tail, 1e-300))
        score = clamp((surprise - QUIET_TAIL) / (LOUD_TAIL - QUIET_TAIL))
        if score <= 0:
            continue
        rate = c.unrated_dissatisfied / c.unrated_answered
        evidence = {
            "employee_no": c.employee_no, "wechat_ratings": len(mine), "wechat_good": len(good),
            "unrated_answered": c.unrated_answered, "unrated_dissatisfied": c.unrated_dissatisfied,
            "peer_dissatisfied_rate": round(peer_rate, 3), "both_answered": c.both_answered,
            "both_dissatisfied": c.both_dissatisfied, "tail_probability": float(f"{tail:.3g}")}
        result = DetectorResult(
            ID, score,
            f"装维人员 {c.employee_no} 本月微信评价 {len(good)}/{len(mine)} 条为 4–5 星，但其未参评工单的"
            f"回访中 {c.unrated_dissatisfied}/{c.unrated_answered} 户不满意（{rate:.0%}，同行约 "
            f"{peer_rate:.0%}，按同行差异偶然出现的概率约 {tail:.1e}）；既有评价又有回访的 "
            f"{c.both_answered} 张工单中 {c.both_dissatisfied} 张回访不满意。疑似只邀请满意的客户评价。",
            f"Technician {c.employee_no}: {len(good)} of {len(mine)} WeChat ratings are 4–5 stars, "
            f"but {c.unrated_dissatisfied} of {c.unrated_answered} answered callbacks on unrated "
            f"orders were dissatisfied ({rate:.0%} against about {peer_rate:.0%} for peers; chance "
            f"about {tail:.1e}); {c.both_dissatisfied} of {c.both_answered} orders with both "
            f"disagree. Looks like only happy customers are asked to rate.",
            evidence)
        for r in good:
            results[r.rating_id] = result
    return results
