"""Import history (导入记录): every import through the console, the API or the CLI — and every dry
run — leaves one row: who, when, which file, what it did, and the rows it refused with their
original cells (the first MAX_REPORTED_REJECTS), so the operator can download, fix and resend them."""
from __future__ import annotations

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.masterdata.imports import ImportResult
from app.masterdata.models import ImportRun
from app.masterdata.rejects import rejects_csv


def record_run(*, result: ImportResult, header: list[str], filename: str, actor: str,
               channel: str, dry_run: bool) -> ImportRun:
    """Add the history row of an import that just ran (the caller commits)."""
    run = ImportRun(kind=result.kind, filename=(filename or "")[:255], actor=actor[:100],
                    channel=channel, dry_run=dry_run, rows_seen=result.rows_seen,
                    created=result.created, updated=result.updated, unchanged=result.unchanged,
                    rejected_count=result.rejected_count, header=list(header),
                    rejected=[{"row": r["row"], "error": r["error"], "cells": r.get("cells")}
                              for r in result.rejected])
    db.session.add(run)
    db.session.flush()
    return run


def list_runs(*, kind: str | None = None, page: int = 1, per_page: int = 20):
    """Imports, newest first; a page of them."""
    query = select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id.desc())
    if kind:
        query = query.where(ImportRun.kind == kind)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise NotFound("导入记录不存在 (import not found)", code="import_not_found")
    return run


def run_rejects_csv(run: ImportRun) -> bytes:
    """The rows an import refused: 行号, the file's own columns, 原因 — CSV with BOM."""
    return rejects_csv(run.header, run.rejected)
