"""Shapes of the master-data answers."""
from __future__ import annotations

from marshmallow import Schema, fields


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
