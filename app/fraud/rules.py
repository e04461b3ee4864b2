"""Fraud-review rules as plain functions: the sanction an offence brings, the month it counts in,
and the sampling estimates of detector precision and recall."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

FIRST_FINE = 5000
REPEAT_FINE = 1000
SCORE_BANDS = (("high", 0.8), ("medium", 0.6), ("low", 0.0))   # flagged ratings by score
UNFLAGGED = "unflagged"
OUTCOMES = ("customer_confirmed", "customer_denied", "unreachable")


@dataclass(frozen=True)
class SanctionTerms:
    offence_no: int
    fine: int
    suspension: bool


def sanction_terms(offence_no: int, *, first_fine: int = FIRST_FINE,
                   repeat_fine: int = REPEAT_FINE) -> SanctionTerms:
    """First offence: a fine; second and later: suspension and a (smaller) fine (SPEC flow 5)."""
    if offence_no <= 1:
        return SanctionTerms(1, first_fine, False)
    return SanctionTerms(offence_no, repeat_fine, True)


def month_of(moment: datetime, tz_name: str) -> str:
    return moment.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m")


def band_of(score: float | None) -> str:
    if score is None:
        return UNFLAGGED
    for name, floor in SCORE_BANDS:
        if score >= floor:
            return name
    return SCORE_BANDS[-1][0]


@dataclass(frozen=True)
class SampledCall:
    stratum: str
    detectors: tuple[str, ...]       # detectors that had fired when the sample was drawn
    outcome: str | None              # None until called


def estimate_quality(calls: list[SampledCall], populations: dict[str, int],
                     detector_ids: tuple[str, ...]) -> dict:
    """Precision and recall per detector (and for "flagged at all") from a stratified call sample.

    A customer who denies having rated is a fake rating. Each answered call stands for
    population/answered ratings of its stratum, so a thin random slice of unflagged ratings still
    estimates how much fraud the detectors miss. Unreachable customers are left out (assumed to
    be like the answered ones of their stratum).
    """
    answered: dict[str, int] = {}
    for call in calls:
        if call.outcome in ("customer_confirmed", "customer_denied"):
            answered[call.stratum] = answered.get(call.stratum, 0) + 1

    def weight(call: SampledCall) -> float:
        return populations.get(call.stratum, 0) / answered[call.stratum]

    known = [c for c in calls if c.outcome in ("customer_confirmed", "customer_denied")]
    fraud_total = sum(weight(c) for c in known if c.outcome == "customer_denied")

    def figures(fired) -> dict:
        hits = [c for c in known if fired(c)]
        flagged = sum(weight(c) for c in hits)
        caught = sum(weight(c) for c in hits if c.outcome == "customer_denied")
        return {"calls": len(hits),
                "denied": sum(1 for c in hits if c.outcome == "customer_denied"),
                "precision": round(caught / flagged, 3) if flagged else None,
                "recall": round(caught / fraud_total, 3) if fraud_total else None}

    return {
        "calls": len(calls), "answered": len(known),
        "unreachable": sum(1 for c in calls if c.outcome == "unreachable"),
        "pending": sum(1 for c in calls if c.outcome is None),
        "estimated_fake_ratings": round(fraud_total, 1),
        "overall": figures(lambda c: c.stratum != UNFLAGGED),
        "detectors": {d: figures(lambda c, d=d: d in c.detectors) for d in detector_ids},
    }
