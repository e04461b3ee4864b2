"""The effective star of many orders at once, in SQL (SPEC "Rules", flow 4).

`app.rating.rules.effective_star` is the rule for one order in Python; this module states the same
rule as one set-based query so reports over a million orders never load orders into Python. The
CASE expressions are built from the tables in `rules` (CALLBACK_STARS, CHANNEL_RANK, DEFAULT_STAR),
so the two can only disagree if the query's shape is wrong — tests/reports check they agree on
randomized data.
"""
from __future__ import annotations

from sqlalchemy import Subquery, and_, case, func, literal, select
from sqlalchemy.orm import aliased

from app.masterdata.models import CallbackResult, WorkOrder
from app.rating import rules
from app.rating.models import Rating


def _channel_rank():
    return case(rules.CHANNEL_RANK, value=CallbackResult.channel, else_=0)


def deciding_callbacks(order_ids) -> Subquery:
    """One row per order in `order_ids` (a select of work order ids) with its deciding callback:
    manual before IVR, then the latest, then (never reachable through the unique key) the result."""
    ranked = (
        select(CallbackResult.order_id, CallbackResult.channel, CallbackResult.result,
               func.row_number().over(
                   partition_by=CallbackResult.order_id,
                   order_by=(_channel_rank().desc(), CallbackResult.called_at.desc(),
                             CallbackResult.result.desc())).label("pick"))
        .where(CallbackResult.order_id.in_(order_ids))
        .subquery("ranked_callbacks"))
    return (select(ranked.c.order_id, ranked.c.channel, ranked.c.result)
            .where(ranked.c.pick == 1).subquery("deciding_callbacks"))


def effective_orders(*conditions) -> Subquery:
    """Completed orders matching `conditions` (on WorkOrder columns) with their effective star.

    Columns: order_id, order_no, technician_id, order_type, product, area, completed_at,
    stars, source (wechat|ivr|manual|default), rating_id (the valid rating, else NULL).
    """
    where = (WorkOrder.status == "completed", *conditions)
    rating = aliased(Rating, name="valid_rating")
    callback = deciding_callbacks(select(WorkOrder.id).where(*where))
    callback_stars = case(rules.CALLBACK_STARS, value=callback.c.result,
                          else_=rules.DEFAULT_STAR)
    stars = case((rating.id.is_not(None), rating.stars),
                 (callback.c.order_id.is_not(None), callback_stars),
                 else_=literal(rules.DEFAULT_STAR))
    source = case((rating.id.is_not(None), literal("wechat")),
                  (callback.c.order_id.is_not(None), callback.c.channel),
                  else_=literal("default"))
    return (
        select(WorkOrder.id.label("order_id"), WorkOrder.order_no, WorkOrder.technician_id,
               WorkOrder.order_type, WorkOrder.product, WorkOrder.area, WorkOrder.completed_at,
               stars.label("stars"), source.label("source"), rating.id.label("rating_id"))
        .outerjoin(rating, and_(rating.order_id == WorkOrder.id, rating.voided_at.is_(None)))
        .outerjoin(callback, callback.c.order_id == WorkOrder.id)
        .where(*where)
        .subquery("effective"))
