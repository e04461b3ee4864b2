"""Badges for many technicians at once: `render-all` over worker processes, and print sheets.

Rendering is CPU-bound Python (QR masks, text layout, PNG encoding), so it runs in worker
processes; the parent only reads technicians, hands out plain-value jobs and writes results in
batches, which keeps every database connection in one process.
"""
from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import delete, insert, select

from app.badge import photos, render, service, sheet
from app.badge.models import Badge, BadgeImage
from app.db import utcnow
from app.errors import AppError, NotFound, Unprocessable
from app.extensions import db
from app.masterdata import service as masterdata
from app.masterdata.models import Technician

SHEET_LIMIT = 600   # technicians per downloaded sheet; bigger prints go through the CLI


@dataclass
class RenderStats:
    technicians: int = 0
    issued: int = 0
    rendered: int = 0
    up_to_date: int = 0


def issue_missing_badges() -> int:
    """Give every active technician without a badge a version-1 badge; returns how many."""
    missing = list(db.session.scalars(
        select(Technician.id).where(Technician.status == "active")
        .where(~select(Badge.id).where(Badge.technician_id == Technician.id).exists())))
    if missing:
        now = utcnow()
        db.session.execute(insert(Badge), [{"technician_id": tid, "version": 1, "issued_at": now}
                                           for tid in missing])
    return len(missing)


def render_all(*, workers: int = 2, force: bool = False, batch_size: int = 200,
               on_batch: Callable[[RenderStats], None] | None = None) -> RenderStats:
    """Render the QR PNG, SVG and card of every active technician whose images are stale."""
    stats = RenderStats(issued=issue_missing_badges())
    db.session.flush()
    jobs = _stale_jobs(force=force, stats=stats)
    if not jobs:
        return stats
    fonts = service.card_fonts()
    batch: list[tuple[int, list[render.Rendered]]] = []

    def flush_batch():
        _write_images(batch)
        stats.rendered += len(batch)
        batch.clear()
        if on_batch:
            on_batch(stats)

    if workers <= 1:
        render.init_worker(fonts)
        results = map(render.render_in_worker, jobs)
        _consume(results, batch, batch_size, flush_batch)
    else:
        # spawn, not fork: children must not inherit the parent's open database connections.
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, initializer=render.init_worker, initargs=(fonts,)) as pool:
            results = pool.imap_unordered(render.render_in_worker, jobs, chunksize=8)
            _consume(results, batch, batch_size, flush_batch)
    if batch:
        flush_batch()
    return stats


def _consume(results, batch, batch_size, flush_batch) -> None:
    for result in results:
        batch.append(result)
        if len(batch) >= batch_size:
            flush_batch()


def _stale_jobs(*, force: bool, stats: RenderStats) -> list[render.RenderJob]:
    rows = db.session.execute(
        select(Badge, Technician).join(Technician, Technician.id == Badge.technician_id)
        .where(Technician.status == "active").where(Badge.revoked_at.is_(None))
        .order_by(Technician.employee_no)).all()
    stored: dict[tuple[int, str], str] = {
        (badge_id, kind): key for badge_id, kind, key in db.session.execute(
            select(BadgeImage.badge_id, BadgeImage.kind, BadgeImage.source_key)
            .where(BadgeImage.kind.in_(render.RENDERED_KINDS)))}
    brand = service.branding()
    suspended = masterdata.suspended_until(service.today())
    etags = photos.photo_etags()
    jobs = []
    for badge, technician in rows:
        stats.technicians += 1
        url = service.badge_url(service.badge_token(badge))
        card = service.card_info(technician, until=suspended.get(technician.id),
                                 photo_etags=etags)
        stale = tuple(kind for kind in render.RENDERED_KINDS
                      if force or stored.get((badge.id, kind))
                      != render.source_key(kind, url, card, brand))
        if stale:
            # Photo bytes are read only for the cards being drawn.
            photo = (photos.photo_of(technician.id) if "card_png" in stale and card.photo_etag
                     else None)
            jobs.append(render.RenderJob(badge_id=badge.id, url=url, card=card, branding=brand,
                                         kinds=stale, photo=photo.data if photo else None))
        else:
            stats.up_to_date += 1
    return jobs


def _write_images(batch: list[tuple[int, list[render.Rendered]]]) -> None:
    now = utcnow()
    for badge_id, images in batch:
        db.session.execute(delete(BadgeImage).where(BadgeImage.badge_id == badge_id)
                           .where(BadgeImage.kind.in_([i.kind for i in images])))
    db.session.execute(insert(BadgeImage), [
        {"badge_id": badge_id, "kind": i.kind, "source_key": i.source_key, "etag": i.etag,
         "data": i.data, "rendered_at": now}
        for badge_id, images in batch for i in images])


def sheet_technicians(*, team: str | None, area: str | None) -> list[Technician]:
    if not team and not area:
        raise Unprocessable("请指定班组或区域 (give a team or an area)",
                            details={"fields": {"team": ["team or area is required"]}})
    query = select(Technician).where(Technician.status == "active").order_by(Technician.employee_no)
    if team:
        query = query.where(Technician.team == team)
    if area:
        query = query.where(Technician.area == area)
    technicians = list(db.session.scalars(query))
    if not technicians:
        raise NotFound("没有符合条件的在岗装维人员 (no active technicians match)",
                       code="technicians_not_found", details={"team": team, "area": area})
    return technicians


@dataclass(frozen=True)
class PrintedSheet:
    pdf: bytes
    printed: int
    skipped_revoked: list[str]
    suspended: list[str] = field(default_factory=list)    # printed, stamped 暂停服务评价


def print_sheet(*, team: str | None = None, area: str | None = None,
                limit: int | None = SHEET_LIMIT) -> PrintedSheet:
    """An A4 PDF of the cards of the active technicians of `team` and/or `area`.

    Revoked badges are left out: printing a card that answers 410 would only mislead; rotate
    the badge first to print a working one. A suspended technician's card is printed stamped
    暂停服务评价 with the suspension's last day, so the team leader sees it at a glance.
    """
    technicians = sheet_technicians(team=team, area=area)
    if limit is not None and len(technicians) > limit:
        raise Unprocessable(f"一次最多打印 {limit} 张，请缩小范围或使用命令行 (at most {limit} cards)",
                            details={"count": len(technicians), "limit": limit})
    cards, skipped = [], []
    until = masterdata.suspended_until(service.today(), [t.id for t in technicians])
    for technician in technicians:
        badge = service.get_or_create_badge(technician)
        if badge.revoked_at is not None:
            skipped.append(technician.employee_no)
            continue
        cards.append(service.badge_image(badge, "card_png").data)
    heading = " · ".join(part for part in (area, team) if part)
    pdf = sheet.render_sheet_pdf(cards, heading=heading, fonts=service.card_fonts())
    return PrintedSheet(pdf=pdf, printed=len(cards), skipped_revoked=skipped,
                        suspended=[t.employee_no for t in technicians if t.id in until])


@dataclass
class FetchStats:
    fetched: int = 0
    up_to_date: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)   # (employee_no, error code)


def fetch_wxacodes(*, employee_nos: list[str] | None = None,
                   on_fetched: Callable[[FetchStats], None] | None = None) -> FetchStats:
    """Fetch the mini-program code of each working badge that lacks a current one.

    One WeChat call per badge, one after another (the platform limits the call rate); a refusal
    is recorded and the run goes on, so one bad badge does not stop a team's batch.
    """
    query = select(Technician).where(Technician.status == "active").order_by(Technician.employee_no)
    if employee_nos:
        query = query.where(Technician.employee_no.in_(employee_nos))
    stats = FetchStats()
    for technician in db.session.scalars(query).all():
        badge = service.get_or_create_badge(technician)
        if badge.revoked_at is not None:
            continue
        try:
            image = service.badge_wxacode(badge)
        except AppError as exc:
            stats.failed.append((technician.employee_no, exc.code))
            continue
        if image.rendered_now:
            stats.fetched += 1
            if on_fetched:
                on_fetched(stats)
        else:
            stats.up_to_date += 1
    return stats
