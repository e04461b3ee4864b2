"""The import engine: parse, resolve references, upsert by business key — in batches.

Idempotent by construction: a row whose values equal what is stored changes nothing, so re-importing
a file reports 0 created and 0 updated. Bad rows are rejected one by one with their row number while
good rows land. Each batch runs in a savepoint; if a concurrent import inserted the same keys first
(unique violation) the batch is redone once against the now-present rows, so two racing imports
produce one row per key. The caller owns the transaction; `on_batch` lets the CLI commit as it goes.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.guards import has_control
from app.masterdata.readers import Record
from app.masterdata.specs import ImportSpec

log = logging.getLogger(__name__)
MAX_REPORTED_REJECTS = 1000


Rejected = Callable[[int, str, "dict[str, str] | None"], None]   # (row, reason, original cells)


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    rejected_count: int = 0
    rows_seen: int = 0
    on_reject: Rejected | None = field(default=None, repr=False)
    _waiting: list[tuple[int, str, dict | None]] = field(default_factory=list, repr=False)

    def reject(self, row: int, error: str, cells: dict | None = None) -> None:
        self.rejected_count += 1
        if self.on_reject:
            self._waiting.append((row, error, cells))
        if len(self.rejected) < MAX_REPORTED_REJECTS:
            self.rejected.append({"row": row, "error": error, "cells": cells})

    def release(self) -> None:
        """Hand the rejects gathered since the last batch to `on_reject`, in row order (a batch's
        unknown references are found after later rows failed to parse)."""
        for row, error, cells in sorted(self._waiting, key=lambda item: item[0]):
            self.on_reject(row, error, cells)
        self._waiting.clear()

    @property
    def rejected_truncated(self) -> bool:
        return self.rejected_count > len(self.rejected)


def parse_record(spec: ImportSpec, cells: dict[str, str]) -> dict:
    """Typed values of one record, or ValueError naming the first bad column."""
    values = {}
    for column in spec.columns:
        raw = (cells.get(column.name) or "").strip()
        if has_control(raw):
            raise ValueError(f"{column.name}: 含有不允许的控制字符 (contains control characters)")
        if "\ufffd" in raw:
            raise ValueError(f"{column.name}: 含有无法识别的字符，请检查文件编码 "
                             "(contains bytes that are not valid text in this file's encoding)")
        if not raw:
            if column.required:
                raise ValueError(f"{column.name}: 必填 (required)")
            values[column.name] = column.default
            continue
        try:
            values[column.name] = column.parse(raw)
        except ValueError as exc:
            raise ValueError(f"{column.name}: {exc}") from None
    return values


def run_import(spec: ImportSpec, records: Iterable[Record], *, batch_size: int = 2000,
               on_batch: Callable[[ImportResult], None] | None = None,
               on_reject: Rejected | None = None) -> ImportResult:
    """Upsert `records` into `spec`'s table; see the module docstring for the guarantees.

    `on_batch` runs after each batch (the CLI commits there); `on_reject` sees every rejected row
    with its original cells, in row order, including those past the first MAX_REPORTED_REJECTS
    kept in the result.
    """
    result = ImportResult(kind=spec.kind, on_reject=on_reject)
    batch: list[tuple[int, dict]] = []
    originals: dict[int, dict] = {}
    for row, cells, error in records:
        result.rows_seen += 1
        if error is None:
            try:
                batch.append((row, parse_record(spec, cells)))
                originals[row] = cells
            except ValueError as exc:
                error = str(exc)
        if error is not None:
            result.reject(row, error, cells)
        if len(batch) >= batch_size:
            _flush_batch(spec, batch, result, originals)
            batch, originals = [], {}
            result.release()
            if on_batch:
                on_batch(result)
    if batch:
        _flush_batch(spec, batch, result, originals)
    result.release()
    if on_batch:
        on_batch(result)
    result.rejected.sort(key=lambda r: r["row"])
    return result


def _flush_batch(spec: ImportSpec, batch: list[tuple[int, dict]], result: ImportResult,
                 originals: dict[int, dict]) -> None:
    for attempt in (1, 2):
        counts = ImportResult(kind=spec.kind)
        savepoint = db.session.begin_nested()
        try:
            _upsert(spec, batch, counts)
            savepoint.commit()
            break
        except IntegrityError:
            savepoint.rollback()
            if attempt == 2:
                raise
            log.info("import batch raced with another writer; retrying", extra={"kind": spec.kind})
    result.created += counts.created
    result.updated += counts.updated
    result.unchanged += counts.unchanged
    for rejected in counts.rejected:
        result.reject(rejected["row"], rejected["error"], originals.get(rejected["row"]))


def _resolve_refs(spec: ImportSpec, batch: list[tuple[int, dict]], counts: ImportResult):
    """Replace business keys of other tables by their ids; reject rows naming unknown ones."""
    lookups = {}
    for ref in spec.refs:
        wanted = {values[ref.source] for _, values in batch if values[ref.source] is not None}
        columns = [ref.table.c[ref.by], ref.table.c.id, *(ref.table.c[c] for c in ref.carry)]
        found = {}
        for chunk in _chunks(sorted(wanted), 500):
            for found_row in db.session.execute(select(*columns).where(_in(columns[0], chunk))):
                found[found_row[0]] = found_row[1:]
        lookups[ref] = found

    kept = []
    for row, values in batch:
        try:
            for ref in spec.refs:
                key = values[ref.source]
                if key is None:
                    values.setdefault(ref.target, None)
                    for extra in ref.carry:
                        values[f"{ref.source}.{extra}"] = None
                    continue
                hit = lookups[ref].get(key)
                if hit is None:
                    raise ValueError(f"{ref.source}: 未知的{ref.label} {key!r} "
                                     f"(unknown {ref.source}; import it first)")
                values[ref.target] = hit[0]
                for extra, extra_value in zip(ref.carry, hit[1:]):
                    values[f"{ref.source}.{extra}"] = extra_value
            if spec.finish:
                spec.finish(values)
        except ValueError as exc:
            counts.reject(row, str(exc))
            continue
        kept.append((row, values))
    if spec.prepare and kept:
        spec.prepare([values for _, values in kept])
    return [(row, {name: values[name] for name in spec.stored}) for row, values in kept]


def _upsert(spec: ImportSpec, batch: list[tuple[int, dict]], counts: ImportResult) -> None:
    rows = _resolve_refs(spec, batch, counts)
    if not rows:
        return
    table = spec.table
    key_of = _key_getter(spec.key)
    existing = _load_existing(spec, {key_of(values)[0] for _, values in rows})

    pending_inserts: dict[tuple, dict] = {}
    pending_updates: dict[int, dict] = {}
    for row, values in rows:
        key = key_of(values)
        if key in pending_inserts:              # the same key twice in one batch: last row wins
            if pending_inserts[key] != values and spec.refuse_changes:
                counts.reject(row, spec.refuse_changes)
            elif pending_inserts[key] != values:
                pending_inserts[key] = values
                counts.updated += 1
            else:
                counts.unchanged += 1
            continue
        current = existing.get(key)
        if current is None:
            pending_inserts[key] = values
            counts.created += 1
            continue
        row_id, stored = current
        if stored == values:
            counts.unchanged += 1
            continue
        if spec.refuse_changes:
            counts.reject(row, spec.refuse_changes)
            continue
        pending_updates[row_id] = values
        existing[key] = (row_id, values)
        counts.updated += 1

    if pending_inserts:
        db.session.execute(insert(table), list(pending_inserts.values()))
    if pending_updates:
        # bindparam names may not equal column names in an UPDATE's SET clause, hence the "v_".
        statement = update(table).where(table.c.id == bindparam("v_id")).values(
            {name: bindparam(f"v_{name}") for name in spec.stored})
        db.session.execute(statement, [
            {"v_id": row_id, **{f"v_{name}": value for name, value in values.items()}}
            for row_id, values in pending_updates.items()])


def _load_existing(spec: ImportSpec, first_keys: set) -> dict[tuple, tuple[int, dict]]:
    table = spec.table
    columns = [table.c.id, *(table.c[name] for name in spec.stored)]
    key_of = _key_getter(spec.key)
    existing = {}
    for chunk in _chunks(sorted(first_keys, key=str), 500):
        query = select(*columns).where(_in(table.c[spec.key[0]], chunk))
        for found in db.session.execute(query):
            stored = dict(zip(spec.stored, found[1:]))
            existing[key_of(stored)] = (found[0], stored)
    return existing


def _in(column, values: list):
    """`column IN (...)` with the values written into the SQL text rather than bound.

    Bound, the same statement text recurs every batch: psycopg prepares it, and PostgreSQL may then
    keep a generic plan costed while the table was nearly empty (a sequential scan testing each row
    against 500 parameters). As an import grows the table that plan is never revisited, so every
    batch got slower than the last (200,000 accounts into an empty table: tenfold slower per batch
    past 40,000 rows). Literal values are planned each time, with the unique index. The keys are
    validated codes and ids, quoted by SQLAlchemy.
    """
    return column.in_(bindparam("keys", values, expanding=True, literal_execute=True))


def _key_getter(names: tuple[str, ...]):
    return lambda values: tuple(values[name] for name in names)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
