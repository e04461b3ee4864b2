"""Technician photos: set, remove and read them (services flush, never commit).

The photo shows on the badge card (and so on the printed sheet) and on the customer pages; a
card's cache key includes the photo's etag, so changing the photo redraws the card on demand.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.badge.models import TechnicianPhoto
from app.badge.photo import PhotoRejected, prepare_photo
from app.db import utcnow
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.masterdata.models import Technician

# How each refusal is answered: a file too big is 413 like any oversized body; a file that is no
# image we take is 415; an image we cannot use is 422.
_STATUS = {"photo_too_large": 413, "photo_unsupported_type": 415}


class PhotoRefused(Unprocessable):
    def __init__(self, rejected: PhotoRejected):
        super().__init__(rejected.message, code=rejected.code)
        self.status = _STATUS.get(rejected.code, 422)


def photo_url(etag: str) -> str:
    return f"/photos/{etag}.jpg"


def set_photo(*, technician: Technician, raw: bytes, by: str | None = None) -> TechnicianPhoto:
    """Check, clean and keep `raw` as the technician's photo (replacing any earlier one)."""
    try:
        photo = prepare_photo(raw, max_bytes=current_app.config["TECHNICIAN_PHOTO_MAX_BYTES"])
    except PhotoRejected as exc:
        raise PhotoRefused(exc) from exc
    row = db.session.get(TechnicianPhoto, technician.id)
    if row is None:
        row = TechnicianPhoto(technician_id=technician.id)
        db.session.add(row)
    row.data, row.etag, row.width, row.height = photo.data, photo.etag, photo.width, photo.height
    row.uploaded_at, row.uploaded_by = utcnow(), by
    db.session.flush()
    return row


def remove_photo(*, technician: Technician) -> None:
    """Back to the initials; removing a photo that is not there is not an error."""
    row = db.session.get(TechnicianPhoto, technician.id)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def photo_of(technician_id: int) -> TechnicianPhoto | None:
    return db.session.get(TechnicianPhoto, technician_id)


def photo_etag_of(technician_id: int) -> str | None:
    """The etag alone (no image bytes): enough to link the photo or key a card."""
    return db.session.scalar(select(TechnicianPhoto.etag)
                             .where(TechnicianPhoto.technician_id == technician_id))


def photo_etags() -> dict[int, str]:
    """technician id → photo etag, for everyone who has a photo (bulk rendering)."""
    rows = db.session.execute(select(TechnicianPhoto.technician_id, TechnicianPhoto.etag))
    return {technician_id: etag for technician_id, etag in rows}


def photo_by_etag(etag: str) -> TechnicianPhoto:
    row = db.session.scalar(select(TechnicianPhoto).where(TechnicianPhoto.etag == etag).limit(1))
    if row is None:
        raise NotFound("照片不存在 (photo not found)", code="photo_not_found")
    return row


def photo_summary(row: TechnicianPhoto, employee_no: str) -> dict:
    base = current_app.config["PUBLIC_BASE_URL"]
    return {"employee_no": employee_no, "photo_url": base + photo_url(row.etag),
            "etag": row.etag, "width": row.width, "height": row.height,
            "uploaded_at": row.uploaded_at}

