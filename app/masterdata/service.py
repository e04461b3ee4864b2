"""Master-data operations other domains and the boundaries call."""
from __future__ import annotations

from typing import BinaryIO

from blinker import Namespace
from sqlalchemy import or_, select

from app.errors import NotFound
from app.extensions import db
from app.masterdata import history, readers, templates
from app.masterdata.imports import ImportResult, run_import
from app.masterdata.history import get_run, list_runs, run_rejects_csv  # noqa: F401
from app.masterdata.models import BroadbandAccount, ImportRun, Technician, WorkOrder
from app.masterdata.specs import SPECS, ImportSpec
from app.masterdata.suspensions import (  # noqa: F401  (part of this module's interface)
    cancel as cancel_suspension, current_suspension, effective_status, get_suspension,
    lift as lift_suspension, local_today, shorten as shorten_suspension, status_on,
    suspend, suspended_until, suspensions_of)


# Sent after an import has written its rows, inside the importer's transaction, so other domains
# can follow up (a dissatisfied callback opens a recovery task) without masterdata knowing them.
signals = Namespace()
rows_imported = signals.signal("rows-imported")


def get_import_spec(kind: str) -> ImportSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise NotFound(f"未知的导入类型 {kind!r} (unknown import kind)", code="unknown_import_kind",
                       details={"kinds": sorted(SPECS)}) from None


def import_csv(kind: str, source: BinaryIO, *, batch_size: int, on_batch=None, on_reject=None,
               stream_holder: list | None = None, on_header=None) -> ImportResult:
    """Import a CSV byte stream of `kind`; `stream_holder` receives the counting stream,
    `on_header` the file's header (before any row)."""
    spec = get_import_spec(kind)
    return _run(spec, _records(spec, source, "csv", on_header, stream_holder),
                batch_size=batch_size, on_batch=on_batch, on_reject=on_reject)


def import_json(kind: str, body: bytes, *, batch_size: int) -> ImportResult:
    """Import a JSON array of objects of `kind`."""
    spec = get_import_spec(kind)
    return _run(spec, readers.read_json(body), batch_size=batch_size)


def import_file(kind: str, source: BinaryIO, *, fmt: str, batch_size: int, actor: str,
                channel: str, filename: str = "", dry_run: bool = False, on_batch=None,
                on_reject=None, on_header=None,
                stream_holder: list | None = None) -> tuple[ImportResult, ImportRun]:
    """Import a `fmt` file (csv, xlsx or json) of `kind` and add it to the import history.

    A dry run does all the work in a savepoint it then rolls back: the counts say what the file
    would create, update and refuse, and nothing but the history row is written.
    """
    spec = get_import_spec(kind)
    header = list(spec.all_columns)

    def seen(columns: list[str]) -> None:
        header[:] = columns
        if on_header:
            on_header(columns)

    savepoint = db.session.begin_nested() if dry_run else None
    try:
        result = _run(spec, _records(spec, source, fmt, seen, stream_holder),
                      batch_size=batch_size, on_batch=on_batch, on_reject=on_reject,
                      announce=not dry_run)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    run = history.record_run(result=result, header=header, filename=filename, actor=actor,
                             channel=channel, dry_run=dry_run)
    return result, run


def import_template(kind: str, fmt: str) -> bytes:
    """A kind's import template as CSV or XLSX (header, a sample row, allowed values)."""
    spec = get_import_spec(kind)
    return templates.template_csv(spec) if fmt == "csv" else templates.template_xlsx(spec)


def import_details(result: ImportResult, run: ImportRun) -> dict:
    """What an audit entry says about an import."""
    return {"kind": result.kind, "file": run.filename, "rows": result.rows_seen,
            "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "rejected": result.rejected_count,
            "import_id": run.id}


def _records(spec: ImportSpec, source: BinaryIO, fmt: str, on_header, stream_holder):
    if fmt == "csv":
        raw, _encoding, text = readers.open_csv(source)
        if stream_holder is not None:
            stream_holder.append(raw)
        return readers.read_csv(text, spec.header, on_header)
    if fmt == "xlsx":
        return readers.read_xlsx(source.read(), spec.header, on_header)
    return readers.read_json(source.read())


def _run(spec: ImportSpec, records, *, batch_size: int, on_batch=None, on_reject=None,
         announce: bool = True) -> ImportResult:
    result = run_import(spec, records, batch_size=batch_size, on_batch=on_batch,
                        on_reject=on_reject)
    if announce:
        rows_imported.send(spec.kind, result=result)
    return result


def get_technician(employee_no: str) -> Technician:
    technician = db.session.scalar(select(Technician).where(Technician.employee_no == employee_no))
    if technician is None:
        raise NotFound("装维人员不存在 (technician not found)", code="technician_not_found")
    return technician


def find_account(account_no: str) -> BroadbandAccount | None:
    return db.session.scalar(select(BroadbandAccount).where(BroadbandAccount.account_no == account_no))


def find_order(order_no: str) -> WorkOrder | None:
    return db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == order_no))


def accounts_with_phone(phone: str, limit: int = 20) -> list[BroadbandAccount]:
    """Accounts registered with exactly this phone (digits only)."""
    return list(db.session.scalars(select(BroadbandAccount).where(BroadbandAccount.phone == phone)
                                   .order_by(BroadbandAccount.account_no).limit(limit)))


def orders_of_accounts(account_ids: list[int], limit: int = 50) -> list[WorkOrder]:
    """The accounts' orders, newest first."""
    if not account_ids:
        return []
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.account_id.in_(account_ids))
                                   .order_by(WorkOrder.created_at.desc()).limit(limit)))


def search_technicians(*, query: str = "", team: str | None = None, area: str | None = None,
                       limit: int = 100) -> list[Technician]:
    """Technicians whose employee_no, name or phone contains `query`, by employee_no."""
    stmt = select(Technician)
    if query:
        stmt = stmt.where(or_(Technician.employee_no.contains(query, autoescape=True),
                              Technician.name.contains(query, autoescape=True),
                              Technician.phone.contains(query, autoescape=True)))
    if team:
        stmt = stmt.where(Technician.team == team)
    if area:
        stmt = stmt.where(Technician.area == area)
    return list(db.session.scalars(stmt.order_by(Technician.employee_no).limit(limit)))


def teams_by_area() -> dict[str, list[str]]:
    """Every area with its teams, for filters."""
    out: dict[str, list[str]] = {}
    for area, team in db.session.execute(select(Technician.area, Technician.team).distinct()
                                         .order_by(Technician.area, Technician.team)):
        out.setdefault(area, []).append(team)
    return out
