"""Cell parsers are pure functions: no database, no Flask."""
from datetime import datetime, timezone

import pytest
from hypothesis import example, given, strategies as st

from app.masterdata import fields as f


@pytest.mark.parametrize("raw, expected", [
    ("13800000001", "13800000001"), ("138 0000 0001", "13800000001"),
    ("+86 138-0000-0001", "13800000001"), ("0352-5551234", "03525551234")])
def test_phone_normalizes(raw, expected):
    assert f.phone(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "123", "1380000000123456", "138000O0001"])
def test_phone_rejects(raw):
    with pytest.raises(ValueError):
        f.phone(raw)


def test_choice_accepts_codes_case_insensitively_and_chinese_words():
    parse = f.choice("install", "move", "repair")
    assert parse("INSTALL") == "install"
    assert parse("移机") == "move"
    with pytest.raises(ValueError, match="install, move, repair"):
        parse("demolish")


def test_timestamp_defaults_to_beijing_time():
    assert f.timestamp("2026-10-01 00:30") == datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc)
    assert f.timestamp("2026-10-01T00:30:00Z") == datetime(2026, 10, 1, 0, 30, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        f.timestamp("01/10/2026")


@pytest.mark.parametrize("raw, expected", [("true", True), ("是", True), ("1", True),
                                           ("FALSE", False), ("否", False), ("0", False)])
def test_boolean(raw, expected):
    assert f.boolean(raw) is expected


@given(st.text(max_size=40))
@example("GD001\n")          # `$` also matches before a final newline
def test_code_only_accepts_safe_business_keys(value):
    try:
        parsed = f.code(32)(value)
    except ValueError:
        return
    assert parsed == value and 0 < len(value) <= 32
    assert all(c.isascii() and (c.isalnum() or c in "@._-") for c in value)
