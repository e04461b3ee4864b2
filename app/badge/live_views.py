"""Live badge routes (在场扫码): the technician's live token (mini-program JSON and a full-screen H5
page that refreshes itself), and what the H5 landing `/b/<token>` does with a live token.

A browser that opens a live token before it is signed in (WeChat's in-app browser on first use)
goes through WeChat OAuth first. The round trip can outlast the token's last step, so the landing
notes in the session which live token this browser opened while it was current, and when
(`carry.live_scan`: kept across the sign-in, see identity.decorators.h5_sign_in); back from the
OAuth, that note vouches for the token for PRESENCE_SIGNIN_SECONDS. A forwarded screenshot opened
later in another browser has no such note: its token is simply expired (410).
"""
from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session

from app.apidocs.registry import api_doc
from app.badge import live, presence, service
from app.badge.schemas import LiveBadgeOut, LivePageOut
from app.errors import AppError
from app.extensions import db
from app.identity.decorators import claims_required, h5_current_user, h5_login_required
from app.identity.errors import InvalidUserToken
from app.identity.tokens import TokenClaims

bp = Blueprint("badge_live", __name__)

LIVE_SCAN = "carry.live_scan"      # session: {"token", "at"} of the live token this browser opened
_NO_STORE = {"Cache-Control": "no-store"}
# Built once: building a schema deep-copies its fields, which costs more than this call's query.
LIVE_BADGE_OUT, LIVE_PAGE_OUT = LiveBadgeOut(), LivePageOut()


# -- the technician's live badge -----------------------------------------------------------------

@bp.get("/api/v1/technician/badge/live")
@claims_required
@api_doc("我的动态工牌 (the signed-in technician's live badge token: it changes every "
         "LIVE_BADGE_STEP_SECONDS and works one step longer; fetch again after `expires_in`)",
         tags=["badges"], responses={200: LiveBadgeOut}, errors=(401, 403, 410),
         auth="user_token")
def live_badge():
    badge = presence.issue_live_badge(g.claims, at=presence.clock())
    if badge.badge_issued:
        db.session.commit()     # the technician's first badge, issued just now
    return LIVE_BADGE_OUT.dump(badge), 200, _NO_STORE


@bp.get("/h5/technician/badge")
@h5_login_required
def live_page():
    """Full screen on the technician's phone: the live QR, refreshed on time, with a countdown."""
    try:
        badge = _page_badge()
    except AppError as exc:
        if exc.status == 403:       # not (or no longer) an active technician
            return render_template("reports/not_technician.html"), 403
        if exc.status == 410:       # the badge is revoked: nothing to show until it is rotated
            return render_template("badge/unavailable.html", error=exc, brand=service.branding(),
                                   reason=exc.details.get("reason")), 410
        raise
    profile = service.public_profile(service.find_badge(badge["technician_id"]))
    return render_template("badge/live.html", profile=profile, brand=service.branding(),
                           badge=LIVE_PAGE_OUT.dump(badge)), 200, _NO_STORE


@bp.get("/h5/technician/badge/live.json")
def live_page_data():
    """What the live page fetches every step (signed in by the page's session cookie)."""
    g.user = h5_current_user()
    if g.user is None:
        raise InvalidUserToken()
    return LIVE_PAGE_OUT.dump(_page_badge()), 200, _NO_STORE


def _page_badge() -> dict:
    badge = presence.issue_live_badge(TokenClaims(g.user.id, g.user.token_version),
                                      at=presence.clock())
    if badge.badge_issued:
        db.session.commit()
    svg = presence.live_qr(badge.url, "qr_svg")
    return {**asdict(badge),
            "qr_data_url": "data:image/svg+xml;base64," + base64.b64encode(svg).decode()}


# -- the H5 landing of a live token --------------------------------------------------------------

@dataclass(frozen=True)
class H5Scan:
    scan: presence.Scan
    recorded: bool = False              # a presence was recorded for the signed-in user
    redirect: Response | None = None    # sign in first


def h5_scan(token: str) -> H5Scan:
    """The landing's view of a scanned token: a static one as ever; a live one records the
    signed-in customer's presence, or sends a WeChat browser to sign in first."""
    if not live.is_live_token(token):
        return H5Scan(presence.Scan(service.resolve_badge(token)))
    at = presence.clock()
    ref = presence.read_live_token(token)
    if presence.is_current(ref, at=at):
        session[LIVE_SCAN] = {"token": token, "at": at}
    elif not _opened_here_recently(token, at):
        raise presence.badge_expired()
    scan = presence.Scan(service.badge_for_ref(ref.badge), ref)
    user = h5_current_user()
    if user is None:
        if "MicroMessenger" not in request.user_agent.string:
            return H5Scan(scan)         # outside WeChat there is no sign-in to wait for
        return H5Scan(scan, redirect=redirect(
            "/h5/login?" + urlencode({"next": request.path}), code=302))
    presence.record_presence(user_id=user.id, ref=ref, channel="h5",
                             client_ip=request.remote_addr, at=at)
    db.session.commit()
    return H5Scan(scan, recorded=True)


def _opened_here_recently(token: str, at: float) -> bool:
    """This browser opened `token` while it was current, at most PRESENCE_SIGNIN_SECONDS ago."""
    seen = session.get(LIVE_SCAN)
    if not isinstance(seen, dict) or seen.get("token") != token:
        return False
    opened = seen.get("at")
    window = current_app.config["PRESENCE_SIGNIN_SECONDS"]
    return isinstance(opened, (int, float)) and opened <= at <= opened + window
