"""What a month's scan reads for each rating: whole for the raters a detector looks closer at,
slim for the rest (no address, WeChat ids or lone client addresses), the same verdicts."""
from dataclasses import fields
from datetime import timedelta

from app.fraud.detectors import RatingFacts
from app.fraud.service.facts import FACT_FIELDS, month_context
from app.timeutil import month_bounds
from tests import factories
from tests.fraud.conftest import rating


def _context(month: str):
    start, end = month_bounds(month, "Asia/Shanghai")
    ctx = month_context(start, end, label=month, tz_name="Asia/Shanghai")
    return {r.rating_id: r for r in ctx.ratings}, ctx


def test_facts_are_built_in_the_order_of_their_fields():
    # month_context builds RatingFacts positionally from the query's columns.
    assert FACT_FIELDS == tuple(f.name for f in fields(RatingFacts))


def test_a_rater_of_several_accounts_is_read_whole_a_lone_rater_slim(ring):
    facts, ctx = _context(ring["month"])
    multi = facts[ring["ratings"][0].id]
    assert multi.account_address and multi.openid == f"o{ring['ratings'][0].user_id}"
    honest = facts[ring["honest"].id]
    assert honest.account_address == "" and honest.openid is None
    # One rater per address and no sightings: no detector reads the address.
    assert honest.client_ip is None and multi.client_ip is None and ctx.ip_users == {}


def test_an_address_two_raters_used_and_the_technicians_own_phone_are_kept(ring):
    tech = ring["technician"]
    own_phone = factories.account(phone=tech.phone)
    order = factories.order(technician=tech, account=own_phone,
                            completed_at=ring["honest_order"].completed_at + timedelta(hours=1))
    neighbour = rating(order, factories.user(), client_ip="10.99.1.1")
    facts, ctx = _context(ring["month"])
    assert ctx.ip_users == {"10.99.1.1": 2}
    assert facts[neighbour.id].client_ip == facts[ring["honest"].id].client_ip == "10.99.1.1"
    assert facts[neighbour.id].account_phone == tech.phone
    assert facts[ring["honest"].id].account_phone == ""
