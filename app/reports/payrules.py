"""The whole pay sheet's rules (SPEC "The whole pay sheet"; seeds 000_*.txt 五(二)), as plain
functions of plain values — no database, no Flask.

    个人实际收入 total_pay = install_pay + maintenance_pay + commissions + quarterly_bonus
                              − penalties_total

Money is integer fen; shares and scores are exact (Fraction, Decimal), never floats; an amount
that is not whole fen (maintenance pay: price × coefficient × score ÷ 100) is rounded half up once
per order line. Install pay per order is `tariff.order_pay`; everything else is here. The numbers
(prices, thresholds, fines) come from the tariff document (`tariff.py`), so a closed month records
exactly which ones priced it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Mapping

PENALTY_KINDS = ("overdue", "urge", "false_closure", "fraud", "complaint", "other")
COMPUTED_ITEMS = ("satisfaction", "urge_rate")
# An urge's kind decides its fine: the cause, and for `overdue` whether the technician had
# recorded the appointment call (已按规定电话录音预约).
URGE_KINDS = ("procedure", "overdue_with_appointment", "overdue_without_appointment", "excused")


@dataclass(frozen=True)
class AssessmentRules:
    base: Decimal                   # 100
    low: Decimal                    # the score is clamped to low..high
    high: Decimal
    satisfaction_target: Fraction   # 0.90: below it, points are lost
    satisfied_min_stars: int        # effective star ≥ 4 counts as satisfied
    urge_rate_limit: Fraction       # 0.05: above it, points are lost


@dataclass(frozen=True)
class PenaltyRules:
    overdue_fen_per_day: int                 # 20 yuan per full 24 h late
    repair_deadline: timedelta               # deadline when an order has no due_at: created + 24 h
    overdue_step: timedelta                  # 24 h
    exempt_fault_causes: frozenset[str]      # olt, cable: handed to the responsible post
    urge_fen: Mapping[str, int]              # by URGE_KINDS
    false_closure_fen: int                   # when the penalty row gives no amount


@dataclass(frozen=True)
class RankingRules:
    stars: int                      # the month's top N are service stars (月度服务明星)
    bottom: int                     # the month's bottom N are listed
    training_months: int            # consecutive months at the bottom → 待岗培训
    removal_months: int             # … → 清退


# --- assessment score (当月考核得分) ------------------------------------------------------------

def satisfaction_points(satisfied: int, rated: int, rules: AssessmentRules) -> int:
    """−floor((0.90 − r) × 100) when r < 0.90, r = satisfied ÷ rated (star-rated orders with
    effective star ≥ 4, campus excluded); 0 without star-rated orders."""
    if rated <= 0:
        return 0
    share = Fraction(satisfied, rated)
    if share >= rules.satisfaction_target:
        return 0
    return -math.floor((rules.satisfaction_target - share) * 100)


def urge_rate_points(urged: int, repairs: int, rules: AssessmentRules) -> int:
    """−floor((u − 0.05) × 100) when u > 0.05, u = urged ÷ repairs (completed repair orders with at
    least one urge not excused); 0 without repair orders."""
    if repairs <= 0:
        return 0
    share = Fraction(urged, repairs)
    if share <= rules.urge_rate_limit:
        return 0
    return -math.floor((share - rules.urge_rate_limit) * 100)


def points_from_centi(centi: int) -> Decimal:
    return Decimal(centi) / 100


def assessment_score(points: Iterable[Decimal | int], rules: AssessmentRules) -> Decimal:
    """100 + Σ item points, clamped to 0..120."""
    raw = rules.base + sum((Decimal(p) for p in points), Decimal(0))
    return min(max(raw, rules.low), rules.high)


def score_number(score: Decimal) -> int | float:
    """A score for JSON: 95, or 97.5 when it has decimals."""
    return int(score) if score == score.to_integral_value() else float(score)


# --- maintenance pay (维护酬金) ------------------------------------------------------------------

def maintenance_fen(price_fen: int, coefficient: Decimal, score: Decimal) -> int:
    """One repair order: maintenance price × area coefficient × score ÷ 100, half up to the fen."""
    exact = Decimal(price_fen) * coefficient * score / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- penalties (服务扣罚) ------------------------------------------------------------------------

@dataclass(frozen=True)
class Overdue:
    deadline: datetime
    late: timedelta             # negative when finished in time
    days: int                   # full 24 h periods late
    exempt: bool                # OLT / cable fault
    amount_fen: int


def overdue(*, created_at: datetime, completed_at: datetime, due_at: datetime | None,
            fault_cause: str | None, rules: PenaltyRules) -> Overdue:
    """A completed repair finished ≥ 24 h after its deadline (due_at, else created_at + 24 h)
    costs 20 × floor(hours late ÷ 24); OLT and cable faults are exempt."""
    deadline = due_at if due_at is not None else created_at + rules.repair_deadline
    late = completed_at - deadline
    days = late // rules.overdue_step if late >= rules.overdue_step else 0
    exempt = fault_cause in rules.exempt_fault_causes
    return Overdue(deadline, late, days, exempt, overdue_fen(days, exempt, rules))


def overdue_fen(days: int, exempt: bool, rules: PenaltyRules) -> int:
    """20 yuan per full day late; nothing for an OLT/cable fault handed to the responsible post."""
    return 0 if exempt else days * rules.overdue_fen_per_day


def urge_kind(cause: str, appointment_recorded: bool) -> str:
    if cause == "overdue":
        return "overdue_with_appointment" if appointment_recorded else "overdue_without_appointment"
    return cause


def urge_fen(kinds: Iterable[str], rules: PenaltyRules) -> int:
    """Per order, once: the highest fine among its urges' kinds (0 when all are excused)."""
    return max((rules.urge_fen[k] for k in kinds), default=0)


def counts_as_urged(kinds: Iterable[str]) -> bool:
    """For the urge rate: the order has at least one urge whose cause is not excused."""
    return any(k != "excused" for k in kinds)


def false_closure_fen(amount_fen: int | None, rules: PenaltyRules) -> int:
    return rules.false_closure_fen if amount_fen is None else amount_fen


# --- quarterly bonus and the total --------------------------------------------------------------

def bonus_quarter(month: str) -> str:
    """The quarter whose grade pays a month's quarterly bonus: the one before the month's own
    (2026-10, 2026-11 and 2026-12 pay by 2026Q3's grade; 2027-01 by 2026Q4's)."""
    year, mon = int(month[:4]), int(month[5:7])
    quarter = (mon - 1) // 3 + 1
    return f"{year - 1}Q4" if quarter == 1 else f"{year}Q{quarter - 1}"


def total_pay_fen(*, install: int, maintenance: int, commissions: int, quarterly_bonus: int,
                  penalties: Mapping[str, int]) -> int:
    return install + maintenance + commissions + quarterly_bonus - sum(penalties.values())
