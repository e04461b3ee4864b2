"""Run every detector over a window's ratings and combine them: still pure, the scan loads the
context with a handful of set-based queries and hands it here."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from itertools import groupby
from operator import attrgetter

from app.fraud.detectors.accounts import MIN_ACCOUNTS, multi_account_rater
from app.fraud.detectors.base import (
    LOCAL, CallbackFact, DetectorResult, RatingFacts, Sighting, TechnicianLink)
from app.fraud.detectors.callbacks import IvrPattern, callback_contradiction, ivr_patterns
from app.fraud.detectors.combine import noisy_or, rating_level, reasons
from app.fraud.detectors.device import shared_device
from app.fraud.detectors.identity import rater_is_technician
from app.fraud.detectors.presence import presence_habit
from app.fraud.detectors.rings import rating_ring
from app.fraud.detectors.selection import CallbackCounts, selection_bias
from app.fraud.detectors.outliers import FAST, FAST_MINUTES, TechnicianStats, response_outliers
from app.fraud.detectors.text import comment_corpus, duplicate_comment, normalize
from app.fraud.detectors.timing import burst, rated_before_completion


@dataclass
class ScanContext:
    ratings: list[RatingFacts]
    rater_links: dict[int, list[TechnicianLink]] = field(default_factory=dict)   # user id →
    callbacks: dict[str, list[CallbackFact]] = field(default_factory=dict)       # order no →
    ip_users: dict[str, int] = field(default_factory=dict)
    sightings: dict[int, list[Sighting]] = field(default_factory=dict)           # technician id →
    technician_stats: list[TechnicianStats] = field(default_factory=list)
    callback_counts: list[CallbackCounts] = field(default_factory=list)
    label: str = ""        # the month scanned: group keys (one case per ring) carry it
    tz: tzinfo = LOCAL     # auditors' zone for the times detectors write (TIMEZONE)


@dataclass(frozen=True)
class Verdict:
    rating_id: int
    score: float
    reasons: list
    results: tuple[DetectorResult, ...]

    @property
    def detectors(self) -> list[str]:
        return [reason["detector"] for reason in self.reasons]


def rating_checks(r: RatingFacts, ctx: ScanContext,
                  pattern: IvrPattern | None = None) -> list[DetectorResult]:
    """The detectors of one rating on its own (registry: they also run at submission, where
    `burst` over the technician's last minutes joins them)."""
    found = [rater_is_technician(r, ctx.rater_links.get(r.user_id, [])),
             rated_before_completion(r, tz=ctx.tz),
             callback_contradiction(r, ctx.callbacks.get(r.order_no, []), pattern, tz=ctx.tz)]
    return [result for result in found if result is not None]


def submission_checks(r: RatingFacts, ctx: ScanContext) -> list[DetectorResult]:
    """What runs on a rating just submitted: registry.AT_SUBMISSION, nothing month-wide."""
    found = rating_checks(r, ctx)
    recent = burst(ctx.ratings, tz=ctx.tz).get(r.rating_id)
    return found + ([recent] if recent is not None else [])


def detect(ctx: ScanContext) -> dict[int, list[DetectorResult]]:
    """Every detector's results, by rating id."""
    found: dict[int, list[DetectorResult]] = defaultdict(list)

    def add(mapping: dict[int, DetectorResult]):
        for rating_id, result in mapping.items():
            found[rating_id].append(result)

    by_tech: dict[int, list[RatingFacts]] = defaultdict(list)
    text_techs: dict[str, set[int]] = defaultdict(set)
    patterns = ivr_patterns(ctx.ratings, ctx.callbacks)
    for r in ctx.ratings:
        by_tech[r.technician_id].append(r)
        if r.comment:
            text_techs[normalize(r.comment)].add(r.technician_id)
        checks = rating_checks(r, ctx, patterns.get(r.technician_id))
        if checks:     # most ratings have none: no empty list per rating of a big month
            found[r.rating_id].extend(checks)
    text_counts = {text: len(techs) for text, techs in text_techs.items()}
    corpus = comment_corpus(r.comment for r in ctx.ratings)

    # One rater's ratings side by side (a stable sort keeps their order); raters with fewer
    # ratings than MIN_ACCOUNTS, nearly all of a month's, cannot have rated that many accounts.
    by_user = sorted(ctx.ratings, key=attrgetter("user_id"))
    for _user_id, ratings in groupby(by_user, key=attrgetter("user_id")):
        group = list(ratings)
        if len(group) >= MIN_ACCOUNTS:
            add(multi_account_rater(group))
    del by_user
    add(rating_ring(ctx.ratings, label=ctx.label))
    add(selection_bias(ctx.ratings, ctx.callback_counts))
    add(presence_habit(ctx.ratings))
    outliers = response_outliers(ctx.technician_stats)
    fast = timedelta(minutes=FAST_MINUTES)
    for technician_id, group in by_tech.items():
        add(shared_device(group, ip_users=ctx.ip_users,
                          sightings=ctx.sightings.get(technician_id, []), tz=ctx.tz))
        add(duplicate_comment(group, text_technicians=text_counts, corpus=corpus))
        add(burst(group, tz=ctx.tz))
        for result in outliers.get(technician_id, []):
            for r in group:
                quick = r.completed_at is not None and \
                    timedelta(0) <= r.rated_at - r.completed_at <= fast
                if result.id != FAST or quick:
                    found[r.rating_id].append(result)
    return found


def judge(ctx: ScanContext, *, weights: dict[str, float], threshold: float) -> dict[int, Verdict]:
    """Ratings whose rating-level evidence reaches `threshold`, with their combined score and
    reasons."""
    verdicts = {}
    for rating_id, results in sorted(detect(ctx).items()):     # in rating order, as they are read
        score = noisy_or(results, weights)
        if score > 0 and rating_level(results, weights) >= threshold:
            verdicts[rating_id] = Verdict(rating_id, score, reasons(results, weights),
                                          tuple(results))
    return verdicts
