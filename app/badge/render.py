"""What each badge image is drawn from, its cache key, and drawing it. Pure: no database, no Flask,
so `flask badge render-all` can run it in worker processes from plain values.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from app.badge.card import LAYOUT_VERSION, CardInfo, render_card_png
from app.branding import Branding
from app.badge.fonts import CjkFonts
from app.badge.qr import Matrix, qr_matrix, render_qr_png, render_qr_svg

RENDERED_KINDS = ("qr_png", "qr_svg", "card_png")


@dataclass(frozen=True)
class RenderJob:
    badge_id: int
    url: str
    card: CardInfo
    branding: Branding
    kinds: tuple[str, ...] = RENDERED_KINDS
    photo: bytes | None = None      # the photo whose etag `card.photo_etag` names


@dataclass(frozen=True)
class Rendered:
    kind: str
    source_key: str
    etag: str
    data: bytes


def source_key(kind: str, url: str, card: CardInfo | None = None,
               branding: Branding | None = None) -> str:
    """A hash of everything the image shows; when it changes, the stored image is stale."""
    if kind in ("qr_png", "qr_svg"):
        parts = {"kind": kind, "url": url, "qr": 1}
    elif kind == "card_png":
        parts = {"kind": kind, "url": url, "card": asdict(card), "brand": asdict(branding),
                 "layout": LAYOUT_VERSION}
    else:
        raise ValueError(f"{kind} is not rendered here")
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def etag_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def render_job(job: RenderJob, fonts: CjkFonts | None) -> list[Rendered]:
    """Draw the images `job` asks for; the QR matrix is computed once for all of them."""
    matrix: Matrix = qr_matrix(job.url)
    out = []
    for kind in job.kinds:
        if kind == "qr_png":
            data = render_qr_png(matrix)
        elif kind == "qr_svg":
            data = render_qr_svg(matrix).encode()
        elif kind == "card_png":
            if fonts is None:
                raise ValueError("a card needs fonts")
            data = render_card_png(job.card, matrix, fonts, job.branding, job.photo)
        else:
            raise ValueError(f"{kind} is not rendered here")
        out.append(Rendered(kind, source_key(kind, job.url, job.card, job.branding),
                            etag_of(data), data))
    return out


# Worker-process side of `render-all`: fonts are found once per process, not once per card.
_worker_fonts: CjkFonts | None = None


def init_worker(fonts: CjkFonts) -> None:
    global _worker_fonts
    _worker_fonts = fonts


def render_in_worker(job: RenderJob) -> tuple[int, list[Rendered]]:
    return job.badge_id, render_job(job, _worker_fonts)
