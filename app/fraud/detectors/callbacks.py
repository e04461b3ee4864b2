"""`callback_contradiction`: a 4–5 star WeChat rating on an order whose customer told an IVR or
manual callback they were dissatisfied.

A manual call is a person's record and flags on its own. An IVR keypress is often careless, so one
alone stays below the default flag threshold; it flags when another detector agrees (noisy-OR) or
when it repeats for the technician in the month beyond chance (`ivr_patterns`: the technician's
IVR contradictions against the month's rate among everyone else's rated, IVR-answered orders — a
binomial tail, so two careless keypresses among many calls say nothing). Every technician is one
test, so the tails are held to a false-discovery rate over the month's technicians
(Benjamini–Hochberg, `FDR`): with 25,000 technicians a one-in-200 coincidence happens 125 times.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from app.fraud.detectors.base import (
    LOCAL, CallbackFact, DetectorResult, RatingFacts, clamp, hhmm, iso)
from app.fraud.detectors.outliers import binomial_tail

ID = "callback_contradiction"
CHANNEL_SCORE = {"manual": 0.8, "ivr": 0.55}
CHANNEL_ZH = {"manual": "人工回访", "ivr": "IVR 回访"}
REPEAT_MIN = 3
REPEAT_TAIL = 5e-3        # never more likely than this by careless presses (tuned on seeds 1-3)
FDR = 0.1                 # share of technicians named by chance among those named, at most
RATE_FLOOR = 0.01         # careless keypresses happen: the month's rate is never taken as lower


@dataclass(frozen=True)
class IvrPattern:
    """One technician's rated orders with an answered IVR call: how many contradict the stars."""

    employee_no: str
    contradicted: int
    answered: int
    month_rate: float
    tail: float
    cutoff: float = REPEAT_TAIL     # the month's Benjamini–Hochberg cut-off, at most REPEAT_TAIL

    @property
    def repeats(self) -> bool:
        return self.contradicted >= REPEAT_MIN and self.tail <= self.cutoff


def _contradicts(r: RatingFacts, calls: list[CallbackFact], channel: str) -> bool:
    return r.stars >= 4 and any(c.channel == channel and c.result == "dissatisfied" for c in calls)


def ivr_patterns(ratings: list[RatingFacts],
                 callbacks: dict[str, list[CallbackFact]]) -> dict[int, IvrPattern]:
    """Technician id → their IVR pattern, each against everyone else's rate in `ratings`."""
    counts: dict[int, list] = {}
    for r in ratings:
        calls = callbacks.get(r.order_no, [])
        if r.stars < 4 or not any(c.channel == "ivr" and c.result != "no_answer" for c in calls):
            continue
        row = counts.setdefault(r.technician_id, [r.employee_no, 0, 0])
        row[1] += _contradicts(r, calls, "ivr")
        row[2] += 1
    total_k = sum(row[1] for row in counts.values())
    total_n = sum(row[2] for row in counts.values())
    tails = {}
    for technician_id, (employee_no, k, n) in counts.items():
        rest_n = total_n - n
        rate = max(RATE_FLOOR, (total_k - k) / rest_n if rest_n else RATE_FLOOR)
        tails[technician_id] = (employee_no, k, n, round(rate, 4), binomial_tail(k, n, rate))
    cutoff = min(REPEAT_TAIL, fdr_cutoff([t[4] for t in tails.values()], FDR))
    return {tid: IvrPattern(*values, cutoff=cutoff) for tid, values in tails.items()}


def fdr_cutoff(tails: list[float], rate: float) -> float:
    """Benjamini–Hochberg: the largest tail p_(i) with p_(i) ≤ i/m · rate (0 when none is)."""
    ordered = sorted(tails)
    m = len(ordered)
    passing = [p for i, p in enumerate(ordered, start=1) if p <= i / m * rate]
    return passing[-1] if passing else 0.0


def callback_contradiction(r: RatingFacts, callbacks: list[CallbackFact],
                           pattern: IvrPattern | None = None, *, tz=LOCAL) -> DetectorResult | None:
    if r.stars < 4:
        return None
    unhappy = [c for c in callbacks if c.result == "dissatisfied"]
    if not unhappy:
        return None
    strongest = max(unhappy, key=lambda c: (CHANNEL_SCORE.get(c.channel, 0.5), c.called_at))
    score = CHANNEL_SCORE.get(strongest.channel, 0.5)
    repeated_zh = repeated_en = ""
    evidence = {"order_no": r.order_no, "stars": r.stars,
                "callbacks": [{"channel": c.channel, "result": c.result, "called_at": iso(c.called_at)}
                              for c in sorted(callbacks, key=lambda c: c.called_at)]}
    if strongest.channel == "ivr" and pattern is not None and pattern.repeats:
        surprise = -math.log10(max(pattern.tail, 1e-300))
        score = max(score, clamp(0.7 + 0.05 * (surprise - 2)))
        repeated_zh = (f"装维人员 {pattern.employee_no} 本月有 IVR 回访的 {pattern.answered} 张好评工单中 "
                       f"{pattern.contradicted} 张回访不满意（其他人为 {pattern.month_rate:.1%}，"
                       f"偶然出现的概率约 {pattern.tail:.1e}）。")
        repeated_en = (f" {pattern.contradicted} of technician {pattern.employee_no}'s "
                       f"{pattern.answered} well-rated orders with an answered IVR call were "
                       f"'dissatisfied' this month (others: {pattern.month_rate:.1%}; chance about "
                       f"{pattern.tail:.1e}).")
        evidence.update({"ivr_contradicted": pattern.contradicted,
                         "ivr_answered": pattern.answered, "month_rate": pattern.month_rate,
                         "tail_probability": float(f"{pattern.tail:.3g}")})
    return DetectorResult(
        ID, score,
        f"微信评价 {r.stars} 星，但{CHANNEL_ZH.get(strongest.channel, strongest.channel)}"
        f"（{hhmm(strongest.called_at, tz)}）中客户表示不满意。{repeated_zh}",
        f"The WeChat rating gives {r.stars} stars, but the customer said 'dissatisfied' to the "
        f"{strongest.channel} callback at {hhmm(strongest.called_at, tz)}.{repeated_en}",
        evidence)
