"""Month close (月结): freeze a month's report and pay ledger as a numbered version.

Close → version 1. Reopen → the month answers live figures again. Close again, or recompute a
closed month → version n+1, which records what changed per technician against version n. A
version is never updated except to note that it was reopened.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.reports.figures import diff_rows, totals
from app.reports.models import LedgerLine, MonthRow, MonthVersion
from app.reports.monthly import live_ledger_lines, month_frauds, rows_from_lines
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff
from app.timeutil import month_bounds

INSERT_BATCH = 5000


class MonthAlreadyClosed(Conflict):
    code, message = "month_already_closed", "该月已结账；如需重算请使用 recompute 或先重新打开 (month already closed)"


class MonthNotClosed(Conflict):
    code, message = "month_not_closed", "该月尚未结账 (month is not closed)"


class MonthNotOver(Conflict):
    code, message = "month_not_over", "该月尚未结束，不能结账 (the month has not ended yet)"


def latest_version(month: str) -> MonthVersion | None:
    return db.session.scalar(select(MonthVersion).where(MonthVersion.month == month)
                             .order_by(MonthVersion.version.desc()).limit(1))


def month_versions(month: str) -> list[MonthVersion]:
    return list(db.session.scalars(select(MonthVersion).where(MonthVersion.month == month)
                                   .order_by(MonthVersion.version.desc())))


def closed_version(month: str) -> MonthVersion | None:
    """The version in force for `month`, or None while the month is open (never closed or reopened)."""
    latest = latest_version(month)
    return latest if latest is not None and not latest.is_open else None


def close_month(*, month: str, by: str, tariff: Tariff, tz_name: str, note: str = "",
                recompute: bool = False, now: datetime | None = None) -> MonthVersion:
    """Freeze the month as a new version (recompute=True: replace the closed version in force)."""
    now = now or utcnow()
    _, end = month_bounds(month, tz_name)
    if end > now:
        raise MonthNotOver(details={"month": month})
    previous = latest_version(month)
    if recompute and (previous is None or previous.is_open):
        raise MonthNotClosed(details={"month": month})
    if not recompute and previous is not None and not previous.is_open:
        raise MonthAlreadyClosed(details={"month": month, "version": previous.version})

    version = MonthVersion(month=month, version=previous.version + 1 if previous else 1,
                           kind="recompute" if recompute else "close",
                           tariff_version=tariff.version, tariff=dict(tariff.document),
                           totals={}, note=note or "", created_by=by, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(version)
            db.session.flush()
    except IntegrityError:
        # Someone else closed the month between our read and our write.
        raise Conflict("该月正在被他人结账，请刷新后重试 (another close of this month won)",
                       code="month_close_conflict") from None

    # One pass over the orders writes the ledger and counts the report lines from those same
    # ledger lines, so a closed month's report and ledger agree even if an import lands meanwhile.
    frauds = month_frauds(month)
    lines = live_ledger_lines(month=month, tariff=tariff, tz_name=tz_name, frauds=frauds)
    rows = rows_from_lines(_store_ledger(version.id, lines), frauds, TechnicianFilter())
    _store_rows(version.id, rows)
    version.totals = totals(rows)
    if previous is not None:
        version.changes = {**diff_rows(version_rows(previous), rows),
                           "previous_version": previous.version,
                           "tariff_changed": previous.tariff_version != tariff.version}
    db.session.flush()
    return version


def _store_rows(version_id: int, rows: list[dict]) -> None:
    payload = [{"version_id": version_id, "technician_id": r["technician_id"],
                "employee_no": r["employee_no"], "install_pay_fen": r["install_pay_fen"],
                "figures": r} for r in rows]
    for i in range(0, len(payload), INSERT_BATCH):
        db.session.execute(insert(MonthRow.__table__), payload[i:i + INSERT_BATCH])


def _store_ledger(version_id: int, lines: Iterable[dict]) -> Iterator[dict]:
    """Insert the lines in batches, passing each one on once it is written."""
    batch = []
    for line in lines:
        batch.append({**line, "version_id": version_id})
        if len(batch) >= INSERT_BATCH:
            db.session.execute(insert(LedgerLine.__table__), batch)
            yield from batch
            batch = []
    if batch:
        db.session.execute(insert(LedgerLine.__table__), batch)
        yield from batch


def reopen_month(*, month: str, by: str, reason: str, now: datetime | None = None) -> MonthVersion:
    """Let the month answer live figures again until it is closed anew (as a new version)."""
    version = closed_version(month)
    if version is None:
        raise MonthNotClosed(details={"month": month})
    version.reopened_by, version.reopened_at, version.reopen_reason = by, now or utcnow(), reason
    db.session.flush()
    return version


def version_rows(version: MonthVersion, who: TechnicianFilter = TechnicianFilter()) -> list[dict]:
    stmt = select(MonthRow.figures).where(MonthRow.version_id == version.id)
    if who.technician_id is not None:
        stmt = stmt.where(MonthRow.technician_id == who.technician_id)
    rows = [dict(figures) for figures in db.session.scalars(stmt.order_by(MonthRow.employee_no))]
    return [row for row in rows if who.matches(row)]


def version_ledger(version: MonthVersion, technician_id: int) -> list[dict]:
    columns = [c for c in LedgerLine.__table__.c if c.name not in ("id", "version_id")]
    rows = db.session.execute(
        select(*columns).where(LedgerLine.version_id == version.id,
                               LedgerLine.technician_id == technician_id)
        .order_by(LedgerLine.completed_at, LedgerLine.order_no))
    return [dict(row._mapping) for row in rows]


def get_version(month: str, number: int) -> MonthVersion:
    version = db.session.scalar(select(MonthVersion).where(MonthVersion.month == month,
                                                           MonthVersion.version == number))
    if version is None:
        raise NotFound("该版本不存在 (no such version)", code="report_version_not_found")
    return version
