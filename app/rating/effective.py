"""The effective star of many orders at once, in SQL (SPEC "Rules", flow 4).

`app.rating.rules.effective_star` is the rule for one order in Python; this module states the same
rule as one set-based query so reports over a million orders never load orders into Python. The
CASE expressions are built from the tables in `rules` (CALLBACK_STARS, CHANNEL_RANK, DEFAULT_STAR),
so the two can only disagree if the query's shape is wrong — tests/reports check they agree on
randomized data.
"""
from __future__ import annotations

from sqlalchemy import Subquery, and_, case, literal, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import aliased

from app.masterdata.models import CallbackResult, WorkOrder
from app.rating import rules
from app.rating.models import Rating


def _ranking(callback):
    # Manual before IVR, then the latest; the result only makes the pick deterministic (two calls
    # of one channel at the same instant cannot be stored).
    rank = case(rules.CHANNEL_RANK, value=callback.channel, else_=0)
    return (rank.desc(), callback.called_at.desc(), callback.result.desc())


def _deciding_by_distinct_on(order_ids):
    """PostgreSQL: one sort of the period's callbacks, first row per order (DISTINCT ON)."""
    picked = (select(CallbackResult.order_id, CallbackResult.channel, CallbackResult.result)
              .where(CallbackResult.order_id.in_(order_ids))
              .order_by(CallbackResult.order_id, *_ranking(CallbackResult))
              .ext(distinct_on(CallbackResult.order_id))
              .subquery("deciding_callbacks"))
    return picked


def _deciding_by_lookup():
    """Other databases (SQLite): per order, the deciding callback's id through the order_id index.
    SQLite cannot join into a window-function subquery without scanning it for every order."""
    candidate = aliased(CallbackResult, name="candidate")
    pick = (select(candidate.id).where(candidate.order_id == WorkOrder.id)
            .order_by(*_ranking(candidate)).limit(1).correlate(WorkOrder).scalar_subquery())
    chosen = aliased(CallbackResult, name="deciding_callback")
    return chosen, pick


def effective_orders(*conditions, dialect: str = "sqlite") -> Subquery:
    """Completed orders matching `conditions` (on WorkOrder columns) with their effective star.

    Columns: order_id, order_no, technician_id, order_type, product, area, completed_at,
    stars, source (wechat|ivr|manual|default), rating_id (the valid rating, else NULL).
    `dialect` picks how the deciding callback is found — the rule is the same, the fastest plan
    differs (bench/report_monthly.py).
    """
    where = (WorkOrder.status == "completed", *conditions)
    rating = aliased(Rating, name="valid_rating")
    if dialect == "postgresql":
        callback = _deciding_by_distinct_on(select(WorkOrder.id).where(*where))
        callback_on = callback.c.order_id == WorkOrder.id
        found, channel, result = callback.c.order_id, callback.c.channel, callback.c.result
    else:
        callback, pick = _deciding_by_lookup()
        callback_on = callback.id == pick
        found, channel, result = callback.id, callback.channel, callback.result
    callback_stars = case(rules.CALLBACK_STARS, value=result, else_=rules.DEFAULT_STAR)
    stars = case((rating.id.is_not(None), rating.stars),
                 (found.is_not(None), callback_stars),
                 else_=literal(rules.DEFAULT_STAR))
    source = case((rating.id.is_not(None), literal("wechat")),
                  (found.is_not(None), channel),
                  else_=literal("default"))
    return (
        select(WorkOrder.id.label("order_id"), WorkOrder.order_no, WorkOrder.technician_id,
               WorkOrder.order_type, WorkOrder.product, WorkOrder.area, WorkOrder.completed_at,
               stars.label("stars"), source.label("source"), rating.id.label("rating_id"))
        .outerjoin(rating, and_(rating.order_id == WorkOrder.id, rating.voided_at.is_(None)))
        .outerjoin(callback, callback_on)
        .where(*where)
        .subquery("effective"))
