"""The rating rules as pure functions (SPEC flow 4 and "Rules")."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from app.rating import rules
from app.rating.rules import Callback, EffectiveStar, effective_star
from app.rating.tags import DEFAULT_TAGS, tag_stars

T0 = datetime(2026, 10, 5, 10, tzinfo=timezone.utc)


def cb(channel, result, hours=0):
    return Callback(channel, result, T0 + timedelta(hours=hours))


def test_wechat_rating_wins_over_everything():
    assert effective_star(5, [cb("manual", "dissatisfied")]) == EffectiveStar(5, "wechat")
    assert effective_star(2, []) == EffectiveStar(2, "wechat")


@pytest.mark.parametrize("result, stars", [("dissatisfied", 1), ("satisfied", 3), ("no_answer", 3)])
def test_callback_results(result, stars):
    assert effective_star(None, [cb("ivr", result)]) == EffectiveStar(stars, "ivr")


def test_no_rating_no_callback_is_three_default():
    assert effective_star(None, []) == EffectiveStar(3, "default")


def test_manual_outranks_a_later_ivr():
    callbacks = [cb("manual", "satisfied", 0), cb("ivr", "dissatisfied", 5)]
    assert effective_star(None, callbacks) == EffectiveStar(3, "manual")


def test_latest_of_the_same_channel_wins():
    callbacks = [cb("ivr", "dissatisfied", 9), cb("ivr", "satisfied", 1)]
    assert effective_star(None, callbacks) == EffectiveStar(1, "ivr")
    callbacks = [cb("manual", "dissatisfied", 1), cb("manual", "no_answer", 2)]
    assert effective_star(None, callbacks) == EffectiveStar(3, "manual")


@given(st.lists(st.tuples(st.sampled_from(["ivr", "manual"]),
                          st.sampled_from(["satisfied", "dissatisfied", "no_answer"]),
                          st.integers(0, 1000)), max_size=6),
       st.one_of(st.none(), st.integers(1, 5)))
def test_effective_star_is_always_a_star_with_a_known_source(raw, wechat):
    callbacks = [cb(c, r, h) for c, r, h in raw]
    result = effective_star(wechat, callbacks)
    assert result.stars in rules.STARS
    assert result.source in ("wechat", "ivr", "manual", "default")
    if wechat is None and any(c.channel == "manual" for c in callbacks):
        assert result.source == "manual"
    # order of the input never matters
    assert effective_star(wechat, list(reversed(callbacks))) == result


def test_rating_window():
    assert rules.in_rating_window(T0, T0 + timedelta(days=6, hours=23), 7)
    assert not rules.in_rating_window(T0, T0 + timedelta(days=7), 7)


def test_clean_comment_strips_control_characters_keeps_emoji_and_lines():
    assert rules.clean_comment("  很好\x00\x07👍🏻 师傅\u200b\n第二行\r\n ") == "很好👍🏻 师傅\n第二行"
    family = "👨\u200d👩\u200d👧"
    assert rules.clean_comment(family) == family


def test_tags_must_fit_the_stars():
    stars_of = tag_stars(DEFAULT_TAGS)
    assert rules.misfit_tags(5, ["on_time", "friendly"], stars_of) == []
    assert rules.misfit_tags(5, ["rude"], stars_of) == ["rude"]
    assert rules.misfit_tags(3, ["unresolved"], stars_of) == []
    assert rules.misfit_tags(3, ["on_time"], stars_of) == ["on_time"]
    assert rules.misfit_tags(4, ["no_such_tag"], stars_of) == ["no_such_tag"]


def test_catalogue_matches_spec_labels():
    labels = {t.label: t.polarity for t in DEFAULT_TAGS}
    assert [l for l, p in labels.items() if p == "positive"] == [
        "准时上门", "穿戴工装鞋套", "专业高效", "讲解使用方法", "清理现场", "态度热情"]
    assert [l for l, p in labels.items() if p == "negative"] == [
        "未按约上门", "态度差", "问题未解决", "私自收费", "诱导好评", "未清理现场"]


def test_low_ratings_open_recovery():
    assert rules.opens_recovery(1) and rules.opens_recovery(2) and not rules.opens_recovery(3)
