"""The pay sheet's rules at their edges. Expected values are worked out from SPEC's text ("The
whole pay sheet") by hand in each test, not read from the code's tables."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reports import payrules
from app.reports.tariff import order_pay, parse_tariff

TARIFF = parse_tariff()
ASSESS, PENALTY = TARIFF.assessment, TARIFF.penalties
CREATED = datetime(2026, 10, 1, 8, 0, tzinfo=timezone.utc)
DEADLINE = CREATED + timedelta(hours=24)       # no due_at: created_at + 24 h


def late_by(delta: timedelta, **kw):
    return payrules.overdue(created_at=CREATED, completed_at=DEADLINE + delta, due_at=None,
                            fault_cause=kw.get("fault_cause"), rules=PENALTY)


# --- overdue: 20 yuan per full 24 h after the deadline -----------------------------------------

@pytest.mark.parametrize("delta, fen", [
    (timedelta(hours=23, minutes=59, seconds=59), 0),
    (timedelta(hours=24), 2000),                       # exactly 24 h late: 含24小时
    (timedelta(hours=47, minutes=59), 2000),           # 47 h 59 m: still one day
    (timedelta(hours=48), 4000),
    (timedelta(days=5, hours=3), 10000),
    (timedelta(hours=-5), 0),                          # finished before the deadline
])
def test_overdue_edges(delta, fen):
    assert late_by(delta).amount_fen == fen


@pytest.mark.parametrize("cause", ["olt", "cable"])
def test_olt_and_cable_faults_are_exempt(cause):
    line = late_by(timedelta(days=3), fault_cause=cause)
    assert line.exempt and line.days == 3 and line.amount_fen == 0


def test_due_at_replaces_the_24_hour_deadline():
    due = CREATED + timedelta(hours=4)
    line = payrules.overdue(created_at=CREATED, completed_at=due + timedelta(hours=30),
                            due_at=due, fault_cause=None, rules=PENALTY)
    assert (line.deadline, line.days, line.amount_fen) == (due, 1, 2000)
    # without due_at the same completion is only 10 h past created + 24 h: no fine
    assert late_by(timedelta(hours=10)).amount_fen == 0


@given(minutes=st.integers(min_value=-3000, max_value=20000))
def test_overdue_is_20_yuan_per_started_full_day(minutes):
    line = late_by(timedelta(minutes=minutes))
    full_days = minutes // (24 * 60) if minutes >= 24 * 60 else 0
    assert line.amount_fen == 2000 * full_days
    assert line.amount_fen >= 0


# --- urges: once per order, the highest that applies -------------------------------------------

def test_three_urges_of_different_causes_cost_the_highest_once():
    kinds = [payrules.urge_kind("procedure", False), payrules.urge_kind("overdue", True),
             payrules.urge_kind("excused", True)]
    assert payrules.urge_fen(kinds, PENALTY) == 2000             # 20, 20, 0 → 20 once
    kinds.append(payrules.urge_kind("overdue", False))          # without appointment: 30
    assert payrules.urge_fen(kinds, PENALTY) == 3000
    assert payrules.counts_as_urged(kinds)


def test_excused_urges_cost_nothing_and_do_not_count_as_urged():
    kinds = [payrules.urge_kind("excused", False), payrules.urge_kind("excused", True)]
    assert payrules.urge_fen(kinds, PENALTY) == 0
    assert not payrules.counts_as_urged(kinds)
    assert payrules.urge_fen([], PENALTY) == 0


@given(st.lists(st.tuples(st.sampled_from(["procedure", "overdue", "excused"]), st.booleans()),
                min_size=1, max_size=6))
def test_urge_fine_is_one_of_the_four_amounts_and_never_summed(urges):
    fen = payrules.urge_fen([payrules.urge_kind(c, a) for c, a in urges], PENALTY)
    assert fen in (0, 2000, 3000)
    assert fen == 3000 if ("overdue", False) in urges else fen <= 2000
    assert fen == 0 if all(c == "excused" for c, _ in urges) else fen >= 2000


def test_false_closure_defaults_to_100_yuan_and_pays_no_install():
    assert payrules.false_closure_fen(None, PENALTY) == 10000
    assert payrules.false_closure_fen(15000, PENALTY) == 15000
    line = order_pay(TARIFF, order_type="install", product="broadband", stars=5, area=None,
                     star_eligible=True, false_closure=True)
    assert line.amount_fen == 0 and line.rule == "false_closure"


# --- assessment score --------------------------------------------------------------------------

@pytest.mark.parametrize("satisfied, rated, points", [
    (9, 10, 0),          # exactly 90 %: no loss
    (17, 20, -5),        # 85 %: floor(5) = 5 points
    (899, 1000, 0),      # 89.9 %: floor(0.1) = 0
    (8, 10, -10),
    (0, 7, -90),
    (0, 0, 0),           # no star-rated orders
])
def test_satisfaction_points(satisfied, rated, points):
    assert payrules.satisfaction_points(satisfied, rated, ASSESS) == points


@pytest.mark.parametrize("urged, repairs, points", [
    (1, 20, 0),          # exactly 5 %: no loss
    (1, 19, 0),          # 5.26 %: floor(0.26) = 0
    (2, 20, -5),         # 10 %
    (3, 20, -10),        # 15 %
    (20, 20, -95),
    (0, 0, 0),           # no repair orders
])
def test_urge_rate_points(urged, repairs, points):
    assert payrules.urge_rate_points(urged, repairs, ASSESS) == points


@given(st.integers(min_value=1, max_value=500).flatmap(
    lambda rated: st.tuples(st.integers(min_value=0, max_value=rated), st.just(rated))))
def test_satisfaction_points_lose_the_whole_points_below_90_percent(pair):
    satisfied, rated = pair
    points = payrules.satisfaction_points(satisfied, rated, ASSESS)
    gap = (Fraction(90, 100) - Fraction(satisfied, rated)) * 100   # in percentage points
    if gap <= 0:
        assert points == 0
    else:
        assert -points <= gap < -points + 1


@pytest.mark.parametrize("items, score", [
    ([0], Decimal(100)),
    ([15, 10], Decimal(120)),                 # 125 clamps to 120
    ([-90, -95], Decimal(0)),                 # −85 clamps to 0
    ([Decimal("-2.5"), 1], Decimal("98.5")),
    ([20], Decimal(120)),                     # exactly the top
    ([-100], Decimal(0)),                     # exactly the bottom
])
def test_score_is_100_plus_points_clamped_to_0_and_120(items, score):
    assert payrules.assessment_score(items, ASSESS) == score


@given(st.lists(st.integers(min_value=-20000, max_value=20000).map(lambda c: Decimal(c) / 100),
                max_size=8))
def test_score_stays_within_0_and_120(items):
    score = payrules.assessment_score(items, ASSESS)
    assert 0 <= score <= 120
    if 0 <= 100 + sum(items) <= 120:
        assert score == 100 + sum(items)


# --- maintenance pay ---------------------------------------------------------------------------

@pytest.mark.parametrize("price_fen, coefficient, score, fen", [
    (1500, "1.0", "100", 1500),      # broadband 15 yuan at full score
    (1500, "1.0", "97.5", 1463),     # 14.625 yuan → 14.63 (half up)
    (800, "1.15", "95", 874),        # 8 × 1.15 × 0.95 = 8.74
    (600, "1.0", "0", 0),
    (1000, "0.95", "120", 1140),     # campus 10 × 0.95 × 1.2
    (1500, "1.05", "99", 1559),      # 15.5925 → 15.59
])
def test_maintenance_line(price_fen, coefficient, score, fen):
    assert payrules.maintenance_fen(price_fen, Decimal(coefficient), Decimal(score)) == fen


# --- quarterly bonus month mapping and the total -----------------------------------------------

@pytest.mark.parametrize("month, quarter", [
    ("2026-10", "2026Q3"), ("2026-12", "2026Q3"), ("2027-01", "2026Q4"), ("2026-03", "2025Q4"),
    ("2026-04", "2026Q1"), ("2026-09", "2026Q2"),
])
def test_bonus_is_paid_by_the_previous_quarters_grade(month, quarter):
    assert payrules.bonus_quarter(month) == quarter


def test_total_may_be_negative():
    total = payrules.total_pay_fen(install=4000, maintenance=1463, commissions=-500,
                                   quarterly_bonus=20000,
                                   penalties={"overdue": 2000, "urge": 3000, "false_closure": 10000,
                                              "fraud": 500000, "complaint": 0, "other": 100})
    assert total == 4000 + 1463 - 500 + 20000 - (2000 + 3000 + 10000 + 500000 + 100)
    assert total < 0
