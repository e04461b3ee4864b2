"""Quarterly grade (季度综合星级) with SPEC's forced distribution, as plain functions.

score = Σ effective stars ÷ (star-rated completed orders × 5). Scores are kept as exact fractions:
two technicians whose scores are equal must tie exactly, which floats cannot promise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from app.fraud.rules import star_eligible
from app.reports.tariff import DEFAULT_TARIFF

DEFAULT_CUTOFFS = tuple(Fraction(c) / 100 for c in DEFAULT_TARIFF["grade_cutoffs_percent"])
GRADES_IN_ORDER = (5, 4, 3, 2, 1)      # the grade of each band; after the fifth band: none


@dataclass(frozen=True)
class Candidate:
    """A technician who may be graded: not excluded, with at least one star-rated order."""

    employee_no: str
    stars_total: int
    orders: int

    @property
    def score(self) -> Fraction:
        return score(self.stars_total, self.orders)


@dataclass(frozen=True)
class Graded:
    candidate: Candidate
    rank: int                 # 1-based position in the ranking
    grade: int | None         # 5..1, or None for the last band


def exclusion(*, confirmed_frauds: int, justified_complaint: bool,
              star_rated_orders: int) -> str | None:
    """Why a technician gets no quarterly grade and stays out of the ranking, or None (ranked).
    SPEC: a confirmed fraud or a justified complaint in the quarter; and a score needs at least
    one star-rated order. The first reason that applies is the one given."""
    if not star_eligible(confirmed_frauds):
        return "confirmed_fraud"
    if justified_complaint:
        return "justified_complaint"
    if star_rated_orders <= 0:
        return "no_star_rated_orders"
    return None


def score(stars_total: int, orders: int) -> Fraction:
    if orders <= 0:
        raise ValueError("a score needs at least one star-rated order")
    return Fraction(stars_total, orders * 5)


def boundaries(n: int, cutoffs: Sequence[Fraction] = DEFAULT_CUTOFFS) -> tuple[int, ...]:
    """Cumulative rank boundaries floor(c × N + 0.5), computed exactly (no float rounding)."""
    return tuple(math.floor(Fraction(c) * n + Fraction(1, 2)) for c in cutoffs)


def grade_for_rank(rank: int, bounds: Sequence[int]) -> int | None:
    """Ranks up to the first boundary get 5★, up to the second 4★, … up to the fifth 1★."""
    for grade, bound in zip(GRADES_IN_ORDER, bounds):
        if rank <= bound:
            return grade
    return None


def ranking_key(candidate: Candidate) -> tuple:
    # Score high first, then more orders first (装维工作量高的优先), then employee_no.
    return (-candidate.score, -candidate.orders, candidate.employee_no)


def assign_grades(candidates: Iterable[Candidate],
                  cutoffs: Sequence[Fraction] = DEFAULT_CUTOFFS) -> list[Graded]:
    """Rank the candidates and give each the grade of its band, best first."""
    ranked = sorted(candidates, key=ranking_key)
    keys = [c.employee_no for c in ranked]
    if len(set(keys)) != len(keys):
        raise ValueError("employee numbers must be unique")
    bounds = boundaries(len(ranked), cutoffs)
    return [Graded(c, rank, grade_for_rank(rank, bounds))
            for rank, c in enumerate(ranked, start=1)]
