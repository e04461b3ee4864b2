"""Badges: issue, resolve, rotate, revoke, and the cached images. Services flush, never commit.

A scanned token is answered in this order: not genuine or never issued → 404 `badge_not_found`;
genuine but an older version, or revoked → 410 `badge_revoked`; the technician suspended or gone
→ 410 `badge_revoked` with its own message and `details.reason`, so the page can say why. A
technician is suspended when upstream says so or while a 待岗培训 period covers today
(`details.suspended_until` then says until when); the badge works again the day after, by itself.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from app.badge import photos, render
from app.badge.card import CardInfo, avatar_text
from app.badge.fonts import CjkFonts, find_cjk_fonts
from app.badge.memo import QrMemo
from app.badge.models import Badge, BadgeImage
from app.badge.tokens import MAX_VERSION, BadgeRef, TokenKeys, decode_token, derive_keys, \
    encode_token
from app.branding import branding
from app.db import utcnow
from app.errors import Conflict, Gone, NotFound
from app.extensions import db
from app.masterdata import service as masterdata
from app.masterdata.models import Technician, TechnicianSuspension
from app.wechat import gateway as wechat_gateway

# How long a worker may serve a QR image from memory without asking the database (see memo.py).
QR_MEMO_SECONDS = 10

_REVOKED = {
    "rotated": "该工牌已更换，请扫描新工牌 (this badge was replaced by a newer one)",
    "revoked": "该工牌已作废 (this badge was revoked)",
    "technician_suspended": "该装维人员暂停服务，工牌暂不可用 (the technician is suspended)",
    "technician_left": "该装维人员已离职，工牌已失效 (the technician has left)",
}


def badge_not_found() -> NotFound:
    return NotFound("工牌无效或不存在 (badge not found)", code="badge_not_found")


def badge_revoked(reason: str, **details) -> Gone:
    message = _REVOKED[reason]
    if details.get("suspended_until"):
        message = (f"该装维人员待岗培训中（至 {details['suspended_until']}），暂停服务评价 "
                   f"(the technician is suspended until {details['suspended_until']})")
    return Gone(message, code="badge_revoked", details={"reason": reason, **details})


def check_badge_state(ref: BadgeRef, *, current_version: int | None, revoked: bool,
                      technician_status: str | None, suspended_until: date | None = None,
                      allow_suspended: bool = False) -> None:
    """Raise the answer for a genuine token `ref` given the badge's state; None means it works.

    `suspended_until`: the last day of a suspension covering today. `allow_suspended`: the
    caller shows the badge marked as suspended (the card) instead of refusing it.
    """
    if current_version is None or ref.version > current_version:
        raise badge_not_found()   # a genuine MAC for a version never issued: treat as unknown
    if ref.version < current_version:
        raise badge_revoked("rotated")
    if revoked:
        raise badge_revoked("revoked")
    if technician_status not in ("active", "suspended"):
        raise badge_revoked("technician_left")
    if (technician_status == "suspended" or suspended_until) and not allow_suspended:
        raise badge_revoked("technician_suspended", **(
            {"suspended_until": suspended_until.isoformat()} if suspended_until else {}))


def today() -> date:
    return masterdata.local_today(current_app.config["TIMEZONE"])


def suspended_until(technician_id: int) -> date | None:
    """The last day of the 待岗培训 covering today, if any."""
    row = masterdata.current_suspension(technician_id, today())
    return row.ends_on if row else None


# -- configuration -------------------------------------------------------------------------------

def _token_keys() -> TokenKeys:
    secret = current_app.config["SECRET_KEY"]
    cached = current_app.extensions.get("badge_token_keys")
    if cached is None or cached[0] != secret:
        cached = current_app.extensions["badge_token_keys"] = (secret, derive_keys(secret))
    return cached[1]


def card_fonts() -> CjkFonts:
    fonts = current_app.extensions.get("badge_fonts")
    if fonts is None:
        fonts = current_app.extensions["badge_fonts"] = find_cjk_fonts(
            current_app.config.get("BADGE_FONT_PATH"))
    return fonts


# -- tokens and links ----------------------------------------------------------------------------

def badge_token(badge: Badge) -> str:
    return encode_token(_token_keys(), technician_id=badge.technician_id, version=badge.version)


def badge_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/b/{token}"


@dataclass(frozen=True)
class BadgeLinks:
    badge_token: str
    url: str
    qr_png_url: str
    qr_svg_url: str
    card_png_url: str
    wxacode_url: str
    show_url: str


def badge_links(badge: Badge) -> BadgeLinks:
    token = badge_token(badge)
    url = badge_url(token)
    return BadgeLinks(badge_token=token, url=url, qr_png_url=f"{url}.png", qr_svg_url=f"{url}.svg",
                      card_png_url=f"{url}/card.png", wxacode_url=f"{url}/wxacode.png",
                      show_url=f"{url}/show")


# -- badge lifecycle -----------------------------------------------------------------------------

def find_badge(technician_id: int) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.technician_id == technician_id))


def get_or_create_badge(technician: Technician) -> Badge:
    """The technician's badge, issued at version 1 the first time it is asked for."""
    badge = find_badge(technician.id)
    if badge is not None:
        return badge
    try:
        with db.session.begin_nested():
            badge = Badge(technician=technician, version=1)
            db.session.add(badge)
    except IntegrityError:
        # Issued concurrently by another request: theirs is as good as ours.
        badge = find_badge(technician.id)
    return badge


def get_badge_for(employee_no: str) -> Badge:
    return get_or_create_badge(masterdata.get_technician(employee_no))


def rotate_badge(*, technician: Technician) -> Badge:
    """Issue a new token version; every earlier token answers 410 from now on."""
    badge = get_or_create_badge(technician)
    db.session.refresh(badge, with_for_update=True)
    if badge.version >= MAX_VERSION:
        raise Conflict("工牌更换次数已达上限 (badge rotation limit reached)",
                       code="badge_rotation_limit")
    badge.version += 1
    badge.rotated_at = utcnow()
    badge.revoked_at = None
    badge.revoked_reason = None
    # Images (the mini-program code included) show the old token; drop them, they redraw on demand.
    db.session.execute(BadgeImage.__table__.delete().where(BadgeImage.badge_id == badge.id))
    db.session.flush()
    _qr_memo().forget(technician.id)
    return badge


def revoke_badge(*, technician: Technician, reason: str | None = None) -> Badge:
    """Stop the current badge without issuing a new one (rotating later issues a fresh one)."""
    badge = get_or_create_badge(technician)
    if badge.revoked_at is None:
        badge.revoked_at = utcnow()
        badge.revoked_reason = reason
        db.session.flush()
    _qr_memo().forget(technician.id)
    return badge


def resolve_badge(token: str, *, allow_suspended: bool = False) -> Badge:
    """The working badge `token` names (technician loaded), or the 404/410 error to answer."""
    ref = decode_token(_token_keys(), token)
    if ref is None:
        raise badge_not_found()
    return badge_for_ref(ref, allow_suspended=allow_suspended)


def badge_for_ref(ref: BadgeRef, *, allow_suspended: bool = False) -> Badge:
    """The badge a genuine token (static or live) names, if it still works; else 404/410."""
    badge = find_badge(ref.technician_id)
    check_badge_state(ref, current_version=badge.version if badge else None,
                      revoked=bool(badge and badge.revoked_at),
                      technician_status=badge.technician.status if badge else None,
                      suspended_until=suspended_until(badge.technician_id) if badge else None,
                      allow_suspended=allow_suspended)
    return badge


# app.extensions key of the function `technician_id → grade (1–5) or None` that badge pages and
# cards show. Grades are ranked by reports, a layer above badge: create_app hands it in.
GRADE_SOURCE = "badge.grade_source"


def current_grade(technician: Technician) -> int | None:
    """The technician's grade of the last completed quarter (1–5), or None (shown as 暂无)."""
    grade_of = current_app.extensions.get(GRADE_SOURCE)
    return grade_of(technician.id) if grade_of is not None else None


_LOOK_UP = object()


def card_info(technician: Technician, until=_LOOK_UP, *,
              photo_etags: dict[int, str] | None = None) -> CardInfo:
    """What the card shows: a suspended technician's card is stamped so (`until`: the last day
    of the suspension covering today or None, when the caller already knows it); `photo_etags`:
    every photo's etag, when the caller has read them all at once (bulk rendering), else this
    technician's is looked up."""
    if until is _LOOK_UP:
        until = suspended_until(technician.id)
    stamp = (f"待岗培训中 · 至 {until.isoformat()}" if until else
             "暂停服务" if technician.status == "suspended" else None)
    photo_etag = (photos.photo_etag_of(technician.id) if photo_etags is None
                  else photo_etags.get(technician.id))
    return CardInfo(name=technician.name, employee_no=technician.employee_no,
                    team=technician.team, grade=current_grade(technician), suspension=stamp,
                    photo_etag=photo_etag)


@dataclass(frozen=True)
class PublicProfile:
    """What anyone holding the badge may see: never the phone number."""

    name: str
    employee_no: str
    team: str
    area: str
    grade: int | None
    photo_url: str | None = None    # absolute; None: show `initials`
    initials: str = ""


def public_profile(badge: Badge) -> PublicProfile:
    return technician_profile(badge.technician)


def technician_profile(technician: Technician) -> PublicProfile:
    """The technician as customer pages show them (the badge landing, the rating form)."""
    etag = photos.photo_etag_of(technician.id)
    return PublicProfile(name=technician.name, employee_no=technician.employee_no,
                         team=technician.team, area=technician.area,
                         grade=current_grade(technician),
                         photo_url=(current_app.config["PUBLIC_BASE_URL"] + photos.photo_url(etag)
                                    if etag else None),
                         initials=avatar_text(technician.name))


# -- images --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImageOut:
    kind: str
    etag: str
    data: bytes
    rendered_now: bool = False     # stored just now: the caller has a write to commit
    max_age: int | None = None     # how long caches may keep it, when not the route's default


# The hot path of a scan: built once, run through the session's connection, so each request pays
# for one indexed query and not for building and ORM-compiling a statement (~3× the time).
_SUSPENDED_UNTIL = (
    select(func.max(TechnicianSuspension.ends_on))
    .where(TechnicianSuspension.technician_id == Badge.technician_id,
           TechnicianSuspension.lifted_at.is_(None),
           TechnicianSuspension.starts_on <= bindparam("today"),
           TechnicianSuspension.ends_on >= bindparam("today"))
    .scalar_subquery())
_QR_STATE = (
    select(Badge.version, Badge.revoked_at, Technician.status, BadgeImage.source_key,
           BadgeImage.etag, BadgeImage.data, _SUSPENDED_UNTIL.label("suspended_until"))
    .join(Technician, Technician.id == Badge.technician_id)
    .outerjoin(BadgeImage, and_(BadgeImage.badge_id == Badge.id,
                                BadgeImage.kind == bindparam("kind")))
    .where(Badge.technician_id == bindparam("technician_id")))


def qr_image_for_token(token: str, kind: str) -> ImageOut:
    """The QR PNG or SVG for `token`: from the memo, else one query, else drawn and stored."""
    memo = _qr_memo()
    hit = memo.get(token, kind)
    if hit is not None:
        return ImageOut(kind, hit.etag, hit.data)
    ref = decode_token(_token_keys(), token)
    if ref is None:
        raise badge_not_found()
    row = db.session.connection().execute(
        _QR_STATE, {"kind": kind, "technician_id": ref.technician_id,
                    "today": today()}).one_or_none()
    check_badge_state(ref, current_version=row.version if row else None,
                      revoked=bool(row and row.revoked_at),
                      technician_status=row.status if row else None,
                      suspended_until=_as_date(row.suspended_until) if row else None)
    if row.source_key == render.source_key(kind, badge_url(token)):
        image = ImageOut(kind, row.etag, row.data)
    else:
        image = badge_image(find_badge(ref.technician_id), kind)
    memo.put(token, kind, technician_id=ref.technician_id, etag=image.etag, data=image.data)
    return image


def _as_date(value) -> date | None:
    # SQLite hands back the aggregate of a DATE column as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _qr_memo() -> QrMemo:
    memo = current_app.extensions.get("badge_qr_memo")
    if memo is None:
        ttl = float(current_app.config.get("BADGE_QR_MEMO_SECONDS", QR_MEMO_SECONDS))
        memo = current_app.extensions["badge_qr_memo"] = QrMemo(ttl=ttl)
    return memo


def badge_image(badge: Badge, kind: str) -> ImageOut:
    """A rendered image of `badge`, redrawn and stored if what it shows has changed."""
    url = badge_url(badge_token(badge))
    card = card_info(badge.technician)
    brand = branding()
    key = render.source_key(kind, url, card, brand)
    stored = db.session.get(BadgeImage, (badge.id, kind))
    if stored is not None and stored.source_key == key:
        return ImageOut(kind, stored.etag, stored.data)
    photo = photos.photo_of(badge.technician_id) if kind == "card_png" and card.photo_etag else None
    job = render.RenderJob(badge_id=badge.id, url=url, card=card, branding=brand, kinds=(kind,),
                           photo=photo.data if photo else None)
    fonts = card_fonts() if kind == "card_png" else None
    (image,) = render.render_job(job, fonts)
    store_image(badge, kind, source_key=image.source_key, data=image.data, etag=image.etag)
    return ImageOut(kind, image.etag, image.data, rendered_now=True)


def store_image(badge: Badge, kind: str, *, source_key: str, data: bytes, etag: str) -> BadgeImage:
    values = {"source_key": source_key, "data": data, "etag": etag, "rendered_at": utcnow()}
    stored = db.session.get(BadgeImage, (badge.id, kind))
    if stored is None:
        try:
            with db.session.begin_nested():
                stored = BadgeImage(badge_id=badge.id, kind=kind, **values)
                db.session.add(stored)
            return stored
        except IntegrityError:
            # Two first requests drew the same image at once; the other stored it first.
            stored = db.session.get(BadgeImage, (badge.id, kind), populate_existing=True)
    for name, value in values.items():
        setattr(stored, name, value)
    db.session.flush()
    return stored


def wxacode_for_token(token: str) -> ImageOut:
    """The mini-program code of a working badge, fetched from WeChat once per badge version."""
    return badge_wxacode(resolve_badge(token))


def badge_wxacode(badge: Badge) -> ImageOut:
    stored = db.session.get(BadgeImage, (badge.id, "wxacode"))
    key = wxacode_source_key(badge)
    if stored is not None and stored.source_key == key:
        return ImageOut("wxacode", stored.etag, stored.data)
    png = wechat_gateway.wxa_code_unlimited(badge_token(badge), page=_wxacode_page())
    stored = store_wxacode(badge, png)
    return ImageOut("wxacode", stored.etag, png, rendered_now=True)


def store_wxacode(badge: Badge, png: bytes) -> BadgeImage:
    """Keep a mini-program code fetched elsewhere (e.g. by a batch job) for the current token."""
    return store_image(badge, "wxacode", source_key=wxacode_source_key(badge), data=png,
                       etag=render.etag_of(png))


def _wxacode_page() -> str | None:
    # The mini-program page that receives the scene; None lets WeChat open the home page.
    return current_app.config.get("BADGE_WXACODE_PAGE")


def wxacode_source_key(badge: Badge) -> str:
    """The code depends on the scene (the badge token) and the page it opens."""
    blob = f"wxacode|{_wxacode_page() or ''}|{badge_token(badge)}".encode()
    return hashlib.sha256(blob).hexdigest()


def badge_summary(badge: Badge) -> dict:
    """The badge as the admin and technician calls answer it (see schemas.BadgeOut)."""
    links = badge_links(badge)
    return {"employee_no": badge.technician.employee_no, "version": badge.version,
            "status": "revoked" if badge.revoked_at else "active",
            "rotated_at": badge.rotated_at, "revoked_at": badge.revoked_at,
            "badge_token": links.badge_token, "url": links.url, "qr_png_url": links.qr_png_url,
            "qr_svg_url": links.qr_svg_url, "card_png_url": links.card_png_url,
            "wxacode_url": links.wxacode_url, "show_url": links.show_url,
            "suspended_until": suspended_until(badge.technician_id)}
