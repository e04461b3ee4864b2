"""Load what the detectors read with a handful of set-based queries (never one query per rating)."""
from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, case, func, null, select

from app.db import execute_core
from app.extensions import db
from app.fraud.detectors import CallbackFact, RatingFacts, Sighting, TechnicianLink, TechnicianStats
from app.fraud.detectors.accounts import MIN_ACCOUNTS
from app.fraud.detectors.outliers import FAST_MINUTES
from app.fraud.detectors.timing import AWAY
from app.fraud.detectors.run import ScanContext
from app.fraud.detectors.selection import CallbackCounts
from app.fraud.models import TechnicianSighting
from app.identity.models import TechnicianBinding, WeChatUser
from app.masterdata.models import BroadbandAccount, CallbackResult, Technician, WorkOrder
from app.rating.models import Rating
from app.rating.service import RECENT_RATINGS, SubmittedRating

# Ratings are given up to the rating window after completion; the address crowd count looks at
# the ratings around the month, not only those of its orders.
CROWD_MARGIN = timedelta(days=8)


def _fact_columns() -> tuple:
    """Each RatingFacts field and the column it is read from, named once (no positions)."""
    return (("rating_id", Rating.id), ("order_no", WorkOrder.order_no),
            ("account_no", BroadbandAccount.account_no), ("technician_id", WorkOrder.technician_id),
            ("employee_no", Technician.employee_no), ("user_id", Rating.user_id),
            ("stars", Rating.stars), ("rated_at", Rating.created_at),
            ("completed_at", WorkOrder.completed_at), ("team", Technician.team),
            ("area", Technician.area), ("account_phone", BroadbandAccount.phone),
            ("account_address", BroadbandAccount.address), ("technician_phone", Technician.phone),
            ("openid", Rating.openid), ("unionid", WeChatUser.unionid),
            ("comment", Rating.comment), ("client_ip", Rating.client_ip),
            ("user_agent", Rating.user_agent), ("presence", Rating.presence))


FACT_FIELDS = tuple(name for name, _column in _fact_columns())
# Values that repeat across a month's rows are kept once (sys.intern); text columns read "" for NULL.
_INTERNED = ("employee_no", "team", "area", "technician_phone", "user_agent")
_TEXT = ("account_phone", "account_address", "comment")


def _slim_columns() -> dict:
    """What a month's scan reads in place of the wide columns for most raters (a million
    addresses and openids are a quarter of the facts' memory): the account's phone only when it
    is the technician's own (all rater_is_technician asks of it), no address and no WeChat ids.
    Detectors read those only for the raters `_read_whole` names, whose facts are read again."""
    return {"account_phone": case((BroadbandAccount.phone == Technician.phone,
                                   BroadbandAccount.phone)),
            "account_address": null(), "openid": null(), "unionid": null()}


def _rating_columns(slim: bool = False):
    instead = _slim_columns() if slim else {}
    return tuple(instead.get(name, column).label(name) for name, column in _fact_columns())


def _facts_query(*conditions, slim: bool = False) -> Select:
    return (select(*_rating_columns(slim))
            .join(WorkOrder, WorkOrder.id == Rating.order_id)
            .join(BroadbandAccount, BroadbandAccount.id == WorkOrder.account_id)
            .join(Technician, Technician.id == WorkOrder.technician_id)
            .join(WeChatUser, WeChatUser.id == Rating.user_id)
            .where(*conditions).order_by(Rating.id))


def _shared(value: str | None) -> str:
    """One copy of values that repeat across a month's rows (technician fields, user agents)."""
    return sys.intern(value) if value else ""


_AT = {name: i for i, name in enumerate(FACT_FIELDS)}
_INTERNED_AT = tuple(_AT[name] for name in _INTERNED)
_TEXT_AT = tuple(_AT[name] for name in _TEXT)


def _values(row) -> list:
    values = list(row)
    for i in _INTERNED_AT:
        values[i] = _shared(values[i])
    for i in _TEXT_AT:
        values[i] = values[i] or ""
    values[_AT["user_agent"]] = values[_AT["user_agent"]] or None
    values[_AT["presence"]] = bool(values[_AT["presence"]])
    return values


def _to_facts(row) -> RatingFacts:
    return RatingFacts(*_values(row))


class _MonthReader:
    """A month's rows as facts: repeated comments ("很好") and technician ids kept once, client
    addresses only where a detector reads them. shared_device groups ratings by an address at
    least two raters used in the crowd window (`ip_users`), or compares them with the
    technician's own sightings; a rating outside that window keeps its address (the crowd count
    missed it)."""

    def __init__(self, *, ip_users: dict[str, int], sighted: set[int], start: datetime,
                 end: datetime):
        self.texts: dict[str, str] = {}
        self.technicians: dict[int, int] = {}
        self.addresses = {ip: ip for ip in ip_users}
        self.sighted = sighted
        self.since, self.until = start - CROWD_MARGIN, end + CROWD_MARGIN

    def facts(self, row) -> RatingFacts:
        values = _values(row)
        comment = values[_AT["comment"]]
        values[_AT["comment"]] = self.texts.setdefault(comment, comment)
        technician_id = values[_AT["technician_id"]]
        values[_AT["technician_id"]] = self.technicians.setdefault(technician_id, technician_id)
        ip = values[_AT["client_ip"]]
        if ip is not None:
            shared = self.addresses.get(ip)
            keep = shared is not None or technician_id in self.sighted \
                or not self.since <= values[_AT["rated_at"]] < self.until
            values[_AT["client_ip"]] = shared or (ip if keep else None)
        return RatingFacts(*values)


def _read_whole(ratings: list[RatingFacts], raters: set[int], reader: _MonthReader) -> None:
    """Read again, whole, the facts of `raters`' ratings, in place: those bound to a technician
    (rater_is_technician shows their openid) and those with MIN_ACCOUNTS ratings or more in the
    month (multi_account_rater weighs their accounts' addresses) — a few thousand of a month."""
    per_rater = Counter(r.user_id for r in ratings)
    raters = raters | {user_id for user_id, n in per_rater.items() if n >= MIN_ACCOUNTS}
    del per_rater
    at = {r.rating_id: i for i, r in enumerate(ratings) if r.user_id in raters}
    ids = sorted(at)
    connection = db.session.connection()
    for i in range(0, len(ids), 5000):
        for row in connection.execute(_facts_query(Rating.id.in_(ids[i:i + 5000]))):
            ratings[at[row[0]]] = reader.facts(row)


def month_rating_ids(start: datetime, end: datetime) -> Select:
    """Ratings of the orders completed in [start, end): the ratings a month's scan covers."""
    return (select(Rating.id).join(WorkOrder, WorkOrder.id == Rating.order_id)
            .where(WorkOrder.completed_at >= start, WorkOrder.completed_at < end))


def _rater_links(user_ids: Select | list[int]) -> dict[int, list[TechnicianLink]]:
    links: dict[int, list[TechnicianLink]] = {}
    rows = db.session.execute(
        select(TechnicianBinding.user_id, Technician.id, Technician.employee_no, Technician.team,
               Technician.phone)
        .join(Technician, Technician.id == TechnicianBinding.technician_id)
        .where(TechnicianBinding.user_id.in_(user_ids)))
    for user_id, technician_id, employee_no, team, phone in rows:
        links.setdefault(user_id, []).append(
            TechnicianLink(user_id, technician_id, employee_no, team or "", phone or ""))
    return links


def _callbacks(order_ids: Select | list[int]) -> dict[str, list[CallbackFact]]:
    found: dict[str, list[CallbackFact]] = {}
    rows = db.session.connection().execute(
        select(WorkOrder.order_no, CallbackResult.channel, CallbackResult.result,
               CallbackResult.called_at)
        .join(WorkOrder, WorkOrder.id == CallbackResult.order_id)
        .where(CallbackResult.order_id.in_(order_ids)).order_by(CallbackResult.id))
    for order_no, channel, result, called_at in rows:
        found.setdefault(order_no, []).append(
            CallbackFact(sys.intern(channel), sys.intern(result), called_at))
    return found


def _ip_users(start: datetime, end: datetime) -> dict[str, int]:
    """Distinct raters per address, for the addresses at least two raters used: an address of
    one rater reads as 0 there (below any crowd, never shown), and a month holds about as many
    of them as ratings."""
    distinct_users = func.count(func.distinct(Rating.user_id))
    rows = db.session.connection().execute(
        select(Rating.client_ip, distinct_users)
        .where(Rating.client_ip.is_not(None), Rating.created_at >= start - CROWD_MARGIN,
               Rating.created_at < end + CROWD_MARGIN)
        .group_by(Rating.client_ip).having(distinct_users >= 2))
    return {ip: count for ip, count in rows}


def _sightings(technician_ids: Select) -> dict[int, list[Sighting]]:
    found: dict[int, list[Sighting]] = {}
    rows = db.session.scalars(select(TechnicianSighting)
                              .where(TechnicianSighting.technician_id.in_(technician_ids)))
    for s in rows:
        for moment in {s.first_seen_at, s.last_seen_at}:
            found.setdefault(s.technician_id, []).append(
                Sighting(s.technician_id, s.client_ip, s.user_agent, moment))
    return found


def _technician_stats(start: datetime, end: datetime,
                      ratings: list[RatingFacts]) -> list[TechnicianStats]:
    """Completed orders per technician from SQL; rated and quickly-rated counts from the facts
    already loaded (date arithmetic in SQL differs between SQLite and PostgreSQL)."""
    completed = db.session.execute(
        select(WorkOrder.technician_id, Technician.employee_no, Technician.area, func.count())
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .where(WorkOrder.status == "completed", WorkOrder.completed_at >= start,
               WorkOrder.completed_at < end)
        .group_by(WorkOrder.technician_id, Technician.employee_no, Technician.area))
    rated: dict[int, int] = {}
    fast: dict[int, int] = {}
    quick = timedelta(minutes=FAST_MINUTES)
    for r in ratings:
        rated[r.technician_id] = rated.get(r.technician_id, 0) + 1
        if r.completed_at is not None and timedelta(0) <= r.rated_at - r.completed_at <= quick:
            fast[r.technician_id] = fast.get(r.technician_id, 0) + 1
    return [TechnicianStats(tid, employee_no, area or "", count, rated.get(tid, 0),
                            fast.get(tid, 0))
            for tid, employee_no, area, count in completed]


def _callback_counts(start: datetime, end: datetime) -> list[CallbackCounts]:
    """Per technician: answered callbacks on completed orders without a WeChat rating, and on
    those with a 4–5 star one (an order counts once: dissatisfied if any answered call said so)."""
    per_order = (select(CallbackResult.order_id,
                        func.max(case((CallbackResult.result == "dissatisfied", 1), else_=0))
                        .label("dissatisfied"))
                 .where(CallbackResult.result.in_(("satisfied", "dissatisfied")))
                 .group_by(CallbackResult.order_id).subquery())
    rated = case((Rating.id.is_(None), "none"), (Rating.stars >= 4, "good"), else_="poor")
    rows = db.session.execute(
        select(WorkOrder.technician_id, Technician.employee_no, rated.label("rated"), func.count(),
               func.sum(per_order.c.dissatisfied))
        .join(per_order, per_order.c.order_id == WorkOrder.id)
        .join(Technician, Technician.id == WorkOrder.technician_id)
        .outerjoin(Rating, (Rating.order_id == WorkOrder.id) & Rating.voided_at.is_(None))
        .where(WorkOrder.status == "completed", WorkOrder.completed_at >= start,
               WorkOrder.completed_at < end)
        .group_by(WorkOrder.technician_id, Technician.employee_no, rated))
    found: dict[int, dict] = {}
    for technician_id, employee_no, kind, answered, dissatisfied in rows:
        row = found.setdefault(technician_id, {"technician_id": technician_id,
                                               "employee_no": employee_no})
        if kind == "none":
            row.update(unrated_answered=answered, unrated_dissatisfied=int(dissatisfied or 0))
        elif kind == "good":
            row.update(both_answered=answered, both_dissatisfied=int(dissatisfied or 0))
    return [CallbackCounts(**{"unrated_answered": 0, "unrated_dissatisfied": 0, **row})
            for row in found.values()]


def month_context(start: datetime, end: datetime, *, label: str = "",
                  tz_name: str | None = None) -> ScanContext:
    """Everything the detectors need for the ratings of orders completed in [start, end)."""
    in_month = (WorkOrder.completed_at >= start, WorkOrder.completed_at < end)
    technicians = select(WorkOrder.technician_id).where(*in_month)
    ip_users = _ip_users(start, end)
    sightings = _sightings(technicians)
    reader = _MonthReader(ip_users=ip_users, sighted=set(sightings), start=start, end=end)
    # Core, not ORM, execution: a month can hold a million rows and the ORM's per-row bookkeeping
    # would double the load time for nothing (no entities are loaded).
    # Streamed (a server-side cursor on PostgreSQL): the driver never holds every row at once.
    # (An option of this statement only: set on the connection it would outlive the query.)
    connection = db.session.connection()
    query = _facts_query(*in_month, slim=True).execution_options(stream_results=True,
                                                                 max_row_buffer=20_000)
    ratings = [reader.facts(row) for row in connection.execute(query)]
    month_ratings = (select(Rating.user_id).join(WorkOrder, WorkOrder.id == Rating.order_id)
                     .where(*in_month))
    rater_links = _rater_links(month_ratings)
    _read_whole(ratings, set(rater_links), reader)
    del reader
    rated_orders = (select(Rating.order_id).join(WorkOrder, WorkOrder.id == Rating.order_id)
                    .where(*in_month))
    return ScanContext(
        ratings=ratings,
        rater_links=rater_links,
        callbacks=_callbacks(rated_orders),
        ip_users=ip_users,
        sightings=sightings,
        technician_stats=_technician_stats(start, end, ratings),
        callback_counts=_callback_counts(start, end),
        label=label,
        **({"tz": ZoneInfo(tz_name)} if tz_name else {}),
    )


def submission_context(rating: SubmittedRating, *, burst_window: timedelta,
                       tz_name: str | None = None) -> ScanContext:
    """The cheap context of one new rating, from what its submission already read; no query
    unless the rater is bound to a technician (their links), the order has callbacks, or the
    technician was rated within `burst_window` before (their ratings of the last 3 windows, on
    the technician_id, created_at index, for the burst detector)."""
    order = rating.order
    facts = RatingFacts(
        rating_id=rating.id, order_no=order.order_no, account_no=order.account_no,
        technician_id=order.technician_id, employee_no=order.employee_no, user_id=rating.user_id,
        stars=rating.stars, rated_at=rating.created_at, completed_at=order.completed_at,
        team=order.team or "", area=order.area or "", account_phone=order.account_phone or "",
        account_address=order.account_address or "", technician_phone=order.technician_phone or "",
        openid=order.rater_openid, unionid=order.rater_unionid, comment=rating.comment,
        client_ip=rating.client_ip, user_agent=rating.user_agent,
        presence=rating.presence)
    recent = [facts]
    if _may_join_a_burst(rating, burst_window):
        recent = [_to_facts(r) for r in execute_core(db.session, _recent_ratings_query(), {
            "technician_id": rating.technician_id, "until": rating.created_at,
            "since": rating.created_at - RECENT_RATINGS})]
        if not any(r.rating_id == rating.id for r in recent):
            recent.append(facts)
    return ScanContext(
        ratings=recent,
        rater_links=_rater_links([rating.user_id]) if order.rater_is_any_technician else {},
        callbacks=_callbacks([rating.order_id]) if order.has_callbacks else {},
        **({"tz": ZoneInfo(tz_name)} if tz_name else {}),
    )


def _may_join_a_burst(rating: SubmittedRating, burst_window: timedelta) -> bool:
    """Whether the burst detector could score this rating, from what its submission read: the
    technician was rated within `burst_window` before, and a burst scores only when one of its
    ratings came late (`AWAY`) after its order's completion — this one, or one of the technician's
    last RECENT_RATINGS (whose orders then completed `AWAY` before now at the latest)."""
    order = rating.order
    last = order.technician_last_rated_at
    if last is None or last < rating.created_at - burst_window:
        return False
    late_before = rating.created_at - AWAY
    first = order.technician_recent_first_completion
    return (order.completed_at is None or order.completed_at < late_before
            or (first is not None and first < late_before))


@cache
def _recent_ratings_query() -> Select:
    # Built once: it runs at submission whenever the technician was rated minutes before.
    return _facts_query(
        Rating.technician_id == bindparam("technician_id"),
        Rating.created_at >= bindparam("since", type_=Rating.created_at.type),
        Rating.created_at <= bindparam("until", type_=Rating.created_at.type))


def record_sighting(*, technician_id: int, client_ip: str | None, user_agent: str | None,
                    now: datetime) -> None:
    """Remember an address a technician used for their own request (badge page, login)."""
    if not client_ip:
        return
    row = db.session.scalar(select(TechnicianSighting).where(
        TechnicianSighting.technician_id == technician_id,
        TechnicianSighting.client_ip == client_ip))
    if row is None:
        db.session.add(TechnicianSighting(technician_id=technician_id, client_ip=client_ip,
                                          user_agent=(user_agent or "")[:400] or None,
                                          first_seen_at=now, last_seen_at=now))
    else:
        row.last_seen_at = max(row.last_seen_at, now)
        row.user_agent = (user_agent or "")[:400] or row.user_agent
    db.session.flush()
