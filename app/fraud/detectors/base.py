"""What detectors read and what they answer: plain frozen dataclasses, no database, no Flask.

A detector explains itself: a stable id, a score in [0, 1], one sentence in Chinese and one in
English that an auditor can read out on the phone, and structured evidence (accounts, times,
texts) the console shows side by side. A score of 0 means "nothing to say" and is never stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from app.masking import mask_phone

# Auditors read local times; detectors stay pure by taking the zone as a value (`tz`, from the
# TIMEZONE setting through ScanContext.tz); this is only the default for callers that give none.
LOCAL = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)     # slots: a 1,000,000-rating month is held in memory
class RatingFacts:
    """One rating with the order, account, technician and rater facts detectors need."""

    rating_id: int
    order_no: str
    account_no: str
    technician_id: int
    employee_no: str
    user_id: int
    stars: int
    rated_at: datetime
    completed_at: datetime | None
    team: str = ""
    area: str = ""
    account_phone: str = ""
    account_address: str = ""
    technician_phone: str = ""
    openid: str | None = None
    unionid: str | None = None
    comment: str = ""
    client_ip: str | None = None
    user_agent: str | None = None
    presence: bool = False      # the rater had scanned the technician's live badge (在场扫码)


@dataclass(frozen=True)
class TechnicianLink:
    """A WeChat user proven to be a technician (TechnicianBinding)."""

    user_id: int
    technician_id: int
    employee_no: str
    team: str
    phone: str


@dataclass(frozen=True, slots=True)
class CallbackFact:
    channel: str       # ivr | manual
    result: str        # satisfied | dissatisfied | no_answer
    called_at: datetime


@dataclass(frozen=True)
class Sighting:
    """A request the technician made themselves (badge page, login) from this address/device."""

    technician_id: int
    client_ip: str
    user_agent: str | None
    seen_at: datetime


@dataclass(frozen=True)
class DetectorResult:
    id: str
    score: float
    detail_zh: str
    detail_en: str
    evidence: dict = field(default_factory=dict)

    def as_reason(self, weight: float) -> dict:
        """The stored/answered reason; `detail` is the Chinese text SPEC's queue shows."""
        return {"detector": self.id, "score": round(self.score, 3), "weight": weight,
                "detail": self.detail_zh, "detail_en": self.detail_en, "evidence": self.evidence}


def clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def hhmm(value: datetime | None, tz=LOCAL) -> str:
    return value.astimezone(tz).strftime("%m-%d %H:%M") if value else "-"


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def rating_evidence(r: RatingFacts, **extra) -> dict:
    """The per-rating evidence row every group detector lists (phones masked: evidence is shown)."""
    row = {"rating_id": r.rating_id, "order_no": r.order_no, "account_no": r.account_no,
           "employee_no": r.employee_no, "user_id": r.user_id, "rated_at": iso(r.rated_at),
           "completed_at": iso(r.completed_at)}
    row.update(extra)
    return row


__all__ = ["RatingFacts", "TechnicianLink", "CallbackFact", "Sighting", "DetectorResult",
           "clamp", "hhmm", "iso", "rating_evidence", "mask_phone", "LOCAL"]
