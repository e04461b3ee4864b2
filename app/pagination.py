"""Paged lists: the query parameters and the envelope every list answer shares."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageMeta(Schema):
    """Subclasses add `items`."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def page_body(pagination) -> dict:
    """A Flask-SQLAlchemy pagination as the envelope PageMeta describes."""
    return {"items": pagination.items, "page": pagination.page, "per_page": pagination.per_page,
            "total": pagination.total, "pages": pagination.pages}
