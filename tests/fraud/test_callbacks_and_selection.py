"""Callback contradictions (manual alone, IVR when it repeats beyond chance) and the technician-level
selection-bias test (beta-binomial: small samples say nothing)."""
import random
from datetime import timedelta

import pytest

from app.fraud.detectors import CallbackFact
from app.fraud.detectors.callbacks import callback_contradiction, ivr_patterns
from app.fraud.detectors.combine import DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, noisy_or
from app.fraud.detectors.run import ScanContext, judge
from app.fraud.detectors.selection import (
    CallbackCounts, beta_fit, betabinomial_tail, selection_bias)
from tests.fraud.test_fraud_detectors import T0, assert_explains, rf


def _flags(result):
    return noisy_or([result], DEFAULT_WEIGHTS) >= DEFAULT_THRESHOLD


def _month_with_ivr(rng, technicians=30, per_technician=30, careless=0.03):
    """Every rated order has an answered IVR call; a few careless 'dissatisfied' presses."""
    ratings, callbacks = [], {}
    for t in range(technicians):
        for i in range(per_technician):
            done = T0 + timedelta(hours=7 * i)
            r = rf(technician_id=t, employee_no=f"ZW{t:04d}", completed_at=done,
                   rated_at=done + timedelta(minutes=20))
            ratings.append(r)
            result = "dissatisfied" if rng.random() < careless else "satisfied"
            callbacks[r.order_no] = [CallbackFact("ivr", result, T0 + timedelta(days=1))]
    return ratings, callbacks


def test_a_manual_contradiction_flags_alone():
    result = callback_contradiction(rf(stars=5), [CallbackFact("manual", "dissatisfied", T0)])
    assert _flags(result)


def test_one_ivr_contradiction_alone_does_not_flag():
    result = callback_contradiction(rf(stars=5), [CallbackFact("ivr", "dissatisfied", T0)])
    assert result is not None and not _flags(result)


def test_careless_ivr_presses_across_a_month_flag_nobody():
    ratings, callbacks = _month_with_ivr(random.Random(1))
    verdicts = judge(ScanContext(ratings=ratings, callbacks=callbacks),
                     weights=DEFAULT_WEIGHTS, threshold=DEFAULT_THRESHOLD)
    assert verdicts == {}


def test_ivr_contradictions_repeating_for_one_technician_flag():
    ratings, callbacks = _month_with_ivr(random.Random(2))
    mine = [r for r in ratings if r.technician_id == 4][:6]
    for r in mine:
        callbacks[r.order_no] = [CallbackFact("ivr", "dissatisfied", T0 + timedelta(days=1))]
    patterns = ivr_patterns(ratings, callbacks)
    assert patterns[4].repeats and patterns[4].contradicted >= 6
    verdicts = judge(ScanContext(ratings=ratings, callbacks=callbacks),
                     weights=DEFAULT_WEIGHTS, threshold=DEFAULT_THRESHOLD)
    assert {r.rating_id for r in mine} <= set(verdicts)
    assert {v.rating_id for v in verdicts.values()} <= {r.rating_id for r in ratings
                                                        if r.technician_id == 4}
    result = verdicts[mine[0].rating_id].results[0]
    assert_explains(result)
    assert "IVR" in result.detail_zh and result.evidence["ivr_answered"] == 30


def test_careless_presses_among_thousands_of_technicians_name_nobody():
    rng = random.Random(8)
    ratings, callbacks = [], {}
    for t in range(3000):        # a big operator's month: one-in-200 coincidences happen
        for _ in range(12):
            r = rf(technician_id=t, employee_no=f"ZW{t:05d}")
            ratings.append(r)
            result = "dissatisfied" if rng.random() < 0.04 else "satisfied"
            callbacks[r.order_no] = [CallbackFact("ivr", result, T0)]
    patterns = ivr_patterns(ratings, callbacks)
    assert any(p.tail <= 5e-3 and p.contradicted >= 3 for p in patterns.values())
    assert not any(p.repeats for p in patterns.values())


def test_fdr_cutoff():
    from app.fraud.detectors.callbacks import fdr_cutoff
    assert fdr_cutoff([0.001, 0.2, 0.5, 0.9], 0.1) == 0.001
    assert fdr_cutoff([0.01, 0.02, 0.03, 0.04], 0.1) == 0.04
    assert fdr_cutoff([0.5, 0.9], 0.1) == 0.0


def test_ivr_contradiction_with_another_signal_flags():
    r = rf(stars=5, rated_at=T0 - timedelta(hours=1))        # also rated before completion
    ctx = ScanContext(ratings=[r], callbacks={r.order_no: [CallbackFact("ivr", "dissatisfied", T0)]})
    assert r.rating_id in judge(ctx, weights=DEFAULT_WEIGHTS, threshold=DEFAULT_THRESHOLD)


# --- selection bias ------------------------------------------------------------------------------

def test_betabinomial_is_wider_than_binomial_and_sums_to_one():
    from app.fraud.detectors.outliers import binomial_tail
    assert betabinomial_tail(0, 10, 2, 18) == 1.0
    assert betabinomial_tail(11, 10, 2, 18) == 0.0
    assert betabinomial_tail(5, 20, 2, 38) > binomial_tail(5, 20, 0.05)
    # Beta(1, 1) makes every count equally likely.
    assert betabinomial_tail(4, 9, 1, 1) == pytest.approx(0.6)


def test_beta_fit_recovers_the_peers_mean():
    rng = random.Random(3)
    counts = []
    for _ in range(50):
        p = rng.betavariate(2, 38)
        n = 40
        counts.append((sum(rng.random() < p for _ in range(n)), n))
    alpha, beta = beta_fit(counts)
    assert alpha / (alpha + beta) == pytest.approx(0.05, abs=0.02)


def _peers(rng, n=40, answered=30, rate=0.06):
    return [CallbackCounts(100 + i, f"P{i}", answered, sum(rng.random() < rate
                                                          for _ in range(answered)))
            for i in range(n)]


def _glowing(technician_id=1, n=30):
    return [rf(technician_id=technician_id, employee_no="ZW0001", stars=5) for _ in range(n)]


def test_glowing_stars_against_unhappy_unrated_customers_is_found():
    rng = random.Random(4)
    counts = _peers(rng) + [CallbackCounts(1, "ZW0001", 40, 18, both_answered=12,
                                           both_dissatisfied=1)]
    found = selection_bias(_glowing(), counts)
    assert len(found) == 30
    result = next(iter(found.values()))
    assert_explains(result)
    assert result.evidence["unrated_dissatisfied"] == 18 and result.evidence["unrated_answered"] == 40
    assert "18/40" in result.detail_zh
    assert _flags(result)
    # … and it ranks below a ring's rating.
    ring = type(result)("rating_ring", 0.7, "团伙", "ring", {"x": 1})
    assert noisy_or([result], DEFAULT_WEIGHTS) < noisy_or([ring], DEFAULT_WEIGHTS)


def test_small_samples_say_nothing():
    rng = random.Random(5)
    counts = _peers(rng) + [CallbackCounts(1, "ZW0001", 8, 6)]
    assert selection_bias(_glowing(), counts) == {}


def test_honest_spread_of_peers_flags_nobody():
    rng = random.Random(6)
    counts = []
    for i in range(60):                  # technicians honestly differ: Beta(3, 37) rates
        p = rng.betavariate(3, 37)
        counts.append(CallbackCounts(i, f"P{i}", 35, sum(rng.random() < p for _ in range(35))))
    ratings = [rf(technician_id=i, employee_no=f"P{i}", stars=5) for i in range(60) for _ in range(20)]
    assert selection_bias(ratings, counts) == {}


def test_technician_whose_wechat_stars_are_mixed_is_not_selecting():
    rng = random.Random(7)
    counts = _peers(rng) + [CallbackCounts(1, "ZW0001", 40, 18)]
    ratings = _glowing(n=20) + [rf(technician_id=1, stars=2) for _ in range(10)]
    assert selection_bias(ratings, counts) == {}
