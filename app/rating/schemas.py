"""Shapes of rating requests and answers."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.badge.schemas import PublicTechnicianOut
from app.pagination import PageMeta, PageQuery
from app.rating.rules import COMMENT_MAX, clean_comment
from app.validators import FORMATS, MONTH


PRESENCE_TEXT = ("在场扫码: the rater had scanned the technician's live badge within "
                 "PRESENCE_HOURS before rating (evidence only; never required)")


class CommentField(fields.String):
    """A comment as written (emoji included), minus control characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_comment(super()._deserialize(value, attr, data, **kwargs))


class RatingIn(Schema):
    order_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    tags = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                       validate=validate.Length(max=12))
    comment = CommentField(load_default="", validate=validate.Length(max=COMMENT_MAX))


class RatingOut(Schema):
    id = fields.Integer(required=True)
    order_no = fields.String(required=True)
    stars = fields.Integer(required=True)
    tags = fields.List(fields.String(), required=True)
    comment = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class OwnRatingOut(RatingOut):
    """What a technician sees of a rating of their work: never who gave it."""

    order_type = fields.Function(lambda r: r.order.order_type, required=True)
    product = fields.Function(lambda r: r.order.product, required=True)
    valid = fields.Boolean(attribute="is_valid", required=True)
    presence = fields.Boolean(required=True, metadata={"description": PRESENCE_TEXT})


class TagOut(Schema):
    code = fields.String(required=True)
    label = fields.String(required=True)
    polarity = fields.String(required=True, validate=validate.OneOf(["positive", "negative"]))
    stars = fields.List(fields.Integer(), required=True)


class TagListOut(Schema):
    items = fields.List(fields.Nested(TagOut), required=True)


class OwnRatingListOut(PageMeta):
    items = fields.List(fields.Nested(OwnRatingOut), required=True)


class CallbackOut(Schema):
    channel = fields.String(required=True)
    result = fields.String(required=True)
    called_at = fields.DateTime(required=True)


class EffectiveOut(Schema):
    stars = fields.Integer(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["wechat", "ivr", "manual",
                                                                   "default"]))
    rating_id = fields.Integer(allow_none=True, required=True)


class FollowUpOut(Schema):
    """追评: text the rater added later; it never changes the stars."""

    comment = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class FollowUpIn(Schema):
    comment = CommentField(required=True, validate=validate.Length(min=1, max=COMMENT_MAX))


class AdminRatingOut(RatingOut):
    follow_up = fields.Nested(FollowUpOut, allow_none=True, required=True)
    channel = fields.String(required=True)
    presence = fields.Boolean(required=True, metadata={"description": PRESENCE_TEXT})
    valid = fields.Boolean(attribute="is_valid", required=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    client_ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)


class RecoveryTaskOut(Schema):
    id = fields.Integer(required=True)
    order_no = fields.Function(lambda t: t.order.order_no, required=True)
    employee_no = fields.Function(lambda t: t.order.technician.employee_no, required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    source = fields.String(required=True)
    stars = fields.Integer(allow_none=True)
    status = fields.String(required=True)
    due_at = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)
    claimed_by = fields.String(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    closed_by = fields.String(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class RecoveryTaskListOut(PageMeta):
    items = fields.List(fields.Nested(RecoveryTaskOut), required=True)


class RecoveryQuery(PageQuery):
    team = fields.String()
    area = fields.String()
    status = fields.String(validate=validate.OneOf(["open", "claimed", "closed"]))
    overdue = fields.Boolean(load_default=False)


class RecoveryCloseIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OrderOut(Schema):
    order_no = fields.String(required=True)
    account_no = fields.String(required=True)
    employee_no = fields.String(required=True)
    technician_name = fields.String(required=True)
    team = fields.String(required=True)
    order_type = fields.String(required=True)
    product = fields.String(required=True)
    area = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True, required=True)
    rating = fields.Nested(AdminRatingOut, allow_none=True, required=True)
    callbacks = fields.List(fields.Nested(CallbackOut), required=True)
    effective = fields.Nested(EffectiveOut, required=True)
    recovery_task = fields.Nested(RecoveryTaskOut, allow_none=True, required=True)


class SmsLinkOut(Schema):
    order_no = fields.String(required=True)
    url = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class MonthRatingsQuery(PageQuery):
    month = fields.String(required=True, validate=MONTH)
    employee_no = fields.String(load_default=None, validate=validate.Length(max=32))
    team = fields.String(load_default=None, validate=validate.Length(max=64))
    area = fields.String(load_default=None, validate=validate.Length(max=64))
    format = fields.String(load_default="json", validate=FORMATS,
                           metadata={"description": "csv or xlsx: every line as a file "
                                                    "(page and per_page ignored)"})


class RatingLineOut(Schema):
    rating_id = fields.Integer(required=True)
    order_no = fields.String(required=True)
    order_type = fields.String(required=True)
    product = fields.String(required=True)
    completed_at = fields.DateTime(required=True)
    employee_no = fields.String(required=True)
    technician_name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    stars = fields.Integer(required=True)
    tags = fields.List(fields.String(), required=True)
    comment = fields.String(required=True)
    channel = fields.String(required=True)
    presence = fields.Boolean(required=True, metadata={"description": PRESENCE_TEXT})
    created_at = fields.DateTime(required=True)
    valid = fields.Boolean(required=True)


class RatingLineListOut(PageMeta):
    items = fields.List(fields.Nested(RatingLineOut), required=True)


class RateableOrderOut(Schema):
    order_no = fields.String(required=True)
    order_type = fields.String(required=True)
    product = fields.String(required=True)
    completed_at = fields.DateTime(required=True)


class BadgeLandingOut(Schema):
    technician = fields.Nested(PublicTechnicianOut, required=True)
    needs_binding = fields.Boolean(required=True, metadata={
        "description": "the customer has no bound broadband account yet"})
    rateable_orders = fields.List(fields.Nested(RateableOrderOut), required=True, metadata={
        "description": "one page, newest first (?page=, ?per_page= up to 100, default 20)"})
    rateable_page = fields.Nested(PageMeta, required=True)

    presence = fields.Boolean(required=True, metadata={
        "description": "a live badge token was scanned: this customer's ratings of this "
                       "technician carry presence for PRESENCE_HOURS; false for a static badge"})
