from datetime import datetime, timezone

import pytest

from app.timeutil import Month, Quarter, month_bounds, parse_timestamp, quarter_bounds


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


def test_a_month_reads_and_writes_itself():
    month = Month.parse("2026-03")
    assert (month.year, month.number, str(month)) == (2026, 3, "2026-03")
    assert str(Month(987, 1)) == "0987-01"
    for bad in ("2026-13", "2026-3", "26-03", ""):
        with pytest.raises(ValueError):
            Month.parse(bad)


def test_months_step_across_years_and_order_by_time():
    assert str(Month.parse("2026-12").next()) == "2027-01"
    assert str(Month.parse("2027-01").prev()) == "2026-12"
    assert str(Month.parse("2026-06").next().prev()) == "2026-06"
    assert Month.parse("2026-09") < Month.parse("2026-10") < Month.parse("2027-01")


def test_the_month_of_a_moment_is_taken_in_the_zone():
    late_utc = datetime(2026, 10, 31, 17, tzinfo=timezone.utc)      # 11-01 01:00 in Shanghai
    assert str(Month.of(late_utc, "Asia/Shanghai")) == "2026-11"
    assert str(Month.of(late_utc, "UTC")) == "2026-10"
    assert Month.parse("2026-11").contains(late_utc, "Asia/Shanghai")
    assert not Month.parse("2026-11").contains(late_utc, "UTC")


def test_month_bounds_hold_exactly_its_moments():
    start, end = Month.parse("2026-10").bounds("Asia/Shanghai")
    october = Month.parse("2026-10")
    assert october.contains(start, "Asia/Shanghai")
    assert not october.contains(end, "Asia/Shanghai")
    assert Month.parse("2026-11").bounds("Asia/Shanghai")[0] == end


def test_a_quarter_has_three_months_and_steps_across_years():
    quarter = Quarter.parse("2026Q4")
    assert [str(m) for m in quarter.months] == ["2026-10", "2026-11", "2026-12"]
    assert str(quarter.next()) == "2027Q1" and str(Quarter.parse("2027Q1").prev()) == "2026Q4"
    assert all(m.quarter == quarter for m in quarter.months)
    assert Month.parse("2026-09").quarter == Quarter.parse("2026Q3")
    for bad in ("2026Q5", "2026Q0", "2026-Q1", "2026q1"):
        with pytest.raises(ValueError):
            Quarter.parse(bad)


def test_a_quarter_is_its_three_months_end_to_end():
    quarter = Quarter.parse("2026Q4")
    start, end = quarter.bounds("Asia/Shanghai")
    assert start == quarter.months[0].bounds("Asia/Shanghai")[0]
    assert end == quarter.months[-1].bounds("Asia/Shanghai")[1]
    assert quarter.contains(start, "Asia/Shanghai") and not quarter.contains(end, "Asia/Shanghai")
    assert Quarter.of(datetime(2026, 12, 31, 17, tzinfo=timezone.utc), "Asia/Shanghai") == \
        Quarter.parse("2027Q1")

