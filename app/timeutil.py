"""Times in and out: ISO 8601 parsing with the operator's default offset, calendar periods in TIMEZONE.

Times are stored in UTC. Upstream files often omit the zone; SPEC says such times are `+08:00`.
Report months and quarters are calendar periods in the configured TIMEZONE.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from app.errors import Unprocessable

DEFAULT_OFFSET = timezone(timedelta(hours=8))
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
# Periods the service can hold data for; year 0 or 9999-12 would crash datetime arithmetic.
YEARS = range(1900, 3000)


class PeriodOutOfRange(Unprocessable, ValueError):
    """A well-formed month or quarter outside YEARS: a 422 for the API, a ValueError for the CLI."""

    code = "period_out_of_range"


def parse_timestamp(text: str, default_tz=DEFAULT_OFFSET) -> datetime:
    """Parse ISO 8601 (`2026-10-03T09:30:00`, `2026-10-03 09:30`, `...Z`, `...+08:00`) to aware UTC."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value.astimezone(timezone.utc)


def month_bounds(month: str, tz_name: str) -> tuple[datetime, datetime]:
    """`2026-10` → [start, end) in UTC of that calendar month in `tz_name`."""
    match = _MONTH.match(month or "")
    if not match:
        raise ValueError("month must look like YYYY-MM")
    year, mon = int(match[1]), int(match[2])
    return _bounds(year, mon, 1, tz_name)


def quarter_bounds(quarter: str, tz_name: str) -> tuple[datetime, datetime]:
    """`2026Q4` → [start, end) in UTC of that calendar quarter in `tz_name`."""
    match = _QUARTER.match(quarter or "")
    if not match:
        raise ValueError("quarter must look like YYYYQn")
    return _bounds(int(match[1]), (int(match[2]) - 1) * 3 + 1, 3, tz_name)


def _bounds(year: int, month: int, months: int, tz_name: str) -> tuple[datetime, datetime]:
    if year not in YEARS:
        raise PeriodOutOfRange(f"年份须在 {YEARS.start}–{YEARS.stop - 1} 之间 (year out of range)",
                               details={"year": year})
    zone = ZoneInfo(tz_name)
    start = datetime(year, month, 1, tzinfo=zone)
    end_month = month + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def isoformat_z(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None
