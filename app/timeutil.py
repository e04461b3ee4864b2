"""Times in and out: ISO 8601 parsing with the operator's default offset, calendar periods in TIMEZONE.

Times are stored in UTC. Upstream files often omit the zone; SPEC says such times are `+08:00`.
Report months and quarters are calendar periods in the configured TIMEZONE.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month (`2026-10`); its bounds are taken in a time zone (TIMEZONE)."""

    year: int
    number: int         # 1–12

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(text or "")
        if not match:
            raise ValueError("month must look like YYYY-MM")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: datetime, tz_name: str) -> Month:
        """The month `moment` falls in, in `tz_name`."""
        local = moment.astimezone(ZoneInfo(tz_name))
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.number == 12 else Month(self.year, self.number + 1)

    def prev(self) -> Month:
        return Month(self.year - 1, 12) if self.number == 1 else Month(self.year, self.number - 1)

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.number - 1) // 3 + 1)

    def bounds(self, tz_name: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC of this month in `tz_name`."""
        return _bounds(self.year, self.number, 1, tz_name)

    def contains(self, moment: datetime, tz_name: str) -> bool:
        return Month.of(moment, tz_name) == self


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (`2026Q4`); its bounds are taken in a time zone (TIMEZONE)."""

    year: int
    number: int         # 1–4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text or "")
        if not match:
            raise ValueError("quarter must look like YYYYQn")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: datetime, tz_name: str) -> Quarter:
        """The quarter `moment` falls in, in `tz_name`."""
        return Month.of(moment, tz_name).quarter

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.number}"

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def prev(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    @property
    def months(self) -> tuple[Month, Month, Month]:
        first = (self.number - 1) * 3 + 1
        return Month(self.year, first), Month(self.year, first + 1), Month(self.year, first + 2)

    def bounds(self, tz_name: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC of this quarter in `tz_name`."""
        return _bounds(self.year, (self.number - 1) * 3 + 1, 3, tz_name)

    def contains(self, moment: datetime, tz_name: str) -> bool:
        return Quarter.of(moment, tz_name) == self


def month_bounds(month: str, tz_name: str) -> tuple[datetime, datetime]:
    """`2026-10` → [start, end) in UTC of that calendar month in `tz_name`."""
    return Month.parse(month).bounds(tz_name)


def quarter_bounds(quarter: str, tz_name: str) -> tuple[datetime, datetime]:
    """`2026Q4` → [start, end) in UTC of that calendar quarter in `tz_name`."""
    return Quarter.parse(quarter).bounds(tz_name)


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
