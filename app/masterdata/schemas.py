"""Shapes of the master-data answers, and of technician suspensions (待岗培训)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.pagination import PageMeta, PageQuery


class RejectedRowOut(Schema):
    row = fields.Integer(required=True, metadata={
        "description": "CSV: spreadsheet row (header = 1); JSON: 1-based array position"})
    error = fields.String(required=True)


class ImportResultOut(Schema):
    kind = fields.String(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedRowOut), required=True, metadata={
        "description": "bad rows, in row order; at most 1000 listed (see rejected_count)"})
    rejected_count = fields.Integer(required=True)
    rejected_truncated = fields.Boolean(required=True)
    rows_seen = fields.Integer(required=True)
    import_id = fields.Integer(required=True, metadata={
        "description": "this import in the history: GET /imports/history/{id}/rejects.csv"})
    dry_run = fields.Boolean(required=True, metadata={
        "description": "true: nothing was written; the counts say what the file would do"})


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "check the file and count what would change, write nothing"})
    filename = fields.String(load_default="", validate=validate.Length(max=255), metadata={
        "description": "the file's name, kept in the import history"})


class TemplateQuery(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


class ImportRunOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    filename = fields.String(required=True)
    actor = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(["console", "api", "cli"]))
    dry_run = fields.Boolean(required=True)
    started_at = fields.DateTime(required=True)
    rows_seen = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected_count = fields.Integer(required=True)


class ImportRunQuery(PageQuery):
    kind = fields.String()


class ImportRunListOut(PageMeta):
    items = fields.List(fields.Nested(ImportRunOut), required=True)


class SuspensionOut(Schema):
    id = fields.Integer(required=True)
    employee_no = fields.Function(lambda s: s.technician.employee_no, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, metadata={"description": "last day, included"})
    planned_ends_on = fields.Date(required=True)
    days = fields.Integer(required=True)
    reason = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    lifted_at = fields.DateTime(allow_none=True)
    changed_by = fields.String(allow_none=True)
    changed_at = fields.DateTime(allow_none=True)
    change_note = fields.String(allow_none=True)


class SuspensionListOut(Schema):
    status = fields.String(required=True, metadata={"description": "the technician's status today"})
    items = fields.List(fields.Nested(SuspensionOut), required=True)


class SuspensionLiftIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class SuspensionShortenIn(SuspensionLiftIn):
    ends_on = fields.Date(required=True, metadata={"description": "the new last day (included)"})
