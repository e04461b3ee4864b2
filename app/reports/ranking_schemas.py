"""Shapes of the ranking, star-list and bulletin requests and answers."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.reports.schemas import FORMATS, MONTH, _ReportHead


class RankingQuery(Schema):
    month = fields.String(required=True, validate=MONTH)
    format = fields.String(load_default="json", validate=FORMATS)
    live = fields.Boolean(load_default=False)


class StarsQuery(Schema):
    period = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}(Q[1-4])?$", error="period must look like 2026Q4 (a quarter) or 2026 (a year)"))


class RankingItemOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String()
    team = fields.String()
    area = fields.String()
    vendor = fields.String()
    rank = fields.Integer(required=True)
    assessment_score = fields.Float(required=True)
    orders_completed = fields.Integer(required=True)
    star = fields.Boolean(required=True, metadata={"description": "月度服务明星 after the veto"})
    bottom = fields.Boolean(required=True)
    veto = fields.String(allow_none=True, required=True, validate=validate.OneOf(
        ["fraud", "justified_complaint"]), metadata={"description": "一票否决: why not a star"})
    consecutive_bottom_months = fields.Integer(required=True)
    recommendation = fields.String(allow_none=True, required=True,
                                   validate=validate.OneOf(["training", "removal"]),
                                   metadata={"description": "training 待岗培训, removal 清退"})
    ratings_with_presence = fields.Integer(required=True, metadata={
        "description": "the month's WeChat ratings given in presence (在场扫码)"})
    presence_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "share of the month's WeChat ratings given in presence; null without one"})


class TeamRankOut(Schema):
    rank = fields.Integer(required=True)
    area = fields.String(required=True)
    team = fields.String(required=True)
    technicians = fields.Integer(required=True)
    average_score = fields.Float(required=True)
    ratings_with_presence = fields.Integer(required=True, metadata={
        "description": "the month's WeChat ratings given in presence (在场扫码)"})
    presence_rate = fields.Float(required=True, allow_none=True, metadata={
        "description": "share of the month's WeChat ratings given in presence; null without one"})


class AreaComplaintsOut(Schema):
    area = fields.String(required=True)
    complaints = fields.Integer(required=True)
    accounts = fields.Integer(required=True)
    per_10k = fields.Float(allow_none=True, required=True,
                           metadata={"description": "万投比; null when the area has no accounts"})


class RankingOut(_ReportHead):
    month = fields.String(required=True)
    closed_at = fields.String(allow_none=True)
    latest_version = fields.Integer(allow_none=True)
    ranked = fields.Integer(required=True)
    rules = fields.Dict(required=True)
    items = fields.List(fields.Nested(RankingItemOut), required=True)
    stars = fields.List(fields.Nested(RankingItemOut), required=True)
    bottom = fields.List(fields.Nested(RankingItemOut), required=True)
    teams = fields.List(fields.Nested(TeamRankOut), required=True)
    areas = fields.List(fields.Nested(AreaComplaintsOut), required=True)


class PeriodStarOut(Schema):
    employee_no = fields.String(required=True)
    name = fields.String()
    team = fields.String()
    area = fields.String()
    rank = fields.Integer(required=True)
    cumulative_score = fields.Float(required=True)
    months_ranked = fields.Integer(required=True)
    orders_completed = fields.Integer(required=True)
    veto = fields.String(allow_none=True, required=True)
    star = fields.Boolean(required=True)


class PeriodStarsOut(Schema):
    period = fields.String(required=True)
    months = fields.List(fields.String(), required=True)
    tariff_version = fields.String(required=True)
    items = fields.List(fields.Nested(PeriodStarOut), required=True)
    stars = fields.List(fields.Nested(PeriodStarOut), required=True)


class BulletinOut(Schema):
    employee_no = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["pending", "sending", "sent", "failed", "no_recipient"]), metadata={
        "description": "sending: claimed by a sender that stopped before recording the outcome; "
                       "never resent automatically (it may have been delivered)"})
    attempts = fields.Integer(required=True)
    sent_at = fields.DateTime(allow_none=True)
    error = fields.String(allow_none=True)
    payload = fields.Dict(required=True, metadata={"description": "what the message announces"})


class BulletinListOut(Schema):
    month = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(BulletinOut), required=True)
