"""Month close (月结): freeze a month's report, whole pay sheet and pay ledger as a numbered version.

Close → version 1. Reopen → the month answers live figures again. Close again, or recompute a
closed month → version n+1, which records what changed per technician and component against
version n. A version is never updated except to note that it was reopened — once: a second reopen
of the same version is refused, so the first reason stays. A request may name the version it
expects to act on (`expected_version`); if the month moved on meanwhile it gets a 409.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.reports import bulletins, paymonth, paysheet, queries
from app.reports.figures import MonthFigures, diff_rows, totals
from app.reports.models import LedgerLine, MonthRow, MonthVersion
from app.reports.monthly import month_rows
from app.reports.queries import TechnicianFilter
from app.reports.tariff import Tariff
from app.timeutil import month_bounds

INSERT_BATCH = 5000


class MonthAlreadyClosed(Conflict):
    code = "month_already_closed"
    message = "该月已结账；如需重算请使用 recompute 或先重新打开 (month already closed)"


class MonthNotClosed(Conflict):
    code, message = "month_not_closed", "该月尚未结账 (month is not closed)"


class MonthNotOver(Conflict):
    code, message = "month_not_over", "该月尚未结束，不能结账 (the month has not ended yet)"


class MonthStateChanged(Conflict):
    code = "month_state_changed"
    message = "该月的结账状态已被他人更改，请刷新后重试 (the month changed since you looked; reload)"


def _state_of(version: MonthVersion | None) -> dict:
    if version is None:
        return {"latest_version": 0, "status": "open"}
    return {"latest_version": version.version,
            "status": "reopened" if version.is_open else "closed"}


def _expect(month: str, previous: MonthVersion | None, expected_version: int | None) -> None:
    """Refuse a request made against a version that is no longer the month's latest."""
    latest = previous.version if previous is not None else 0
    if expected_version is not None and expected_version != latest:
        raise MonthStateChanged(details={"month": month, "expected_version": expected_version,
                                         **_state_of(previous)})


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
                recompute: bool = False, expected_version: int | None = None,
                now: datetime | None = None,
                on_progress: Callable[[int, int], None] | None = None) -> MonthVersion:
    """Freeze the month as a new version (recompute=True: replace the closed version in force).
    `on_progress(technicians done, technicians in all)` is told as the ledger is written."""
    now = now or utcnow()
    _, end = month_bounds(month, tz_name)
    if end > now:
        raise MonthNotOver(details={"month": month})
    previous = latest_version(month)
    _expect(month, previous, expected_version)
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

    report_rows, pay_rows = _freeze(version.id, month, tariff, tz_name, on_progress)
    version.totals = {**totals(report_rows), "pay": paysheet.totals(pay_rows)}
    # The monthly bulletin goes out after this transaction commits (flask reports send-bulletins).
    version.bulletins_queued = bulletins.queue(version, pay_rows, tariff.ranking, now)
    if previous is not None:
        version.changes = {**_changes(previous, report_rows, pay_rows),
                           "previous_version": previous.version,
                           "tariff_changed": previous.tariff_version != tariff.version}
    db.session.flush()
    return version


def _freeze(version_id: int, month: str, tariff: Tariff, tz_name: str,
            on_progress: Callable[[int, int], None] | None = None):
    """Write every pay line of the month, and the report and pay sheet lines counted from them.

    The orders stream from one statement, each technician's lines are written as they come, and
    both sheets are built from those same lines — so a closed month's report, pay sheet and
    ledger agree even if an import lands meanwhile."""
    ctx = paymonth.month_context(month, tariff, tz_name)
    everyone = {t["id"]: t for t in queries.technicians(TechnicianFilter())}
    figures: dict[int, MonthFigures] = {}
    pay_rows, batch, done = [], [], 0
    for tid, facts, lines in paymonth.technician_ledgers(month=month, tariff=tariff,
                                                         tz_name=tz_name, ctx=ctx):
        for line in lines:
            if line["component"] == "install":
                figures.setdefault(tid, MonthFigures()).add_line(line, tariff)
            batch.append({**line, "version_id": version_id})
        done += 1
        if len(batch) >= INSERT_BATCH:
            _insert_lines(batch)
            batch = []
            if on_progress:
                on_progress(done, len(everyone))
        row = paysheet.pay_row(paymonth.who_fields(everyone[tid]), facts, tariff,
                               ctx.bonus_quarter)
        if paysheet.on_sheet(row):
            pay_rows.append(row)
    if batch:
        _insert_lines(batch)
    if on_progress:
        on_progress(len(everyone), len(everyone))
    report_rows = month_rows(figures, ctx.frauds, TechnicianFilter(), ctx.presence)
    _store_rows(version_id, report_rows, pay_rows)
    return report_rows, pay_rows


LINE_COLUMNS = tuple(c.name for c in LedgerLine.__table__.c if c.name != "id")


def _insert_lines(batch: list[dict]) -> None:
    """Write ledger lines in the session's transaction. PostgreSQL takes them by COPY: a month of
    a million orders is ~2 million lines, and row-by-row inserts were most of a close's time."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(LedgerLine.__table__), batch)
        return
    with connection.connection.dbapi_connection.cursor() as cursor:
        with cursor.copy(f"COPY {LedgerLine.__tablename__} ({', '.join(LINE_COLUMNS)}) "
                         "FROM STDIN") as copy:
            for line in batch:
                copy.write_row([json.dumps(line[name], ensure_ascii=False)
                                if name == "detail" and line[name] is not None else line[name]
                                for name in LINE_COLUMNS])


def _store_rows(version_id: int, report_rows: list[dict], pay_rows: list[dict]) -> None:
    report = {r["technician_id"]: r for r in report_rows}
    pay = {r["technician_id"]: r for r in pay_rows}
    payload = []
    for tid in sorted(report.keys() | pay.keys()):
        first = report.get(tid) or pay[tid]
        payload.append({"version_id": version_id, "technician_id": tid,
                        "employee_no": first["employee_no"],
                        "install_pay_fen": first["install_pay_fen"],
                        "figures": report.get(tid), "pay": pay.get(tid)})
    for i in range(0, len(payload), INSERT_BATCH):
        db.session.execute(insert(MonthRow.__table__), payload[i:i + INSERT_BATCH])


def _changes(previous: MonthVersion, report_rows: list[dict], pay_rows: list[dict]) -> dict:
    """Per technician, every report figure and pay component that differs from `previous`."""
    report = diff_rows(version_rows(previous), report_rows)
    old_pay = version_pay_rows(previous)
    pay = paysheet.diff_rows(old_pay or [], pay_rows)
    merged: dict[str, dict] = {}
    for entry in report["changed"] + pay["changed"]:
        merged.setdefault(entry["employee_no"], {}).update(entry["changes"])
    return {"changed": [{"employee_no": e, "changes": merged[e]} for e in sorted(merged)],
            "added": sorted(set(report["added"]) | set(pay["added"])),
            "removed": sorted(set(report["removed"]) | set(pay["removed"])),
            "pay_compared": old_pay is not None}


def reopen_month(*, month: str, by: str, reason: str, expected_version: int | None = None,
                 now: datetime | None = None) -> MonthVersion:
    """Let the month answer live figures again until it is closed anew (as a new version).

    One conditional UPDATE marks the version reopened only if nobody did yet: of two racing
    reopens one wins and the other gets a 409, never overwriting the first's reason."""
    previous = latest_version(month)
    _expect(month, previous, expected_version)
    if previous is None or previous.is_open:
        raise MonthNotClosed(details={"month": month, **_state_of(previous)})
    result = db.session.execute(
        update(MonthVersion)
        .where(MonthVersion.id == previous.id, MonthVersion.reopened_at.is_(None))
        .values(reopened_by=by, reopened_at=now or utcnow(), reopen_reason=reason)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise MonthStateChanged(details={"month": month, "latest_version": previous.version,
                                         "status": "reopened"})
    db.session.refresh(previous)
    return previous


def version_rows(version: MonthVersion, who: TechnicianFilter = TechnicianFilter()) -> list[dict]:
    """The monthly report lines frozen in `version`."""
    return _frozen(version, MonthRow.figures, who)


def version_pay_rows(version: MonthVersion,
                     who: TechnicianFilter = TechnicianFilter()) -> list[dict] | None:
    """The pay sheet lines frozen in `version`; None for a version closed before the pay sheet
    was frozen with it (migration h15), whose pay sheet can only be computed live."""
    if "pay" not in (version.totals or {}):
        return None
    return _frozen(version, MonthRow.pay, who)


def _frozen(version: MonthVersion, column, who: TechnicianFilter) -> list[dict]:
    stmt = select(column).where(MonthRow.version_id == version.id, column.is_not(None))
    if who.technician_id is not None:
        stmt = stmt.where(MonthRow.technician_id == who.technician_id)
    rows = [dict(row) for row in db.session.scalars(stmt.order_by(MonthRow.employee_no))]
    return [row for row in rows if who.matches(row)]


def version_ledger(version: MonthVersion, technician_id: int) -> list[dict]:
    """Every pay line of the technician in `version`, in the order they were written."""
    columns = [c for c in LedgerLine.__table__.c if c.name not in ("id", "version_id")]
    rows = db.session.execute(
        select(*columns).where(LedgerLine.version_id == version.id,
                               LedgerLine.technician_id == technician_id)
        .order_by(LedgerLine.id))
    return [dict(row._mapping) for row in rows]


def get_version(month: str, number: int) -> MonthVersion:
    version = db.session.scalar(select(MonthVersion).where(MonthVersion.month == month,
                                                           MonthVersion.version == number))
    if version is None:
        raise NotFound("该版本不存在 (no such version)", code="report_version_not_found")
    return version
