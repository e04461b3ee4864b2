"""Shapes of the case-level review calls: cases, their decisions and previews, the consequences
of a decision, reversals, offences and suspensions (names prefixed: apispec keys by name)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fraud.detectors import DETECTOR_IDS
from app.fraud.schemas import MONTH, FraudReasonOut
from app.masterdata.schemas import SuspensionOut
from app.pagination import PageMeta, PageQuery

STATUSES = ["open", "confirmed", "dismissed"]
EXPECTED = fields.String(validate=validate.OneOf(STATUSES), metadata={
    "description": "the status the caller saw; a different one answers 409 decision_conflict "
                   "(default: open for a decision, confirmed for a reversal). An `If-Match` "
                   "header with the ETag of the GET pins the exact version instead."})


class FraudDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirmed", "dismissed"]))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    expected_status = EXPECTED


class FraudCaseDecisionIn(FraudDecisionIn):
    rating_ids = fields.List(fields.Integer(), load_default=None, allow_none=True, metadata={
        "description": "the ratings to confirm (ticked); the case's other undecided ratings are "
                       "dismissed. Omitted: all of them. Ignored when dismissing."})


class FraudReversalIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    expected_status = EXPECTED


class FraudCaseQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    area = fields.String()
    team = fields.String()
    employee_no = fields.String()
    detector = fields.String(validate=validate.OneOf(DETECTOR_IDS))
    month = fields.String(validate=MONTH)
    min_score = fields.Float(validate=validate.Range(0, 1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class CaseTechnicianOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "description": "today's status: suspended while a 待岗培训 period covers today"})
    suspended_until = fields.Date(allow_none=True)
    ratings = fields.Integer(required=True)
    offences = fields.List(fields.Dict(), required=True, metadata={
        "description": "live findings: month, offence_no, fine, suspension"})


class FraudCaseOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    score = fields.Float(required=True, metadata={"description": "the strongest flag's score"})
    flag_count = fields.Integer(required=True)
    month = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    note = fields.String(allow_none=True)


class FraudCaseListItemOut(FraudCaseOut):
    employee_nos = fields.List(fields.String(), required=True)
    detectors = fields.List(fields.String(), required=True)


class FraudCaseListOut(PageMeta):
    items = fields.List(fields.Nested(FraudCaseListItemOut), required=True)


class CaseRatingOut(Schema):
    flag_id = fields.Integer(required=True)
    rating_id = fields.Integer(required=True)
    status = fields.String(required=True)
    score = fields.Float(required=True)
    detectors = fields.List(fields.String(), required=True)
    month = fields.String(allow_none=True)
    order_no = fields.String(required=True)
    order_type = fields.String(required=True)
    product = fields.String(required=True)
    completed_at = fields.DateTime(allow_none=True)
    employee_no = fields.String(required=True)
    account_no = fields.String(required=True)
    holder_name = fields.String(required=True, metadata={"description": "masked"})
    phone = fields.String(required=True, metadata={"description": "masked"})
    stars = fields.Integer(required=True)
    tags = fields.List(fields.String(), required=True)
    comment = fields.String(required=True)
    channel = fields.String(required=True)
    rated_at = fields.DateTime(required=True)
    valid = fields.Boolean(required=True)
    presence = fields.Boolean(required=True, metadata={
        "description": "在场扫码: the rater had scanned the technician's live badge"})
    rater = fields.String(required=True, metadata={
        "description": "readable label: letter, masked phones of the accounts the WeChat user "
                       "bound, and the technician they proved to be"})
    rater_short = fields.String(required=True, metadata={"description": "e.g. 评价人A"})


class CaseRaterOut(Schema):
    label = fields.String(required=True)
    ratings = fields.Integer(required=True)
    accounts = fields.Integer(required=True)
    bound_phones = fields.Integer(required=True)
    is_technician = fields.Boolean(required=True)


class CaseAccountOut(Schema):
    account_no = fields.String(required=True)
    holder_name = fields.String(required=True)
    phone = fields.String(required=True)
    address = fields.String(required=True)
    ratings = fields.Integer(required=True)


class CaseReasonOut(FraudReasonOut):
    rating_ids = fields.List(fields.Integer(), required=True)


class CaseDecisionOut(Schema):
    decided_at = fields.DateTime(required=True)
    decided_by = fields.String(required=True)
    note = fields.String(required=True)
    case_level = fields.Boolean(required=True)
    confirmed = fields.List(fields.String(), required=True, metadata={"description": "order_no"})
    dismissed = fields.List(fields.String(), required=True)
    reversed = fields.List(fields.String(), required=True)


class CaseFileOut(Schema):
    score_explanation = fields.String(required=True)
    ratings = fields.List(fields.Nested(CaseRatingOut), required=True)
    accounts = fields.List(fields.Nested(CaseAccountOut), required=True)
    raters = fields.List(fields.Nested(CaseRaterOut), required=True)
    technicians = fields.List(fields.Nested(CaseTechnicianOut), required=True)
    reasons = fields.List(fields.Nested(CaseReasonOut), required=True)
    decisions = fields.List(fields.Nested(CaseDecisionOut), required=True)


class FraudCaseDetailOut(FraudCaseOut, CaseFileOut):
    """A case and its file."""


class OffenceChangeOut(Schema):
    month = fields.String(required=True)
    change = fields.String(required=True, validate=validate.OneOf(
        ["new", "extended", "renumbered", "reduced", "revoked"]))
    text = fields.String(required=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)


class PeriodOut(Schema):
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True)
    days = fields.Integer(required=True)


class PayChangeOut(Schema):
    month = fields.String(required=True)
    install_pay_before = fields.String(required=True)
    install_pay_after = fields.String(required=True)
    difference_fen = fields.Integer(required=True)
    total_pay_before = fields.String(required=True, metadata={
        "description": "the whole pay sheet's total_pay (应发合计), fines included"})
    total_pay_after = fields.String(required=True)
    total_difference_fen = fields.Integer(required=True)
    star_eligible_before = fields.Boolean(required=True)
    star_eligible_after = fields.Boolean(required=True)
    month_status = fields.String(required=True)
    text = fields.String(required=True)


class ConsequenceOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    lines = fields.List(fields.String(), required=True, metadata={
        "description": "e.g. 第 1 次违规：罚款 5,000 元，2026-10 取消定星"})
    offences = fields.List(fields.Nested(OffenceChangeOut), required=True)
    suspension = fields.Nested(PeriodOut, allow_none=True, required=True)
    suspensions_cancelled = fields.List(fields.Nested(PeriodOut), required=True)
    ratings_voided = fields.List(fields.Dict(), required=True)
    ratings_restored = fields.List(fields.Dict(), required=True)
    pay = fields.List(fields.Nested(PayChangeOut), required=True)


class FraudPreviewOut(Schema):
    dry_run = fields.Boolean(required=True)
    decision = fields.String(required=True)
    confirm_rating_ids = fields.List(fields.Integer(), required=True)
    dismiss_rating_ids = fields.List(fields.Integer(), required=True)
    reverse_rating_ids = fields.List(fields.Integer(), required=True)
    consequences = fields.List(fields.Nested(ConsequenceOut), required=True)


class FraudCaseDecisionOut(FraudCaseDetailOut):
    consequences = fields.List(fields.Nested(ConsequenceOut), required=True)


class OffenceOut(Schema):
    id = fields.Integer(required=True)
    employee_no = fields.Function(lambda o: o.technician.employee_no, required=True)
    month = fields.String(required=True)
    offence_no = fields.Integer(required=True)
    fine = fields.Integer(required=True, metadata={"description": "yuan"})
    suspension = fields.Boolean(required=True)
    suspension_period = fields.Nested(SuspensionOut, attribute="suspension_row", allow_none=True)
    rating_ids = fields.List(fields.Integer(), required=True, metadata={
        "description": "the confirmed fake ratings this finding rests on"})
    order_nos = fields.Function(lambda o: [f.order.order_no for f in o.flags], required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)


class OffenceQuery(Schema):
    employee_no = fields.String()
    month = fields.String(validate=MONTH)
    include_revoked = fields.Boolean(load_default=False)


class OffenceListOut(Schema):
    items = fields.List(fields.Nested(OffenceOut), required=True)
