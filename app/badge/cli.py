"""`flask badge show|rotate|revoke|photo|print|render-all|fetch-wxacode|forget-presences`: the
services of the API."""
from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.audit import audit_cli
from app.badge import bulk, photos, presence, service
from app.db import utcnow
from app.errors import AppError
from app.extensions import db
from app.masterdata import service as masterdata


@click.group("badge", help="电子工牌 (e-badges): show, rotate, revoke, print, render.")
def badge_cli():
    pass


def _fail(exc: AppError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(f"{exc.code}: {exc.message}")


def _echo_badge(badge) -> None:
    summary = service.badge_summary(badge)
    click.echo(f"{summary['employee_no']} v{summary['version']} {summary['status']}")
    for key in ("badge_token", "url", "qr_png_url", "qr_svg_url", "card_png_url"):
        click.echo(f"  {key:<13}{summary[key]}")


@badge_cli.command("show")
@click.argument("employee_no")
@with_appcontext
def show(employee_no: str):
    """Print EMPLOYEE_NO's badge token and links (issuing the badge if it has none)."""
    try:
        badge = service.get_badge_for(employee_no)
    except AppError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    _echo_badge(badge)


@badge_cli.command("rotate")
@click.argument("employee_no")
@with_appcontext
def rotate(employee_no: str):
    """Issue EMPLOYEE_NO a new badge token; old ones answer 410 at once."""
    try:
        badge = service.rotate_badge(technician=masterdata.get_technician(employee_no))
    except AppError as exc:
        raise _fail(exc) from exc
    audit_cli("badge_rotated", employee_no, version=badge.version)
    db.session.commit()
    _echo_badge(badge)


@badge_cli.command("revoke")
@click.argument("employee_no")
@click.option("--reason", help="why (kept with the badge)")
@with_appcontext
def revoke(employee_no: str, reason: str | None):
    """Stop EMPLOYEE_NO's badge without a replacement (`rotate` issues a new one)."""
    try:
        badge = service.revoke_badge(technician=masterdata.get_technician(employee_no),
                                     reason=reason)
    except AppError as exc:
        raise _fail(exc) from exc
    audit_cli("badge_revoked", employee_no, reason=reason or "")
    db.session.commit()
    _echo_badge(badge)


@badge_cli.command("photo")
@click.argument("employee_no")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--remove", is_flag=True, help="remove the photo (cards show the initials again)")
@with_appcontext
def photo(employee_no: str, path: str | None, remove: bool):
    """Set EMPLOYEE_NO's photo from PATH (JPEG, PNG or WebP), or --remove it."""
    if bool(path) == remove:
        raise click.UsageError("give a PATH to set the photo, or --remove (not both)")
    try:
        technician = masterdata.get_technician(employee_no)
        if remove:
            photos.remove_photo(technician=technician)
        else:
            with open(path, "rb") as upload:
                raw = upload.read(current_app.config["TECHNICIAN_PHOTO_MAX_BYTES"] + 1)
            row = photos.set_photo(technician=technician, raw=raw, by="cli")
    except AppError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    if remove:
        click.echo(f"{employee_no}: photo removed")
    else:
        summary = photos.photo_summary(row, technician.employee_no)
        click.echo(f"{employee_no}: photo {summary['width']}×{summary['height']} "
                   f"→ {summary['photo_url']}")


@badge_cli.command("print")
@click.option("--team", help="班组")
@click.option("--area", help="区域")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def print_cmd(team: str | None, area: str | None, out_path: str):
    """Write an A4 PDF of the badge cards of a team and/or an area (active technicians)."""
    try:
        printed = bulk.print_sheet(team=team, area=area, limit=None)
    except AppError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    with open(out_path, "wb") as out:
        out.write(printed.pdf)
    click.echo(f"{printed.printed} cards → {out_path}")
    if printed.skipped_revoked:
        click.echo(f"left out (badge revoked; rotate to reissue): "
                   f"{', '.join(printed.skipped_revoked)}", err=True)
    if printed.suspended:
        click.echo(f"stamped 暂停服务评价 (suspended): {', '.join(printed.suspended)}", err=True)


@badge_cli.command("render-all")
@click.option("--workers", type=int, default=None,
              help="worker processes (default: the CPUs this process may use)")
@click.option("--force", is_flag=True, help="redraw even images that are up to date")
@click.option("--batch-size", type=int, default=200, show_default=True,
              help="cards written per commit")
@with_appcontext
def render_all(workers: int | None, force: bool, batch_size: int):
    """Render QR PNG, SVG and card for every active technician whose images are stale."""
    workers = workers or len(os.sched_getaffinity(0))
    started = time.monotonic()
    last = [started]

    def on_batch(stats: bulk.RenderStats):
        db.session.commit()
        if time.monotonic() - last[0] >= 2 or not sys.stderr.isatty():
            last[0] = time.monotonic()
            click.echo(f"  … {stats.rendered} rendered ({time.monotonic() - started:.1f}s)",
                       err=True)

    stats = bulk.render_all(workers=workers, force=force, batch_size=batch_size,
                            on_batch=on_batch)
    db.session.commit()
    elapsed = time.monotonic() - started
    per_card = f", {elapsed / stats.rendered * 1000:.1f} ms per badge" if stats.rendered else ""
    click.echo(f"{stats.technicians} active technicians: {stats.issued} badges issued, "
               f"{stats.rendered} rendered, {stats.up_to_date} up to date, "
               f"{elapsed:.1f}s with {workers} workers{per_card}")


@badge_cli.command("fetch-wxacode")
@click.argument("employee_nos", nargs=-1)
@with_appcontext
def fetch_wxacode(employee_nos: tuple[str, ...]):
    """Fetch mini-program codes from WeChat for EMPLOYEE_NOS (default: every active technician)."""
    def on_fetched(stats: bulk.FetchStats):
        db.session.commit()      # keep what was fetched if a later call fails hard

    stats = bulk.fetch_wxacodes(employee_nos=list(employee_nos) or None, on_fetched=on_fetched)
    db.session.commit()
    click.echo(f"{stats.fetched} fetched, {stats.up_to_date} up to date, "
               f"{len(stats.failed)} failed")
    for employee_no, code in stats.failed[:20]:
        click.echo(f"  {employee_no}: {code}", err=True)
    if stats.failed:
        raise SystemExit(1)


@badge_cli.command("forget-presences")
@click.option("--keep-days", type=click.IntRange(min=1), default=180, show_default=True,
              help="keep scans of the last N days (reviews and appeals of those months)")
@with_appcontext
def forget_presences(keep_days: int):
    """Delete live-badge scans (在场扫码记录) older than --keep-days; ratings keep their presence."""
    removed = presence.forget_presences(before=utcnow() - timedelta(days=keep_days))
    db.session.commit()
    click.echo(f"{removed} presences older than {keep_days} days deleted")
