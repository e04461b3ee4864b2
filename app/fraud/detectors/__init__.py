"""Fraud detectors: pure functions from plain dataclasses to `DetectorResult`s.

Per-rating detectors take one rating and its context; group detectors take a group (one
technician's or one WeChat user's ratings) and answer `{rating_id: DetectorResult}`.
"""
from app.fraud.detectors.accounts import multi_account_rater
from app.fraud.detectors.base import (
    CallbackFact, DetectorResult, RatingFacts, Sighting, TechnicianLink)
from app.fraud.detectors.callbacks import callback_contradiction
from app.fraud.detectors.combine import DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, noisy_or, reasons, weights_with
from app.fraud.detectors.device import shared_device
from app.fraud.detectors.identity import rater_is_technician
from app.fraud.detectors.rings import dense_groups, rating_ring
from app.fraud.detectors.outliers import TechnicianStats, binomial_tail, response_outliers
from app.fraud.detectors.text import duplicate_comment, normalize
from app.fraud.detectors.timing import burst, rated_before_completion

DETECTOR_IDS = tuple(DEFAULT_WEIGHTS)

__all__ = [
    "CallbackFact", "DetectorResult", "RatingFacts", "Sighting", "TechnicianLink", "TechnicianStats",
    "DEFAULT_THRESHOLD", "DEFAULT_WEIGHTS", "DETECTOR_IDS", "binomial_tail", "burst",
    "callback_contradiction", "duplicate_comment", "multi_account_rater", "noisy_or", "normalize",
    "rated_before_completion", "rater_is_technician", "dense_groups", "rating_ring", "reasons",
    "response_outliers", "shared_device", "weights_with",
]
