"""One score per rating from many detectors: a weighted noisy-OR.

Each detector is read as an independent chance that the rating is fake (its score times its
weight); the rating is honest only if every one of them is wrong. Weights (configuration
`FRAUD_WEIGHTS`) say how much a detector's full score is trusted on its own.

Context detectors (`CONTEXT`: participation and speed outliers, presence habits)
describe a technician, not a rating: an excellent technician has them honestly. They never flag
and never carry a rating over the threshold (`rating_level` decides that); they only order the
flagged ones, strengthening a rating by at most its own suspicion: `1 − (1 − P)(1 − P·C)` with P
the rating-level noisy-OR and C the context's. A rating with P = 0 scores 0 whatever its context.
"""
from __future__ import annotations

from app.fraud.detectors.base import DetectorResult
from app.fraud.detectors.registry import DETECTORS

DEFAULT_WEIGHTS = {d.id: d.weight for d in DETECTORS}
CONTEXT = frozenset(d.id for d in DETECTORS if d.context)
DEFAULT_THRESHOLD = 0.4


def weights_with(overrides: dict | None) -> dict[str, float]:
    """The defaults with configured overrides; unknown detector ids are refused loudly."""
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise ValueError(f"unknown fraud detector {key!r} in FRAUD_WEIGHTS")
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"FRAUD_WEIGHTS[{key!r}] must be within 0..1")
        merged[key] = value
    return merged


def _either(results: list[DetectorResult], weights: dict[str, float]) -> float:
    honest = 1.0
    for result in results:
        honest *= 1.0 - min(1.0, max(0.0, result.score * weights.get(result.id, 0.0)))
    return 1.0 - honest


def rating_level(results: list[DetectorResult], weights: dict[str, float]) -> float:
    """The noisy-OR of the rating-level detectors alone: what the flag threshold is held against."""
    return _either([r for r in results if r.id not in CONTEXT], weights)


def noisy_or(results: list[DetectorResult], weights: dict[str, float]) -> float:
    """The rating's score: rating-level evidence, strengthened (never started) by context."""
    rating_level = _either([r for r in results if r.id not in CONTEXT], weights)
    context = _either([r for r in results if r.id in CONTEXT], weights)
    return round(1.0 - (1.0 - rating_level) * (1.0 - rating_level * context), 4)


def reasons(results: list[DetectorResult], weights: dict[str, float]) -> list[dict]:
    """Stored reasons, strongest contribution first, one per detector (the strongest if several)."""
    strongest: dict[str, DetectorResult] = {}
    for result in results:
        if result.id not in strongest or result.score > strongest[result.id].score:
            strongest[result.id] = result
    ordered = sorted(strongest.values(),
                     key=lambda r: (-r.score * weights.get(r.id, 0.0), r.id))
    return [r.as_reason(weights.get(r.id, 0.0)) for r in ordered]
