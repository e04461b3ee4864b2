"""Fraud review operations. Other domains (reports) read sanctions only through this module."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.fraud.models import Sanction


def confirmed_frauds_by_technician(months: list[str]) -> dict[int, int]:
    """Active sanctions (confirmed frauds) per technician id in the given YYYY-MM months."""
    rows = db.session.execute(
        select(Sanction.technician_id, func.count())
        .where(Sanction.month.in_(months), Sanction.revoked_at.is_(None))
        .group_by(Sanction.technician_id))
    return {technician_id: count for technician_id, count in rows}
