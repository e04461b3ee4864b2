from datetime import datetime, timezone

import pytest

from app.timeutil import month_bounds, parse_timestamp, quarter_bounds


def test_month_is_a_calendar_month_in_the_zone():
    start, end = month_bounds("2026-10", "Asia/Shanghai")
    assert start == datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
    assert end == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)


def test_december_rolls_into_next_year():
    assert month_bounds("2026-12", "UTC")[1] == datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_quarter_bounds():
    start, end = quarter_bounds("2026Q4", "Asia/Shanghai")
    assert start == datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
    assert end == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-10", ""])
def test_bad_month(bad):
    with pytest.raises(ValueError):
        month_bounds(bad, "UTC")


def test_explicit_offset_is_respected():
    assert parse_timestamp("2026-10-01T08:00:00+00:00") == datetime(2026, 10, 1, 8,
                                                                      tzinfo=timezone.utc)
