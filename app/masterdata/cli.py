"""`flask import <kind> FILE`: the same import as the API (CSV streaming, or .xlsx), committing per
batch; each run lands in the import history (channel cli, the operating-system user).

A file of a million rows is read and written batch by batch (never held whole), and each batch is
committed so an interrupted run keeps what it did; re-running the file is safe because imports are
idempotent upserts.
"""
from __future__ import annotations

import os
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.audit import audit_cli, operator
from app.errors import AppError
from app.extensions import db
from app.masterdata import service
from app.masterdata.rejects import RejectsWriter
from app.masterdata.specs import SPECS


@click.group("import", help="从上游系统导入主数据 (import master data).")
def import_cli():
    pass


REJECTED_EXIT = 3


def _make_command(kind: str):
    spec = SPECS[kind]

    @click.command(kind, help=f"导入{spec.label} CSV 或 .xlsx: 列 {','.join(spec.all_columns)}。"
                              f"有行被拒绝时退出码 {REJECTED_EXIT}（--allow-rejects 时为 0）")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--batch-size", type=int, default=None, help="rows per batch and commit")
    @click.option("--rejects", type=click.Path(dir_okay=False),
                  help="write every rejected row to this CSV: 行号, the file's own columns, 原因; "
                       "in row order")
    @click.option("--allow-rejects", is_flag=True,
                  help=f"exit 0 even when rows were rejected (default: exit {REJECTED_EXIT})")
    @click.option("--quiet", is_flag=True, help="print nothing (errors and the exit code remain)")
    @click.option("--dry-run", is_flag=True,
                  help="试导入: read and check every row, say what would change, write nothing "
                       "(only the import history records the try)")
    @with_appcontext
    def command(path: str, batch_size: int | None, rejects: str | None, allow_rejects: bool,
                quiet: bool, dry_run: bool):
        batch_size = batch_size or current_app.config["IMPORT_BATCH_SIZE"]
        reject_file = open(rejects, "w", newline="", encoding="utf-8-sig") if rejects else None
        try:
            writer = RejectsWriter(reject_file) if reject_file else None
            result = _run(kind, path, batch_size, writer, quiet, dry_run)
        finally:
            if reject_file:
                reject_file.close()
        if not quiet:
            if dry_run:
                click.echo("试导入，未写入任何数据 (dry run: nothing was written)")
            _summary(spec.label, kind, result, rejects)
        if result.rejected_count and not allow_rejects:
            if not quiet:
                click.echo(f"{result.rejected_count} 行被拒绝，退出码 {REJECTED_EXIT} "
                           f"(rows rejected; --allow-rejects to accept)", err=True)
            sys.exit(REJECTED_EXIT)

    return command


def _run(kind: str, path: str, batch_size: int, writer: RejectsWriter | None, quiet: bool,
         dry_run: bool = False):
    """The import itself, committing per batch (a dry run: once, only its history row), with a
    progress bar on a terminal."""
    holder: list = []
    show = not quiet and sys.stderr.isatty()
    with open(path, "rb") as source, click.progressbar(
            length=os.path.getsize(path), label=f"导入{SPECS[kind].label}", file=sys.stderr,
            hidden=not show, show_pos=False, show_percent=True, show_eta=True) as bar:
        done, last_line = 0, 0.0

        def on_batch(result):
            nonlocal done, last_line
            if not dry_run:         # a dry run's rows live in a savepoint it rolls back
                db.session.commit()
            if holder:
                bar.update(holder[0].bytes_read - done)
                done = holder[0].bytes_read
            if not show and not quiet and time.monotonic() - last_line >= 5:
                last_line = time.monotonic()
                click.echo(f"  … {result.rows_seen} rows: {result.created} created, "
                           f"{result.updated} updated, {result.rejected_count} rejected",
                           err=True)

        try:
            result, run = service.import_file(
                kind, source, fmt="xlsx" if path.lower().endswith(".xlsx") else "csv",
                batch_size=batch_size, actor=f"cli:{operator()}", channel="cli",
                filename=os.path.basename(path), dry_run=dry_run, on_batch=on_batch,
                stream_holder=holder,
                on_reject=writer.reject if writer else None,
                on_header=writer.header if writer else None)
        except AppError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.code}: {exc.message} {exc.details or ''}") from exc
        audit_cli("import_dry_run" if dry_run else "import", f"{kind}: {os.path.basename(path)}"[:120],
                  **service.import_details(result, run))
        db.session.commit()     # what the rows_imported listeners wrote, and the audit entry
    return result


def _summary(label: str, kind: str, result, rejects: str | None) -> None:
    click.echo(f"{label} ({kind}): {result.rows_seen} rows read, {result.created} created, "
               f"{result.updated} updated, {result.unchanged} unchanged, "
               f"{result.rejected_count} rejected")
    for item in result.rejected[:20]:
        click.echo(f"  row {item['row']}: {item['error']}")
    if result.rejected_count > 20:
        hint = f" (all in {rejects})" if rejects else " (use --rejects FILE to list all)"
        click.echo(f"  … and {result.rejected_count - 20} more{hint}")


for _kind in SPECS:
    import_cli.add_command(_make_command(_kind))
