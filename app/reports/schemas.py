"""Shapes of report requests and answers. Money is a yuan string ("12.50") plus integer fen."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validators import FORMATS, MONTH, QUARTER  # noqa: F401  (MONTH and FORMATS: also for ranking_schemas, own_views)


class _Who(Schema):
    team = fields.String(load_default=None, validate=validate.Length(max=64))
    area = fields.String(load_default=None, validate=validate.Length(max=64))
    vendor = fields.String(load_default=None, validate=validate.Length(max=64))


class MonthlyQuery(_Who):
    month = fields.String(required=True, validate=MONTH)
    format = fields.String(load_default="json", validate=FORMATS)
    live = fields.Boolean(load_default=False, metadata={
        "description": "true: compute from current data even if the month is closed"})


class QuarterlyQuery(_Who):
    quarter = fields.String(required=True, validate=QUARTER)
    format = fields.String(load_default="json", validate=FORMATS)


class LedgerQuery(Schema):
    month = fields.String(required=True, validate=MONTH)
    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    format = fields.String(load_default="json", validate=FORMATS)
    live = fields.Boolean(load_default=False)


class OwnMonthQuery(Schema):
    month = fields.String(required=True, validate=MONTH)


class VersionsQuery(Schema):
    month = fields.String(required=True, validate=MONTH)


EXPECTED = {"description": "the latest version number you saw (0: never closed); if the month "
                           "has moved on since, the call is refused with 409 month_state_changed"}


class CloseIn(Schema):
    month = fields.String(required=True, validate=MONTH)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=0),
                                      metadata=EXPECTED)


class ReopenIn(Schema):
    month = fields.String(required=True, validate=MONTH)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    expected_version = fields.Integer(load_default=None, validate=validate.Range(min=1),
                                      metadata=EXPECTED)


class _Figures(Schema):
    orders_completed = fields.Integer(required=True)
    wechat_ratings = fields.Integer(required=True)
    participation_rate = fields.Float(required=True, allow_none=True,
                                      metadata={"description": "null when no completed orders"})
    stars = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    avg_stars = fields.Float(required=True, allow_none=True)
    wechat_satisfied = fields.Integer(required=True)
    satisfaction_rate = fields.Float(required=True, allow_none=True,
                                     metadata={"description": "null when no WeChat ratings"})
    ratings_with_presence = fields.Integer(required=True, metadata={
        "description": "WeChat ratings given in front of the technician (在场扫码)"})
    presence_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "ratings_with_presence / wechat_ratings; null when no WeChat ratings"})
    install_pay = fields.String(required=True, metadata={"description": "yuan, 2 decimals"})
    install_pay_fen = fields.Integer(required=True)
    frauds_confirmed = fields.Integer(required=True)


class MonthlyItemOut(_Figures):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    vendor = fields.String(required=True)
    star_eligible = fields.Boolean(required=True)


class TotalsOut(_Figures):
    technicians = fields.Integer(required=True)
    star_ineligible = fields.Integer(required=True)


class TeamOut(TotalsOut):
    area = fields.String(required=True)
    team = fields.String()


class _ReportHead(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed", "reopened"]))
    source = fields.String(required=True, validate=validate.OneOf(["live", "snapshot"]))
    version = fields.Integer(allow_none=True, required=True)
    tariff_version = fields.String(required=True)


class MonthlyReportOut(_ReportHead):
    month = fields.String(required=True)
    closed_at = fields.String(allow_none=True)
    latest_version = fields.Integer(allow_none=True)
    filters = fields.Dict()
    items = fields.List(fields.Nested(MonthlyItemOut), required=True)
    teams = fields.List(fields.Nested(TeamOut), required=True)
    areas = fields.List(fields.Nested(TeamOut), required=True)
    totals = fields.Nested(TotalsOut, required=True)


class QuarterlyItemOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    vendor = fields.String(required=True)
    score = fields.Float(allow_none=True, required=True)
    stars_total = fields.Integer(required=True)
    orders = fields.Integer(required=True, metadata={"description": "star-rated completed orders"})
    rank = fields.Integer(allow_none=True, required=True)
    grade = fields.Integer(allow_none=True, required=True)
    monthly_bonus = fields.String(required=True)
    monthly_bonus_fen = fields.Integer(required=True)
    excluded = fields.String(allow_none=True, required=True, validate=validate.OneOf(
        ["confirmed_fraud", "justified_complaint", "no_star_rated_orders"]))


class QuarterlyReportOut(Schema):
    quarter = fields.String(required=True)
    tariff_version = fields.String(required=True)
    ranked = fields.Integer(required=True)
    boundaries = fields.List(fields.Integer(), required=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(QuarterlyItemOut), required=True)


class LedgerLineOut(Schema):
    component = fields.String(required=True, validate=validate.OneOf(
        ["install", "maintenance", "commission", "quarterly_bonus", "overdue", "urge",
         "false_closure", "fraud", "complaint", "other"]), metadata={
        "description": "install: one per completed order (its star and source); maintenance, "
                       "overdue, urge, false_closure: of an order; the rest belong to no order"})
    component_label = fields.String(required=True)
    order_no = fields.String(allow_none=True)
    order_type = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    area = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    stars = fields.Integer(allow_none=True)
    source = fields.String(allow_none=True)
    rating_id = fields.Integer(allow_none=True)
    pay_rule = fields.String(required=True)
    pay_rule_label = fields.String(required=True)
    priced_star = fields.Integer(allow_none=True)
    unit_price = fields.String(allow_none=True)
    unit_price_fen = fields.Integer(allow_none=True)
    coefficient = fields.String(allow_none=True)
    quantity = fields.Integer(allow_none=True, metadata={"description": "days overdue, urges"})
    score = fields.String(allow_none=True, metadata={"description": "assessment score applied"})
    detail = fields.Dict(allow_none=True)
    amount = fields.String(required=True, metadata={"description": "yuan, signed: penalties < 0"})
    amount_fen = fields.Integer(required=True)


PENALTY_KINDS = ("overdue", "urge", "false_closure", "fraud", "complaint", "other")
PenaltiesOut = Schema.from_dict({kind: fields.String(required=True) for kind in PENALTY_KINDS},
                                name="PenaltiesOut")
PenaltiesFenOut = Schema.from_dict({kind: fields.Integer(required=True) for kind in PENALTY_KINDS},
                                   name="PenaltiesFenOut")


class AssessmentItemOut(Schema):
    item = fields.String(required=True)
    label = fields.String(required=True)
    source = fields.String(required=True, validate=validate.OneOf(["computed", "imported"]))
    points = fields.Float(required=True)
    basis = fields.Dict(metadata={"description": "computed items: the counts and the rate"})
    note = fields.String()


class AssessmentOut(Schema):
    base = fields.Float(required=True)
    items = fields.List(fields.Nested(AssessmentItemOut), required=True)
    raw = fields.Float(required=True, metadata={"description": "base + Σ points, before 0..120"})
    score = fields.Float(required=True)


class _PayMoney(Schema):
    install_pay = fields.String(required=True, metadata={"description": "yuan, 2 decimals"})
    maintenance_pay = fields.String(required=True)
    commissions = fields.String(required=True)
    quarterly_bonus = fields.String(required=True)
    penalties = fields.Nested(PenaltiesOut, required=True)
    penalties_total = fields.String(required=True)
    total_pay = fields.String(required=True, metadata={"description": "may be negative"})
    install_pay_fen = fields.Integer(required=True)
    maintenance_pay_fen = fields.Integer(required=True)
    commissions_fen = fields.Integer(required=True)
    quarterly_bonus_fen = fields.Integer(required=True)
    penalties_fen = fields.Nested(PenaltiesFenOut, required=True)
    penalties_total_fen = fields.Integer(required=True)
    total_pay_fen = fields.Integer(required=True)
    orders_completed = fields.Integer(required=True)


class PayItemOut(_PayMoney):
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    vendor = fields.String(required=True)
    repair_orders = fields.Integer(required=True)
    assessment_score = fields.Float(required=True, metadata={"description": "0..120"})
    assessment = fields.Nested(AssessmentOut, required=True)
    quarterly_grade = fields.Integer(allow_none=True, required=True,
                                     metadata={"description": "grade of bonus_quarter"})
    bonus_quarter = fields.String(required=True)
    star_eligible = fields.Boolean(required=True)
    fraud_sanctioned = fields.Boolean(required=True)
    justified_complaint = fields.Boolean(required=True)


class PayTotalsOut(_PayMoney):
    technicians = fields.Integer(required=True)
    average_score = fields.Float(allow_none=True, required=True)


class PayGroupOut(PayTotalsOut):
    area = fields.String()
    team = fields.String()
    vendor = fields.String()


class PaySheetOut(_ReportHead):
    month = fields.String(required=True)
    closed_at = fields.String(allow_none=True)
    latest_version = fields.Integer(allow_none=True)
    filters = fields.Dict()
    items = fields.List(fields.Nested(PayItemOut), required=True)
    teams = fields.List(fields.Nested(PayGroupOut), required=True)
    areas = fields.List(fields.Nested(PayGroupOut), required=True)
    vendors = fields.List(fields.Nested(PayGroupOut), required=True)
    totals = fields.Nested(PayTotalsOut, required=True)


class LedgerOut(_ReportHead):
    month = fields.String(required=True)
    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    team = fields.String(required=True)
    area = fields.String(required=True)
    star_eligible = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(LedgerLineOut), required=True)
    components = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                             metadata={"description": "signed yuan per component"})
    components_fen = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    total = fields.String(required=True, metadata={"description": "= the sheet's total_pay"})
    total_fen = fields.Integer(required=True)
    summary = fields.Nested(MonthlyItemOut, allow_none=True,
                            metadata={"description": "the monthly report's line"})
    pay = fields.Nested(PayItemOut, allow_none=True,
                        metadata={"description": "the pay sheet's line (null: not on the sheet)"})


class GradeOut(Schema):
    quarter = fields.String(required=True)
    provisional = fields.Boolean(required=True)
    ranked = fields.Integer(required=True)
    score = fields.Float(allow_none=True)
    orders = fields.Integer()
    rank = fields.Integer(allow_none=True)
    grade = fields.Integer(allow_none=True)
    monthly_bonus = fields.String()
    excluded = fields.String(allow_none=True)


class OwnRankOut(Schema):
    published = fields.Boolean(required=True, metadata={
        "description": "false until the month is closed: the ranking is published with the close"})
    ranked = fields.Integer(allow_none=True, required=True,
                            metadata={"description": "technicians ranked"})
    stars = fields.Integer(required=True, metadata={"description": "how many are stars"})
    bottom_size = fields.Integer(required=True)
    rank = fields.Integer(allow_none=True, required=True,
                          metadata={"description": "null: no completed order, not ranked"})
    assessment_score = fields.Float(allow_none=True)
    star = fields.Boolean(allow_none=True)
    bottom = fields.Boolean(allow_none=True)
    veto = fields.String(allow_none=True)
    consecutive_bottom_months = fields.Integer(allow_none=True)
    recommendation = fields.String(allow_none=True)


class OwnMonthOut(LedgerOut):
    grade = fields.Nested(GradeOut, required=True)
    rank = fields.Nested(OwnRankOut, required=True)


class VersionOut(Schema):
    month = fields.String(required=True)
    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    tariff_version = fields.String(required=True)
    totals = fields.Dict(required=True)
    changes = fields.Dict(allow_none=True, metadata={
        "description": "vs the previous version: changed (per technician, field: old/new), "
                       "added, removed, tariff_changed"})
    note = fields.String()
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    reopened_by = fields.String(allow_none=True)
    reopened_at = fields.DateTime(allow_none=True)
    reopen_reason = fields.String(allow_none=True)
    in_force = fields.Boolean()
    bulletins_queued = fields.Integer(allow_none=True, metadata={
        "description": "close/recompute answers: monthly bulletins queued for sending"})


class VersionListOut(Schema):
    items = fields.List(fields.Nested(VersionOut), required=True)


class TariffOut(Schema):
    version = fields.String(required=True)
    document = fields.Dict(required=True)
