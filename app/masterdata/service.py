"""Master-data operations other domains and the boundaries call."""
from __future__ import annotations

from typing import BinaryIO

from blinker import Namespace
from sqlalchemy import or_, select

from app.errors import NotFound
from app.extensions import db
from app.masterdata import readers
from app.masterdata.imports import ImportResult, run_import
from app.masterdata.models import BroadbandAccount, Technician
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
               stream_holder: list | None = None) -> ImportResult:
    """Import a CSV byte stream of `kind`; `stream_holder` receives the counting stream."""
    spec = get_import_spec(kind)
    raw, _encoding, text = readers.open_csv(source)
    if stream_holder is not None:
        stream_holder.append(raw)
    result = run_import(spec, readers.read_csv(text, spec.header), batch_size=batch_size,
                        on_batch=on_batch, on_reject=on_reject)
    rows_imported.send(kind, result=result)
    return result


def import_json(kind: str, body: bytes, *, batch_size: int) -> ImportResult:
    """Import a JSON array of objects of `kind`."""
    spec = get_import_spec(kind)
    result = run_import(spec, readers.read_json(body), batch_size=batch_size)
    rows_imported.send(kind, result=result)
    return result


def get_technician(employee_no: str) -> Technician:
    technician = db.session.scalar(select(Technician).where(Technician.employee_no == employee_no))
    if technician is None:
        raise NotFound("装维人员不存在 (technician not found)", code="technician_not_found")
    return technician


def find_account(account_no: str) -> BroadbandAccount | None:
    return db.session.scalar(select(BroadbandAccount).where(BroadbandAccount.account_no == account_no))


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
