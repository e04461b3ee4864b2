"""Shapes of the badge calls."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class BadgeOut(Schema):
    """A badge and where its images are; `badge_token` is in the QR and is the mini-program scene."""

    employee_no = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["active", "revoked"]})
    badge_token = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "the H5 page the plain QR opens"})
    qr_png_url = fields.String(required=True)
    qr_svg_url = fields.String(required=True)
    card_png_url = fields.String(required=True)
    wxacode_url = fields.String(required=True, metadata={
        "description": "mini-program code; 404 wxacode_not_available until fetched from WeChat"})
    show_url = fields.String(required=True, metadata={
        "description": "H5 page the technician opens full-screen to show the badge"})
    rotated_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    suspended_until = fields.Date(allow_none=True, metadata={
        "description": "last day of the technician's 待岗培训 covering today: until then the "
                       "badge answers 410 and the card is stamped 暂停服务评价"})


class BadgeRevokeIn(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=200))


class SheetQuery(Schema):
    team = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    area = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if not data.get("team") and not data.get("area"):
            raise ValidationError("give team or area (班组或区域)", field_name="team")


class PublicTechnicianOut(Schema):
    """What a customer holding the badge may see of the technician: never the phone."""

    name = fields.String(required=True)
    employee_no = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    grade = fields.Integer(allow_none=True, required=True, metadata={
        "description": "current quarterly grade 1–5, null when none"})
    photo_url = fields.String(allow_none=True, required=True, metadata={
        "description": "the technician's photo (JPEG); null when none — show the initials"})


class PhotoOut(Schema):
    """A technician's photo as stored: re-encoded JPEG, square, without EXIF."""

    employee_no = fields.String(required=True)
    photo_url = fields.String(required=True, metadata={
        "description": "public address of the photo; it changes whenever the photo does"})
    etag = fields.String(required=True)
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)


class LiveBadgeOut(Schema):
    """A live badge token (在场扫码). Show its QR (`qr_png_url`, or draw `url` yourself) and fetch
    the next one after `expires_in` seconds; it keeps working `valid_for` seconds in all, one step
    longer than it is shown, so a phone that loses its network stays usable for one step."""

    token = fields.String(required=True, metadata={
        "description": "32 characters (base32): also fits a mini-program code's scene"})
    expires_in = fields.Integer(required=True, metadata={
        "description": "seconds until the next token: refresh then"})
    valid_for = fields.Integer(required=True, metadata={
        "description": "seconds this token is still accepted (expires_in + one step)"})
    step_seconds = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "the H5 page the live QR opens"})
    qr_png_url = fields.String(required=True)
    qr_svg_url = fields.String(required=True)


class LivePageOut(LiveBadgeOut):
    """What the technician's live H5 page fetches: the same, with the QR inline."""

    qr_data_url = fields.String(required=True, metadata={"description": "data: URL of the QR SVG"})
