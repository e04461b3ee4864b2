"""Shapes of fraud-review requests and answers (names prefixed: apispec keys schemas by name)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fraud.detectors import DETECTOR_IDS
from app.fraud.rules import OUTCOMES
from app.masking import mask_phone
from app.pagination import PageMeta, PageQuery
from app.validators import MONTH


class FraudScanIn(Schema):
    month = fields.String(required=True, validate=MONTH)


class FraudScanOut(Schema):
    month = fields.String(required=True)
    ratings_scanned = fields.Integer(required=True)
    flags_created = fields.Integer(required=True)
    flags_updated = fields.Integer(required=True)
    flags_removed = fields.Integer(required=True)
    flags_total = fields.Integer(required=True)
    seconds = fields.Float(required=True)


class FraudReasonOut(Schema):
    detector = fields.String(required=True)
    score = fields.Float(required=True)
    weight = fields.Float()
    detail = fields.String(required=True, metadata={"description": "中文说明"})
    detail_en = fields.String(required=True)
    evidence = fields.Dict(required=True)


class FraudFlagOut(Schema):
    id = fields.Integer(required=True)
    rating_id = fields.Integer(required=True)
    order_no = fields.Function(lambda f: f.order.order_no, required=True)
    employee_no = fields.Function(lambda f: f.technician.employee_no, required=True)
    technician_name = fields.Function(lambda f: f.technician.name)
    team = fields.Function(lambda f: f.technician.team)
    area = fields.Function(lambda f: f.technician.area)
    month = fields.String(allow_none=True)
    score = fields.Float(required=True)
    detectors = fields.List(fields.String(), attribute="detector_ids")
    reasons = fields.List(fields.Nested(FraudReasonOut), required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True)
    offence_id = fields.Integer(allow_none=True)


class FraudFlagListOut(PageMeta):
    items = fields.List(fields.Nested(FraudFlagOut), required=True)


class FlagFilters(Schema):
    status = fields.String(validate=validate.OneOf(["open", "confirmed", "dismissed"]))
    area = fields.String()
    team = fields.String()
    employee_no = fields.String()
    detector = fields.String(validate=validate.OneOf(DETECTOR_IDS))
    month = fields.String(validate=MONTH)
    min_score = fields.Float(validate=validate.Range(0, 1))


class FraudFlagQuery(PageQuery, FlagFilters):
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class FraudFlagExportQuery(FlagFilters):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


class FraudDecisionOut(Schema):
    decision = fields.String(required=True)
    note = fields.String(required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.DateTime(required=True)


class FlagOffenceOut(Schema):
    """The finding a confirmed flag counts in (one per technician-month)."""

    id = fields.Integer(required=True)
    month = fields.String(required=True)
    offence_no = fields.Integer(required=True)
    fine = fields.Integer(required=True)
    suspension = fields.Boolean(required=True)
    rating_ids = fields.List(fields.Integer(), required=True)
    created_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)


class FraudAppealOut(Schema):
    id = fields.Integer(required=True)
    flag_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    filed_by = fields.String(required=True)
    filed_at = fields.DateTime(required=True)
    status = fields.String(required=True)
    resolved_by = fields.String(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)


class FlagRatingOut(Schema):
    id = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    tags = fields.List(fields.String(), required=True)
    comment = fields.String(required=True)
    channel = fields.String(required=True)
    openid = fields.String(allow_none=True)
    user_id = fields.Integer(required=True)
    client_ip = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    valid = fields.Boolean(attribute="is_valid", required=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)


class FlagOrderOut(Schema):
    order_no = fields.String(required=True)
    account_no = fields.Function(lambda o: o.account.account_no, required=True)
    account_phone = fields.Function(lambda o: mask_phone(o.account.phone))
    order_type = fields.String(required=True)
    product = fields.String(required=True)
    area = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True)


class FlagTechnicianOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.Function(lambda t: mask_phone(t.phone))
    team = fields.String(required=True)
    area = fields.String(required=True)
    vendor = fields.String(required=True)
    status = fields.String(required=True)


class FraudFlagDetailOut(FraudFlagOut):
    rating = fields.Nested(FlagRatingOut, required=True)
    order = fields.Nested(FlagOrderOut, required=True)
    technician = fields.Nested(FlagTechnicianOut, required=True)
    decisions = fields.List(fields.Nested(FraudDecisionOut), required=True)
    offence = fields.Nested(FlagOffenceOut, allow_none=True, required=True)
    appeals = fields.List(fields.Nested(FraudAppealOut), required=True)


class FraudAppealIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    filed_by = fields.String(validate=validate.Length(min=1, max=100),
                             metadata={"description": "the technician or who filed on their behalf"})


class FraudAppealResolutionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["upheld", "rejected"]))
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class FraudSampleIn(Schema):
    month = fields.String(required=True, validate=MONTH)
    per_band = fields.Integer(load_default=20, validate=validate.Range(0, 500))
    unflagged = fields.Integer(load_default=30, validate=validate.Range(0, 2000))
    seed = fields.Integer(validate=validate.Range(0, 2**31 - 1))


class FraudSampleItemOut(Schema):
    id = fields.Integer(required=True)
    rating_id = fields.Integer(required=True)
    stratum = fields.String(required=True)
    score = fields.Float(allow_none=True)
    detectors = fields.List(fields.String(), required=True)
    order_no = fields.String(required=True)
    account_no = fields.String(required=True)
    holder_name = fields.String(required=True)
    phone = fields.String(required=True, metadata={"description": "to place the call"})
    employee_no = fields.String(required=True)
    stars = fields.Integer(required=True)
    rated_at = fields.DateTime(required=True)
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    called_by = fields.String(allow_none=True)
    called_at = fields.DateTime(allow_none=True)


class FraudSampleOut(Schema):
    id = fields.Integer(required=True)
    month = fields.String(required=True)
    seed = fields.Integer(required=True)
    populations = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    items = fields.List(fields.Nested(FraudSampleItemOut), required=True)
    estimates = fields.Dict(required=True, metadata={
        "description": "precision/recall per detector and overall, weighted by stratum"})


class FraudOutcomeIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
