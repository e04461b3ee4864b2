"""Badge routes: the public scan landing and images under `/b/`, and the admin badge calls.

The landing's "评价服务" button opens the H5 rating flow, `/b/<token>/rate` (app/rating/h5.py; the
mini-program's scan answer, with the orders to rate, is rating's too: app/rating/views.py).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, request, url_for
from werkzeug.utils import get_content_type

from app.apidocs.registry import api_doc
from app.auth.audit import audit_api_call
from app.auth.decorators import require_roles
from app.badge import bulk, photos, presence, service
from app.badge.live_views import h5_scan
from app.badge.models import CONTENT_TYPES
from app.badge.photo import PhotoRejected
from app.badge.schemas import BadgeOut, BadgeRevokeIn, PhotoOut, SheetQuery
from app.errors import AppError, BadRequest
from app.extensions import db
from app.guards import large_body
from app.identity.decorators import technician_required
from app.masterdata import service as masterdata

bp = Blueprint("badge", __name__)
admin_bp = Blueprint("badge_admin", __name__)

# The H5 rating flow's first page (app/rating/h5.py), called with `badge_token=`.
RATE_ENDPOINT = "h5_rating.start"
# A token's QR never changes, so it may be cached long; a card shows name, team and grade,
# which can change under the same token, so caches revalidate it (cheaply, by ETag) sooner.
QR_MAX_AGE = 86400
CARD_MAX_AGE = 600

_TOKEN = {"type": "string", "description": "badge token (26 characters, base32) or a live badge "
                                           "token (32 characters, see /api/v1/technician/badge/live)"}
_IMAGE_ERRORS = (404, 410)
# The pages answer an unknown or revoked badge with an HTML page, not JSON (see _unavailable).
_HTML_ERRORS = {status: {"description": text, "content": {"text/html": {}}}
                for status, text in ((404, "unknown badge (HTML page)"),
                                     (410, "revoked badge, or an expired live badge: "
                                          "请让装维人员刷新工牌 (HTML page)"))}


def _image(media_type: str, description: str) -> dict:
    return {"description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}


# The Content-Type header of each image kind, worked out once (the SVG's carries its charset).
_CONTENT_TYPE_HEADERS = {kind: get_content_type(mimetype, "utf-8")
                         for kind, mimetype in CONTENT_TYPES.items()}


def _image_response(image: service.ImageOut, max_age: int) -> Response:
    if image.rendered_now:
        db.session.commit()
    if image.max_age is not None:
        max_age = image.max_age
    headers = [("ETag", f'"{image.etag}"'), ("Cache-Control", f"public, max-age={max_age}")]
    if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains(image.etag):
        return Response(status=304, headers=headers)
    return Response(image.data, content_type=_CONTENT_TYPE_HEADERS[image.kind], headers=headers)


# -- public: scan landing and images --------------------------------------------------------------

@bp.get("/b/<token>")
@api_doc("扫码落地页 (H5 landing the plain QR opens)", tags=["badges"], path_params={"token": _TOKEN},
         responses={200: {"description": "HTML page", "content": {"text/html": {}}},
                    **_HTML_ERRORS})
def landing(token: str):
    try:
        scan = h5_scan(token)       # a live token records presence (live_views.py)
    except AppError as exc:
        return _unavailable(exc)
    if scan.redirect is not None:
        return scan.redirect
    badge = scan.scan.badge
    # Rating goes on under the badge's static token: a live one may expire while the customer reads.
    rate_url = url_for(RATE_ENDPOINT, badge_token=service.badge_token(badge))
    page = render_template("badge/landing.html", profile=service.public_profile(badge),
                           rate_url=rate_url, live=scan.scan.presence,
                           presence_recorded=scan.recorded)
    # The page says whether the badge still works: never serve it from a cache.
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/b/<token>/show")
@api_doc("出示工牌页 (full-screen badge a technician shows on the phone)", tags=["badges"],
         path_params={"token": _TOKEN},
         responses={200: {"description": "HTML page", "content": {"text/html": {}}},
                    **_HTML_ERRORS})
def show(token: str):
    try:
        badge = service.resolve_badge(token)
    except AppError as exc:
        return _unavailable(exc)
    page = render_template("badge/show.html", profile=service.public_profile(badge),
                           brand=service.branding(),
                           qr_svg_url=service.badge_links(badge).qr_svg_url)
    return page, 200, {"Cache-Control": "no-store"}


def _unavailable(exc: AppError):
    """The page for a badge that does not work (404 unknown, 410 with the reason it stopped;
    a live token past its steps has a page of its own)."""
    if exc.status not in (404, 410):
        raise exc
    template = "badge/expired.html" if exc.code == "badge_expired" else "badge/unavailable.html"
    page = render_template(template, error=exc, reason=exc.details.get("reason"))
    return page, exc.status, {"Cache-Control": "no-store"}


@bp.get("/photos/<etag>.jpg")
@api_doc("装维人员照片 (a technician's photo; the address changes with the photo)",
         tags=["badges"], path_params={"etag": {"type": "string"}},
         responses={200: _image("image/jpeg", "photo"), 304: None}, errors=(404,))
def photo(etag: str):
    row = photos.photo_by_etag(etag)
    headers = {"ETag": f'"{row.etag}"', "Cache-Control": "public, max-age=31536000, immutable"}
    if "If-None-Match" in request.headers and request.if_none_match.contains(row.etag):
        return Response(status=304, headers=headers)
    return Response(row.data, mimetype="image/jpeg", headers=headers)


@bp.get("/b/<token>.png")
@api_doc("工牌二维码 PNG (plain QR of the badge URL)", tags=["badges"],
         path_params={"token": _TOKEN}, responses={200: _image("image/png", "QR code"), 304: None},
         errors=_IMAGE_ERRORS)
def qr_png(token: str):
    return _image_response(presence.qr_image_for_token(token, "qr_png"), QR_MAX_AGE)


@bp.get("/b/<token>.svg")
@api_doc("工牌二维码 SVG (plain QR, vector, for print)", tags=["badges"],
         path_params={"token": _TOKEN},
         responses={200: _image("image/svg+xml", "QR code"), 304: None}, errors=_IMAGE_ERRORS)
def qr_svg(token: str):
    return _image_response(presence.qr_image_for_token(token, "qr_svg"), QR_MAX_AGE)


@bp.get("/b/<token>/card.png")
@api_doc("工牌卡片 PNG (badge card, 54×85.6 mm at 300 dpi)", tags=["badges"],
         path_params={"token": _TOKEN}, responses={200: _image("image/png", "card"), 304: None},
         errors=_IMAGE_ERRORS)
def card_png(token: str):
    # A suspended technician's card still draws, stamped 暂停服务评价: the badge page and the
    # scan answer 410 meanwhile.
    image = service.badge_image(service.resolve_badge(token, allow_suspended=True), "card_png")
    return _image_response(image, CARD_MAX_AGE)


@bp.get("/b/<token>/wxacode.png")
@api_doc("小程序码 PNG (mini-program code, scene = badge token; fetched from WeChat once)",
         tags=["badges"], path_params={"token": _TOKEN},
         responses={200: _image("image/png", "mini-program code"), 304: None},
         errors=_IMAGE_ERRORS + (502, 503))
def wxacode_png(token: str):
    return _image_response(service.wxacode_for_token(token), QR_MAX_AGE)


# -- admin ----------------------------------------------------------------------------------------

@admin_bp.get("/technicians/<employee_no>/badge")
@require_roles("manager")
@api_doc("查看工牌 (a technician's badge; issued on first request)", tags=["badges"],
         responses={200: BadgeOut}, errors=(404,))
def get_badge(employee_no: str):
    badge = service.get_badge_for(employee_no)
    db.session.commit()
    return BadgeOut().dump(service.badge_summary(badge)), 200


@admin_bp.post("/technicians/<employee_no>/badge/rotate")
@require_roles("manager")
@api_doc("更换工牌 (rotate: old tokens answer 410 at once)", tags=["badges"],
         responses={200: BadgeOut}, errors=(404, 409))
def rotate(employee_no: str):
    badge = service.rotate_badge(technician=masterdata.get_technician(employee_no))
    audit_api_call("badge_rotated", employee_no, version=badge.version)
    db.session.commit()
    return BadgeOut().dump(service.badge_summary(badge)), 200


@admin_bp.post("/technicians/<employee_no>/badge/revoke")
@require_roles("manager")
@api_doc("作废工牌 (revoke without a replacement; rotate to issue a new one)", tags=["badges"],
         body=BadgeRevokeIn, responses={200: BadgeOut}, errors=(404,))
def revoke(employee_no: str):
    data = BadgeRevokeIn().load(request.get_json(silent=True) or {})
    badge = service.revoke_badge(technician=masterdata.get_technician(employee_no), **data)
    audit_api_call("badge_revoked", employee_no, reason=data.get("reason") or "")
    db.session.commit()
    return BadgeOut().dump(service.badge_summary(badge)), 200


_PHOTO_BODY = {"type": "string", "format": "binary"}
_PHOTO_BODIES = {"image/jpeg": _PHOTO_BODY, "image/png": _PHOTO_BODY, "image/webp": _PHOTO_BODY,
                 "multipart/form-data": {"type": "object", "required": ["photo"],
                                         "properties": {"photo": _PHOTO_BODY}}}
# Multipart wraps the file in a few hundred bytes of headers and boundaries.
_MULTIPART_SLACK = 64 * 1024


@admin_bp.route("/technicians/<employee_no>/photo", methods=["PUT", "POST"])
@large_body                 # a phone photo is megabytes: TECHNICIAN_PHOTO_MAX_BYTES decides
@require_roles("manager")
@api_doc("上传装维人员照片 (set a technician's photo: JPEG, PNG or WebP, re-encoded as a square "
         "JPEG without EXIF; used by the badge card, the printed sheet and the customer pages). "
         "Error codes: photo_missing 400, technician_not_found 404, photo_too_large 413, "
         "photo_unsupported_type 415, photo_too_small / photo_too_many_pixels / "
         "photo_unreadable 422",
         tags=["badges"], request_bodies=_PHOTO_BODIES, responses={200: PhotoOut},
         errors=(400, 404, 413, 415, 422), error_codes={
             400: ("photo_missing",), 413: ("photo_too_large",), 415: ("photo_unsupported_type",),
             422: ("photo_too_small", "photo_too_many_pixels", "photo_unreadable")})
def upload_photo(employee_no: str):
    technician = masterdata.get_technician(employee_no)
    row = photos.set_photo(technician=technician, raw=_uploaded_photo(), by=g.api_key.name)
    db.session.commit()
    return PhotoOut().dump(photos.photo_summary(row, technician.employee_no)), 200


@admin_bp.delete("/technicians/<employee_no>/photo")
@require_roles("manager")
@api_doc("删除装维人员照片 (remove the photo; cards and pages show the initials again)",
         tags=["badges"], responses={204: None}, errors=(404,))
def delete_photo(employee_no: str):
    photos.remove_photo(technician=masterdata.get_technician(employee_no))
    db.session.commit()
    return "", 204


def _uploaded_photo() -> bytes:
    """The file's bytes from a raw image body or a multipart `photo` field, refusing a body
    larger than a photo may be before reading it."""
    limit = current_app.config["TECHNICIAN_PHOTO_MAX_BYTES"]
    if (request.content_length or 0) > limit + _MULTIPART_SLACK:
        raise photos.PhotoRefused(PhotoRejected(
            "photo_too_large", f"照片文件不能超过 {limit // (1024 * 1024)} MB (photo too large)"))
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("photo")
        if upload is None:
            raise BadRequest("请在表单字段 photo 中上传照片 (multipart field `photo` is missing)",
                             code="photo_missing")
        return upload.read(limit + 1)
    # The bytes decide what the file is, whatever the header claims (checked by Pillow).
    return request.get_data(cache=False)


@admin_bp.get("/badges/sheet.pdf")
@require_roles("manager")
@api_doc("工牌打印页 PDF (A4, nine cards a page, for a team and/or an area)", tags=["badges"],
         query=SheetQuery, responses={200: {"description": "PDF",
                                            "content": {"application/pdf": {"schema": {
                                                "type": "string", "format": "binary"}}}}},
         errors=(404,))
def sheet_pdf():
    query = SheetQuery().load(request.args)
    printed = bulk.print_sheet(**query)
    db.session.commit()
    return Response(printed.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": "attachment; filename=badges.pdf",
        "X-Badges-Printed": str(printed.printed),
        "X-Badges-Skipped-Revoked": ",".join(printed.skipped_revoked),
        "X-Badges-Suspended": ",".join(printed.suspended),
        "Cache-Control": "no-store"})


# -- mini-program: the technician's own badge ---------------------------------------------------

@bp.get("/api/v1/technician/badge")
@technician_required
@api_doc("我的电子工牌 (the signed-in technician's badge and its images)", tags=["badges"],
         responses={200: BadgeOut}, errors=(401, 403), auth="user_token")
def own_badge():
    badge = service.get_or_create_badge(g.technician)
    db.session.commit()
    return BadgeOut().dump(service.badge_summary(badge))
