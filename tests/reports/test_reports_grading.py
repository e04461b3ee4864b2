"""Quarterly grade boundaries and ranking, including property tests over every N from 1 to 500."""
import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports.grading import (
    Candidate, assign_grades, boundaries, exclusion, grade_for_rank, score)

CUTS = (10, 20, 50, 80, 90, 100)


def spec_bounds(n):
    # SPEC: floor(c × N + 0.5), with c exact.
    return [math.floor(Fraction(c, 100) * n + Fraction(1, 2)) for c in CUTS]


@pytest.mark.parametrize("n, expected", [
    (1, (0, 0, 1, 1, 1, 1)),       # a lone technician is ranked into 3★
    (2, (0, 0, 1, 2, 2, 2)),
    (5, (1, 1, 3, 4, 5, 5)),       # 0.5 rounds up
    (10, (1, 2, 5, 8, 9, 10)),
    (15, (2, 3, 8, 12, 14, 15)),   # 1.5 → 2, 7.5 → 8, 13.5 → 14
    (25, (3, 5, 13, 20, 23, 25)),  # 2.5 → 3, 12.5 → 13, 22.5 → 23
])
def test_boundaries_examples(n, expected):
    assert boundaries(n) == expected


def test_boundaries_for_every_n_up_to_500_match_the_formula_and_shares():
    for n in range(1, 501):
        bounds = boundaries(n)
        assert list(bounds) == spec_bounds(n)
        assert bounds[-1] == n and list(bounds) == sorted(bounds)
        people = [Candidate(f"E{i:04d}", stars_total=i, orders=n) for i in range(n)]
        graded = assign_grades(people)
        counts = {g: sum(1 for x in graded if x.grade == g) for g in (5, 4, 3, 2, 1, None)}
        quota = [bounds[0], bounds[1] - bounds[0], bounds[2] - bounds[1], bounds[3] - bounds[2],
                 bounds[4] - bounds[3], n - bounds[4]]
        assert [counts[g] for g in (5, 4, 3, 2, 1, None)] == quota


def test_grade_for_rank_bands():
    bounds = boundaries(10)
    assert [grade_for_rank(r, bounds) for r in range(1, 11)] == \
        [5, 4, 3, 3, 3, 2, 2, 2, 1, None]


def test_ties_by_orders_then_employee_no_with_exact_scores():
    # 3/15 and 2/10 and 1/5 are the same score: exact fractions must tie, then orders decide.
    people = [Candidate("B", 3, 3), Candidate("A", 2, 2), Candidate("C", 1, 1),
              Candidate("D", 5, 1), Candidate("E", 10, 2), Candidate("F", 3, 3)]
    order = [g.candidate.employee_no for g in assign_grades(people)]
    assert order == ["E", "D", "B", "F", "A", "C"]
    assert score(3, 3) == score(2, 2) == Fraction(1, 5)


candidates = st.lists(
    st.tuples(st.integers(1, 40), st.integers(0, 5)),   # orders, average-ish stars
    min_size=1, max_size=500)


@settings(max_examples=150, deadline=None)
@given(candidates, st.randoms(use_true_random=False))
def test_forced_distribution_properties(rows, rnd):
    people = [Candidate(f"E{i:04d}", stars_total=max(orders, min(orders * 5, orders * s + i % 3)),
                        orders=orders) for i, (orders, s) in enumerate(rows)]
    n = len(people)
    graded = assign_grades(people)
    # quotas exactly as SPEC's boundaries say
    bounds = spec_bounds(n)
    for rank, result in enumerate(graded, start=1):
        assert result.rank == rank
        expected = next((g for g, b in zip((5, 4, 3, 2, 1), bounds) if rank <= b), None)
        assert result.grade == expected
    # ranking: score desc, then orders desc, then employee_no asc — a strict total order
    keys = [(-Fraction(g.candidate.stars_total, g.candidate.orders * 5), -g.candidate.orders,
             g.candidate.employee_no) for g in graded]
    assert keys == sorted(keys) and len(set(keys)) == n
    # a better score never gets a worse grade
    level = [g.grade or 0 for g in graded]
    assert level == sorted(level, reverse=True)
    # input order does not matter
    shuffled = people[:]
    rnd.shuffle(shuffled)
    assert [(g.candidate, g.grade) for g in assign_grades(shuffled)] == \
        [(g.candidate, g.grade) for g in graded]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 500), st.integers(1, 4))
def test_all_equal_scores_rank_by_orders_then_employee_no(n, distinct_orders):
    rng = random.Random(n)
    people = [Candidate(f"E{rng.randrange(10**6):06d}-{i}", stars_total=3 * k, orders=k)
              for i, k in enumerate(rng.randint(1, distinct_orders) for _ in range(n))]
    graded = assign_grades(people)
    assert [(-g.candidate.orders, g.candidate.employee_no) for g in graded] == \
        sorted((-p.orders, p.employee_no) for p in people)


def test_duplicate_employee_numbers_are_refused():
    with pytest.raises(ValueError):
        assign_grades([Candidate("A", 5, 1), Candidate("A", 4, 1)])


@pytest.mark.parametrize("frauds, complaint, orders, expected", [
    (0, False, 12, None),                           # ranked
    (1, False, 12, "confirmed_fraud"),              # SPEC: a confirmed fraud → no grade
    (3, False, 12, "confirmed_fraud"),
    (0, True, 12, "justified_complaint"),           # SPEC: a justified complaint → no grade
    (0, False, 0, "no_star_rated_orders"),          # nothing to score
    (2, True, 0, "confirmed_fraud"),                # the first reason that applies is given
    (0, True, 0, "justified_complaint"),
])
def test_who_is_left_out_of_the_quarterly_ranking(frauds, complaint, orders, expected):
    assert exclusion(confirmed_frauds=frauds, justified_complaint=complaint,
                     star_rated_orders=orders) == expected

