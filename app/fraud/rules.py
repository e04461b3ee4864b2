"""Fraud-review rules as plain functions: what an offence brings, how a technician's offences are
numbered, how a change reads to the reviewer, the month a fraud counts in, and the sampling
estimates of detector precision and recall."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.timeutil import Month

# SPEC flow 5's amounts: the defaults of FRAUD_FINE_FIRST, FRAUD_FINE_REPEAT (yuan) and
# FRAUD_SUSPENSION_DAYS, which app/config.py reads from here.
FIRST_FINE = 5000
REPEAT_FINE = 1000
SUSPENSION_DAYS = 30
SCORE_BANDS = (("high", 0.8), ("medium", 0.6), ("low", 0.0))   # flagged ratings by score
UNFLAGGED = "unflagged"
OUTCOMES = ("customer_confirmed", "customer_denied", "unreachable")


def star_eligible(confirmed_frauds: int) -> bool:
    """What a sanction does besides the fine (SPEC flow 5): a technician with a confirmed fraud in
    a month is not star-eligible that month — every star-rated install/move order of the month
    pays the 1★ price — and gets no grade for the quarter holding it."""
    return confirmed_frauds <= 0


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


@dataclass(frozen=True)
class SanctionPolicy:
    """The configured amounts (FRAUD_FINE_FIRST, FRAUD_FINE_REPEAT, FRAUD_SUSPENSION_DAYS)."""

    first_fine: int = FIRST_FINE
    repeat_fine: int = REPEAT_FINE
    suspension_days: int = SUSPENSION_DAYS

    def terms(self, offence_no: int) -> SanctionTerms:
        return sanction_terms(offence_no, first_fine=self.first_fine,
                              repeat_fine=self.repeat_fine)


def number_offences(months, policy: SanctionPolicy) -> dict[str, SanctionTerms]:
    """A technician's live findings numbered by month: one per month however many frauds it
    holds, the earliest month first, so a finding for an earlier month renumbers later ones."""
    return {month: policy.terms(number)
            for number, month in enumerate(sorted(set(months)), start=1)}


def suspension_period(decided_on: date, days: int) -> tuple[date, date]:
    """待岗培训 from the day of the decision for `days` days: first and last day, both included."""
    return decided_on, decided_on + timedelta(days=max(1, days) - 1)


def yuan(amount: int) -> str:
    return f"{amount:,}"


@dataclass(frozen=True)
class OffenceState:
    """One live finding as the reviewer sees it (plain values, for before/after comparisons)."""

    month: str
    offence_no: int
    fine: int
    suspension: bool
    ratings: int


def offence_line(state: OffenceState, suspension_days: int) -> str:
    """"第 1 次违规：罚款 5,000 元，2026-10 取消定星" / "第 2 次违规：罚款 1,000 元，待岗培训 30 天…"."""
    head = f"第 {state.offence_no} 次违规：罚款 {yuan(state.fine)} 元"
    if state.suspension:
        return f"{head}，待岗培训 {suspension_days} 天，{state.month} 取消定星"
    return f"{head}，{state.month} 取消定星"


def offence_changes(before: list[OffenceState], after: list[OffenceState],
                    suspension_days: int) -> list[dict]:
    """What a decision does to one technician's findings, month by month, in words.

    `change` is new / extended (more ratings in a month that already had its finding) /
    renumbered / reduced (fewer ratings, the finding stands) / revoked.
    """
    old = {s.month: s for s in before}
    new = {s.month: s for s in after}
    changes = []
    for month in sorted(old.keys() | new.keys()):
        was, now = old.get(month), new.get(month)
        if was == now:
            continue
        if was is None:
            kind, text = "new", offence_line(now, suspension_days)
        elif now is None:
            kind = "revoked"
            text = (f"撤销 {month} 第 {was.offence_no} 次违规（罚款 {yuan(was.fine)} 元"
                    f"{'，待岗培训' if was.suspension else ''}），{month} 恢复定星资格")
        elif (was.offence_no, was.fine, was.suspension) != (now.offence_no, now.fine,
                                                            now.suspension):
            kind = "renumbered"
            text = (f"{month} 由第 {was.offence_no} 次改为"
                    f"{offence_line(now, suspension_days)}")
        elif now.ratings > was.ratings:
            kind = "extended"
            text = (f"{month} 已计第 {now.offence_no} 次违规，本次 {now.ratings - was.ratings} 条"
                    f"并入同一次发现，不另处罚")
        else:
            kind = "reduced"
            text = f"{month} 第 {now.offence_no} 次违规仍成立（余 {now.ratings} 条确认的虚假评价）"
        changes.append({"month": month, "change": kind, "text": text,
                        "before": _state_dict(was), "after": _state_dict(now)})
    return changes


def _state_dict(state: OffenceState | None) -> dict | None:
    if state is None:
        return None
    return {"offence_no": state.offence_no, "fine": state.fine, "suspension": state.suspension,
            "ratings": state.ratings}


def month_of(moment: datetime, tz_name: str) -> str:
    return str(Month.of(moment, tz_name))


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
