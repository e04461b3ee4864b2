"""Shapes of the task calls."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.tasks.models import STATUSES


class TaskIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 64),
                         metadata={"description": "a task of app/tasks/jobs.py, e.g. "
                                                  "fraud.scan_month, reports.close_month"})
    args = fields.Dict(keys=fields.String(validate=validate.Length(1, 40)), load_default=dict,
                       metadata={"description": "the task's keyword arguments"})
    key = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 160),
                        metadata={"description": "idempotency key: the same key runs once"})


class TaskOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    attempts = fields.Integer(required=True)
    max_attempts = fields.Integer(required=True)
    progress_done = fields.Integer(required=True)
    progress_total = fields.Integer(allow_none=True)
    progress_note = fields.String(required=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
