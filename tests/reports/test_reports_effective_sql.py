"""The set-based effective star (app/rating/effective.py) agrees with the one-order rule."""
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.masterdata.models import CallbackResult, WorkOrder
from app.rating import rules, service as rating_service
from app.rating.models import Rating
from tests import factories
from tests.reports.conftest import OCT_START, random_world, rating


def sql_effective(*conditions):
    eff = rating_service.effective_orders(*conditions)
    return {row.order_id: row for row in db.session.execute(select(eff))}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_sql_agrees_with_the_rule_on_random_orders(seed):
    random_world(seed, orders=220)
    ratings = {r.order_id: r for r in db.session.scalars(select(Rating))}
    callbacks = defaultdict(list)
    for c in db.session.scalars(select(CallbackResult)):
        callbacks[c.order_id].append(rules.Callback(c.channel, c.result, c.called_at))
    found = sql_effective()
    completed = [o for o in db.session.scalars(select(WorkOrder)) if o.status == "completed"]
    assert set(found) == {o.id for o in completed}
    multi = 0
    for order in completed:
        r = ratings.get(order.id)
        valid = r if r is not None and r.voided_at is None else None
        expected = rules.effective_star(valid.stars if valid else None, callbacks[order.id])
        row = found[order.id]
        assert (row.stars, row.source) == (expected.stars, expected.source), order.order_no
        assert row.rating_id == (valid.id if valid else None)
        multi += len(callbacks[order.id]) > 1
    assert multi > 5     # the data really exercised the "deciding callback" choice


def test_manual_outranks_later_ivr_and_latest_wins_within_channel():
    order = factories.order(completed_at=OCT_START + timedelta(days=1))
    t = order.completed_at
    factories.callback(order, channel="manual", result="satisfied", called_at=t + timedelta(hours=1))
    factories.callback(order, channel="manual", result="dissatisfied",
                       called_at=t + timedelta(hours=2))
    factories.callback(order, channel="ivr", result="satisfied", called_at=t + timedelta(hours=9))
    row = sql_effective(WorkOrder.id == order.id)[order.id]
    assert (row.stars, row.source) == (1, "manual")


def test_voided_rating_falls_back_and_valid_rating_wins():
    voided = factories.order(completed_at=OCT_START + timedelta(days=1))
    rating(voided, 5, voided=True)
    factories.callback(voided, channel="ivr", result="no_answer")
    valid = factories.order(completed_at=OCT_START + timedelta(days=1))
    rating(valid, 2)
    factories.callback(valid, channel="manual", result="satisfied")
    bare = factories.order(completed_at=OCT_START + timedelta(days=1))
    rows = sql_effective()
    assert (rows[voided.id].stars, rows[voided.id].source, rows[voided.id].rating_id) == \
        (3, "ivr", None)
    assert (rows[valid.id].stars, rows[valid.id].source) == (2, "wechat")
    assert (rows[bare.id].stars, rows[bare.id].source) == (3, "default")


def test_open_and_cancelled_orders_have_no_effective_star():
    open_order = factories.order(status="open", completed_at=None)
    cancelled = factories.order(status="cancelled", completed_at=OCT_START)
    assert not {open_order.id, cancelled.id} & set(sql_effective())
