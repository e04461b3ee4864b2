"""Proof of presence (在场扫码): live badge tokens for the technician's phone, and the scans of them
that record a customer's presence. Token format and time rules: live.py. Services flush, never
commit.

A scanned token (static or live) is answered as in service.py, plus one case: a genuine live
token outside its steps → 410 `badge_expired` ("请让装维人员刷新工牌"). A live token also stops
at once when the badge is rotated or revoked or the technician is suspended or leaves, exactly like
the static one (the same state check, service.badge_for_ref).

The clock is `clock()`: tests replace it (app.extensions["live_badge_clock"]) to step through
time and to stand for servers whose clocks disagree, with no sleeping.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import delete, text

from app.badge import live, qr, render, service
from app.badge.live import LiveRef, LiveSettings
from app.badge.models import Badge, Presence
from app.db import insert_unless_duplicate, read_core
from app.errors import Gone
from app.extensions import db
from app.identity.errors import InvalidUserToken, NotATechnician, TechnicianInactive
from app.identity.tokens import TokenClaims
from app.masterdata.models import Technician

CLOCK = "live_badge_clock"
# A live code is drawn with one fixed mask (see qr.qr_matrix): 8× cheaper, decodes the same.
LIVE_QR_MASK = 2


def clock() -> float:
    """Now, in Unix seconds, as the live badge sees it."""
    return current_app.extensions.get(CLOCK, time.time)()


def at_datetime(at: float) -> datetime:
    return datetime.fromtimestamp(at, timezone.utc)


def live_settings() -> LiveSettings:
    config = current_app.config
    step = config["LIVE_BADGE_STEP_SECONDS"]
    return LiveSettings(step_seconds=step,
                        ahead_seconds=min(2 * config["LIVE_BADGE_SKEW_SECONDS"], step - 1))



def _live_keys():
    secret = current_app.config.get("LIVE_BADGE_SECRET") or current_app.config["SECRET_KEY"]
    cached = current_app.extensions.get("badge_live_keys")
    if cached is None or cached[0] != secret:
        cached = current_app.extensions["badge_live_keys"] = (secret, live.derive_live_keys(secret))
    return cached[1]


def badge_expired() -> Gone:
    return Gone("二维码已过期，请让装维人员刷新工牌 (this live badge has expired: ask the "
                "technician to refresh it)", code="badge_expired")


# -- issuing -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LiveBadge:
    """A live token and when to fetch the next one (see LiveBadgeOut)."""

    technician_id: int
    token: str
    expires_in: int          # seconds until the next token (rounded up): refresh then
    valid_for: int           # seconds this one is still accepted (one step more: offline grace)
    step_seconds: int
    url: str
    qr_png_url: str
    qr_svg_url: str
    badge_issued: bool = False      # the badge itself was issued by this call: commit it


def issue_live_badge(claims: TokenClaims, *, at: float) -> LiveBadge:
    """The live badge of the technician the claims' user is bound to; one query.

    401 for a revoked user token, 403 when the user is not an active technician, 410 when the
    badge is revoked (a rotated one simply has a newer version: its live tokens carry it).
    """
    rows = read_core(db.session, ISSUER_STATE, {
        "user_id": claims.user_id, "token_version": claims.token_version,
        "today": service.today()})
    if not rows:
        raise InvalidUserToken()
    row = rows[0]
    if row.technician_id is None:
        raise NotATechnician()
    if row.status != "active":
        raise TechnicianInactive(details={"status": row.status})
    if row.suspended_until is not None:     # 待岗培训 (fraud review): no live badge either
        raise service.badge_revoked("technician_suspended",
                                    suspended_until=str(row.suspended_until)[:10])
    if row.version is None:     # never asked for a badge before: issue it now (the caller commits)
        badge = service.get_or_create_badge(db.session.get(Technician, row.technician_id))
        return replace(live_badge(technician_id=row.technician_id, version=badge.version, at=at),
                       badge_issued=True)
    if row.revoked_at is not None:
        raise service.badge_revoked("revoked")
    return live_badge(technician_id=row.technician_id, version=row.version, at=at)


def live_badge(*, technician_id: int, version: int, at: float) -> LiveBadge:
    settings = live_settings()
    step = live.step_at(at, settings)
    token = live.encode_live_token(_live_keys(), technician_id=technician_id, version=version,
                                   step=step)
    url = service.badge_url(token)
    return LiveBadge(technician_id=technician_id, token=token,
                     expires_in=math.ceil(live.seconds_to_next_step(at, settings)),
                     valid_for=_whole(live.seconds_accepted(step, at, settings)),
                     step_seconds=settings.step_seconds, url=url, qr_png_url=f"{url}.png",
                     qr_svg_url=f"{url}.svg")


def _whole(seconds: float) -> int:
    # Rounded down: whoever relies on it stops a little early, never late.
    return max(0, int(seconds))


# Polled by every technician's phone every step: a fixed statement, written as SQL so that each
# call's cache key is the string itself rather than a walk over four joins (≈ 80 µs a call).
# Anchored on the user with the token's version: no row means a revoked token, as in rating
# submission; no technician means the user is not bound to one.
ISSUER_STATE = text("""
    SELECT technician_bindings.technician_id, technicians.status, badges.version,
           badges.revoked_at,
           (SELECT max(technician_suspensions.ends_on) FROM technician_suspensions
            WHERE technician_suspensions.technician_id = technicians.id
              AND technician_suspensions.lifted_at IS NULL
              AND technician_suspensions.starts_on <= :today
              AND technician_suspensions.ends_on >= :today) AS suspended_until
    FROM wechat_users
    LEFT OUTER JOIN technician_bindings ON technician_bindings.user_id = wechat_users.id
    LEFT OUTER JOIN technicians ON technicians.id = technician_bindings.technician_id
    LEFT OUTER JOIN badges ON badges.technician_id = technicians.id
    WHERE wechat_users.id = :user_id AND wechat_users.token_version = :token_version
""")


# -- scanning ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scan:
    """A scanned token that works: its badge and, for a live token, the step it was minted in."""

    badge: Badge
    ref: LiveRef | None = None

    @property
    def presence(self) -> bool:
        return self.ref is not None


def read_live_token(token: str) -> LiveRef:
    """What a genuine live token names, whatever its age; 404 for anything else."""
    ref = live.decode_live_token(_live_keys(), token)
    if ref is None:
        raise service.badge_not_found()
    return ref


def is_current(ref: LiveRef, *, at: float) -> bool:
    return live.accepted(ref.step, at, live_settings())


def resolve_scan(token: str, *, at: float) -> Scan:
    """The badge a scanned token names, static or live, or the 404/410 error to answer."""
    if not live.is_live_token(token):
        return Scan(service.resolve_badge(token))
    ref = read_live_token(token)
    if not is_current(ref, at=at):
        raise badge_expired()
    return Scan(service.badge_for_ref(ref.badge), ref)


def scan_badge(token: str, *, user_id: int, channel: str, client_ip: str | None) -> Scan:
    """`user_id` scans `token`: the badge, with their presence recorded if the token is live."""
    at = clock()
    scan = resolve_scan(token, at=at)
    if scan.ref is not None:
        record_presence(user_id=user_id, ref=scan.ref, channel=channel, client_ip=client_ip, at=at)
    return scan


def record_presence(*, user_id: int, ref: LiveRef, channel: str, client_ip: str | None,
                    at: float) -> None:
    """Record that `user_id` scanned the live token `ref` (once per step: a reload adds nothing)."""
    insert_unless_duplicate(db.session, Presence.__table__, {
        "user_id": user_id, "technician_id": ref.technician_id, "step": ref.step,
        "scanned_at": at_datetime(at), "channel": channel, "client_ip": client_ip,
    }, unique=("user_id", "technician_id", "step"))


def forget_presences(*, before: datetime) -> int:
    """Delete presences scanned before `before`; returns how many. A rating keeps its own
    `presence` answer, so only the scan rows (who, where from) go: personal data kept no longer
    than reviews and appeals need it."""
    result = db.session.execute(
        delete(Presence).where(Presence.scanned_at < before)
        .execution_options(synchronize_session=False))
    return result.rowcount


# -- the QR images of a live token ---------------------------------------------------------------

def qr_image_for_token(token: str, kind: str) -> service.ImageOut:
    """The QR PNG/SVG of any badge token: a live one is drawn on demand (it lives a minute)."""
    if not live.is_live_token(token):
        return service.qr_image_for_token(token, kind)
    at = clock()
    scan = resolve_scan(token, at=at)
    data = live_qr(service.badge_url(token), kind)
    # Cached no longer than the token is accepted: after that the URL answers 410.
    max_age = _whole(live.seconds_accepted(scan.ref.step, at, live_settings()))
    return service.ImageOut(kind, render.etag_of(data), data, max_age=max_age)


def live_qr(url: str, kind: str) -> bytes:
    matrix = qr.qr_matrix(url, mask_pattern=LIVE_QR_MASK)
    if kind == "qr_svg":
        return qr.render_qr_svg(matrix).encode()
    return qr.render_qr_png(matrix, optimize=False)
