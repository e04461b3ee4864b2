"""Status names in Chinese and the detectors' (from their registry), shared by the console and
the flag exports."""
from __future__ import annotations

from app.fraud.detectors.registry import LABELS as DETECTORS  # noqa: F401  (what auditors call them)

FLAG_STATUSES = {"open": "待复核", "confirmed": "确认虚假", "dismissed": "排除"}
