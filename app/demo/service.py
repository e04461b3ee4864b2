"""Seed the demo operator: the previous calendar month in full and the current month to yesterday."""
from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.db import utcnow
from app.demo import generator as gen
from app.demo import pay
from app.extensions import db
from app.masterdata.imports import ImportResult, run_import
from app.masterdata.models import ImportRun, Technician
from app.rating.models import Rating
from app.masterdata.specs import SPECS
from app.timeutil import Month


def _records(rows: list[dict]):
    return ((index, row, None) for index, row in enumerate(rows, start=1))


def data_present() -> dict[str, int]:
    """What the database already holds that a demo seed would add to (technicians, ratings,
    imports through the console, API or CLI); all zero for a fresh database."""
    counts = {"technicians": select(func.count()).select_from(Technician),
              "ratings": select(func.count()).select_from(Rating),
              "imports": select(func.count()).select_from(ImportRun)}
    return {name: db.session.scalar(query) for name, query in counts.items()}


def seed_demo(*, tz_name: str, seed: int = 2026, technicians: int = 50, accounts: int = 3000,
              orders_per_month: int = 2500, now: datetime | None = None,
              progress=None) -> dict[str, ImportResult]:
    """Load the demo data through the import engine; the same day and seed give the same rows."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz_name)
    today = (now or utcnow()).astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    month = Month.of(today, tz_name)
    last_month, this_month = month.prev().bounds(tz_name)     # [its start, this month's start)

    techs = gen.technicians(rng, technicians)
    accts = gen.accounts(rng, accounts)
    order_rows = gen.orders(rng, techs, accts, last_month, this_month, orders_per_month)
    if today > this_month:
        days = (today - this_month).days
        current = gen.orders(random.Random(seed + today.toordinal()), techs, accts, this_month,
                             today, max(1, orders_per_month * days // 30))
        for row in current:
            row["order_no"] = row["order_no"].replace("GD", "GN", 1)
        order_rows += current

    complaint_rows = gen.complaints(rng, order_rows, max(1, technicians // 8))
    months = [str(month.prev()), str(month)]
    plan = [("technicians", techs), ("accounts", accts), ("orders", order_rows),
            ("callbacks", gen.callbacks(rng, order_rows)), ("complaints", complaint_rows),
            ("urges", pay.urges(rng, order_rows)),
            ("penalties", pay.penalties(rng, order_rows, complaint_rows)),
            ("commissions", pay.commissions(rng, techs, months)),
            ("assessments", pay.assessments(rng, techs, months))]
    results = {}
    for kind, rows in plan:
        results[kind] = run_import(SPECS[kind], _records(rows), batch_size=2000)
        if progress:
            progress(kind, results[kind])
    return results


def seed_demo_reviews(*, config: dict, seed: int = 2026, now: datetime | None = None,
                      on_batch=None) -> dict:
    """Step 2 of the demo: customers' ratings (with planted fraud) over the demo period, then the
    fraud scan of both months, so the review queue has flags to work."""
    from app.demo.ratings import seed_ratings
    from app.fraud import service as fraud_service

    now = now or utcnow()
    this_month = Month.of(now, config["TIMEZONE"])
    last_month = this_month.prev()
    stats = seed_ratings(start=last_month.bounds(config["TIMEZONE"])[0], now=now, config=config,
                         seed=seed, on_batch=on_batch)
    settings = fraud_service.settings(config)
    scans = [fraud_service.scan_month(month=str(month), now=now, **settings)
             for month in (last_month, this_month)]
    return {"ratings": stats.rated, "skipped": stats.skipped, "planted": stats.planted,
            "flags": sum(s.flags_total for s in scans)}


def scan_walkthrough(*, window_days: int) -> dict | None:
    """A recent, unrated order with its technician's badge: what a newcomer scans and binds."""
    from app.badge import service as badges
    from app.rating import service as ratings

    order = ratings.latest_unrated_order(window_days=window_days)
    if order is None:
        return None
    badge = badges.get_or_create_badge(order.technician)
    return {"technician": order.technician, "account": order.account, "order": order,
            "badge_url": badges.badge_url(badges.badge_token(badge))}
