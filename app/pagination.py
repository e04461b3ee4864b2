"""Paged lists: the query parameters and the envelope every list answer shares."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


# Far beyond any real list, and small enough that page × per_page fits every integer type the
# databases bind (an unbounded page number once overflowed into a 500).
MAX_PAGE = 100_000


def page_number(raw: str | None) -> int:
    """A page number from a query string (console pages): bad or out-of-range values mean 1 or
    the last allowed page, never an error."""
    try:
        return min(max(1, int(raw or 1)), MAX_PAGE)
    except ValueError:
        return 1


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
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
