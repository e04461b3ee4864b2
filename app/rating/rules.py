"""The rating rules, as plain functions of plain values (SPEC flows 3–4 and "Rules").

These decide what every report, pay ledger and fraud check builds on; read them first.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

STARS = (1, 2, 3, 4, 5)
DEFAULT_STAR = 3
# What a callback result is worth when an order has no valid WeChat rating.
CALLBACK_STARS = {"dissatisfied": 1, "satisfied": 3, "no_answer": 3}
# A manual callback outranks an IVR one; among the same channel the latest wins.
CHANNEL_RANK = {"manual": 2, "ivr": 1}
RECOVERY_MAX_STARS = 2
# A recovery task (a 1–2★ rating, a dissatisfied callback) is due this many hours after it opens
# (default of RECOVERY_DUE_HOURS).
RECOVERY_DUE_HOURS = 48
COMMENT_MAX = 500


@dataclass(frozen=True)
class Callback:
    channel: str       # ivr | manual
    result: str        # satisfied | dissatisfied | no_answer
    called_at: datetime


@dataclass(frozen=True)
class EffectiveStar:
    stars: int
    source: str        # wechat | ivr | manual | default


def deciding_callback(callbacks: list[Callback]) -> Callback | None:
    """The callback whose result counts: manual before IVR, then the latest."""
    if not callbacks:
        return None
    # Two results of one channel at the same instant cannot be stored (unique key); the last
    # element only keeps the choice independent of input order should it ever happen.
    return max(callbacks, key=lambda c: (CHANNEL_RANK[c.channel], c.called_at, c.result))


def effective_star(wechat_stars: int | None, callbacks: list[Callback]) -> EffectiveStar:
    """Valid WeChat rating → its stars; else the deciding callback; else 3 stars."""
    if wechat_stars is not None:
        return EffectiveStar(wechat_stars, "wechat")
    callback = deciding_callback(callbacks)
    if callback is None:
        return EffectiveStar(DEFAULT_STAR, "default")
    return EffectiveStar(CALLBACK_STARS[callback.result], callback.channel)


def window_closes_at(completed_at: datetime, window_days: int) -> datetime:
    return completed_at + timedelta(days=window_days)


def in_rating_window(completed_at: datetime, now: datetime, window_days: int) -> bool:
    return now < window_closes_at(completed_at, window_days)


def clean_comment(text: str) -> str:
    """Drop control characters (keeping line breaks) and surrounding blanks; emoji stay as written."""
    if text.isprintable():      # nothing to drop (no Cc/Cf character, no line break): most comments
        return text.strip()
    kept = "".join(ch for ch in text
                   if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf")
                   or ch == "\u200d")        # zero-width joiner holds multi-part emoji together
    return kept.replace("\r", "").strip()


def misfit_tags(stars: int, tags: list[str], tag_stars: dict[str, tuple[int, ...]]) -> list[str]:
    """Tags that are unknown or do not apply to `stars` (positive tags for 4–5, negative for 1–3)."""
    return [tag for tag in tags if stars not in tag_stars.get(tag, ())]


def opens_recovery(stars: int) -> bool:
    return stars <= RECOVERY_MAX_STARS
