"""Every detector on its own: what it flags, what it says, and the honest look-alikes it leaves alone."""
import itertools
from datetime import datetime, timedelta, timezone

import pytest

from app.fraud.detectors import (
    CallbackFact, RatingFacts, Sighting, TechnicianLink, TechnicianStats, binomial_tail, burst,
    callback_contradiction, duplicate_comment, multi_account_rater, noisy_or, normalize,
    rated_before_completion, rater_is_technician, reasons, response_outliers, shared_device,
    weights_with)
from app.fraud.detectors.combine import DEFAULT_WEIGHTS
from app.fraud.detectors.run import ScanContext, judge

T0 = datetime(2026, 10, 10, 2, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)


def rf(**kw) -> RatingFacts:
    n = next(_ids)
    values = {"rating_id": n, "order_no": f"GD{n}", "account_no": f"A{n}", "technician_id": 1,
              "employee_no": "ZW1001", "user_id": 100 + n, "stars": 5,
              "rated_at": T0 + timedelta(hours=3), "completed_at": T0, "team": "城东装维班",
              "area": "城区", "account_phone": f"1390000{n:04d}", "account_address": f"迎宾街{n}号",
              "technician_phone": "13800001001"}
    values.update(kw)
    return RatingFacts(**values)


def assert_explains(result):
    assert result.detail_zh and result.detail_en and result.evidence
    assert 0 < result.score <= 1


# --- rater is a technician -------------------------------------------------------------------

def test_rater_bound_to_the_orders_technician_scores_one():
    r = rf(user_id=7)
    result = rater_is_technician(r, [TechnicianLink(7, 1, "ZW1001", "城东装维班", "138")])
    assert result.score == 1.0 and "ZW1001" in result.detail_zh
    assert_explains(result)


def test_colleague_in_the_same_team_is_flagged_and_named():
    r = rf(user_id=7)
    result = rater_is_technician(r, [TechnicianLink(7, 2, "ZW1002", "城东装维班", "137")])
    assert result.score == 0.8 and result.evidence["technicians"] == ["ZW1002"]
    assert result.evidence["same_team"] is True


def test_account_registered_with_the_technicians_phone_masks_the_phone():
    r = rf(account_phone="13800001001")
    result = rater_is_technician(r, [])
    assert result.score == 0.85
    assert "13800001001" not in result.detail_zh and "138****1001" in result.detail_zh


def test_ordinary_customer_is_not_a_technician():
    assert rater_is_technician(rf(), []) is None


# --- one WeChat user, many accounts ------------------------------------------------------------

def test_one_user_rating_five_accounts_of_one_technician():
    group = [rf(user_id=9, account_no=f"X{i}", account_address=f"街{i * 7}号") for i in range(5)]
    found = multi_account_rater(group)
    assert len(found) == 5
    result = next(iter(found.values()))
    assert result.score == pytest.approx(1.0)
    assert sorted(result.evidence["accounts"]) == [f"X{i}" for i in range(5)]
    assert_explains(result)


def test_family_with_two_accounts_is_not_flagged():
    group = [rf(user_id=9, account_no="HOME"), rf(user_id=9, account_no="PARENTS")]
    assert multi_account_rater(group) == {}


def test_family_with_three_accounts_of_different_technicians_scores_low():
    group = [rf(user_id=9, account_no=f"F{i}", technician_id=i, employee_no=f"ZW{i}",
                team=f"班{i}") for i in range(3)]
    assert all(r.score * DEFAULT_WEIGHTS["multi_account_rater"] < 0.1
               for r in multi_account_rater(group).values())


def test_landlord_with_flats_in_one_building_is_down_weighted():
    flats = [rf(user_id=9, account_no=f"L{i}", account_address=f"平城街8号{i}单元{i}01室")
             for i in range(5)]
    found = multi_account_rater(flats)
    assert all(r.score <= 0.3 for r in found.values())
    assert next(iter(found.values())).evidence["one_building"] is True


# --- shared device / address -------------------------------------------------------------------

def test_one_phone_behind_three_accounts_of_one_technician():
    ua = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"
    group = [rf(client_ip="10.1.1.1", user_agent=ua) for _ in range(3)]
    found = shared_device(group, ip_users={"10.1.1.1": 3})
    assert len(found) == 3
    result = next(iter(found.values()))
    assert result.score == 0.8 and result.evidence["same_device"] is True
    assert_explains(result)


def test_office_exit_address_shared_by_many_users_is_ignored():
    group = [rf(client_ip="61.1.1.1", user_agent=f"ua{i}") for i in range(4)]
    assert shared_device(group, ip_users={"61.1.1.1": 250}) == {}


def test_one_user_rating_own_accounts_from_home_is_left_to_multi_account():
    group = [rf(user_id=3, client_ip="10.1.1.3"), rf(user_id=3, client_ip="10.1.1.3")]
    assert shared_device(group, ip_users={"10.1.1.3": 1}) == {}


def test_one_account_rated_from_home_twice_is_not_a_shared_device():
    group = [rf(client_ip="10.1.1.2", account_no="SAME"), rf(client_ip="10.1.1.2",
                                                               account_no="SAME")]
    assert shared_device(group, ip_users={"10.1.1.2": 1}) == {}


def test_rating_from_the_technicians_own_address():
    r = rf(client_ip="10.9.9.9", user_agent="ua-tech")
    seen = [Sighting(1, "10.9.9.9", "ua-tech", r.rated_at - timedelta(hours=5))]
    result = shared_device([r], ip_users={"10.9.9.9": 1}, sightings=seen)[r.rating_id]
    assert result.score == 1.0 and result.evidence["same_device"]


def test_a_rating_both_findings_see_keeps_the_stronger_one():
    """Three accounts from one phone (0.8) that is also the technician's own (1.0): the own-address
    finding is the stronger and is what the rating carries; the other two keep the shared one."""
    from app.fraud.detectors.device import several_accounts_one_address, technicians_own_address
    ua = "ua-tech"
    group = [rf(client_ip="10.9.9.8", user_agent=ua) for _ in range(3)]
    seen = [Sighting(1, "10.9.9.8", ua, group[0].rated_at - timedelta(hours=1))]
    shared = several_accounts_one_address(group, ip_users={"10.9.9.8": 3})
    own = technicians_own_address(group, ip_users={"10.9.9.8": 3}, sightings=seen)
    both = shared_device(group, ip_users={"10.9.9.8": 3}, sightings=seen)
    assert set(shared) == set(own) == set(both) == {r.rating_id for r in group}
    for rating_id, result in both.items():
        assert result.score == max(shared[rating_id].score, own[rating_id].score)
        assert "technician_seen_at" in result.evidence          # the own-address evidence won
    assert technicians_own_address(group, ip_users={"10.9.9.8": 3}, sightings=[]) == {}


# --- near-duplicate comments -------------------------------------------------------------------

def test_pasted_comment_on_three_accounts():
    text = "师傅上门准时，安装专业细致，还耐心讲解了路由器的使用方法，非常感谢！"
    group = [rf(comment=text), rf(comment=text.replace("！", "。")), rf(comment=text + "👍")]
    found = duplicate_comment(group, text_technicians={normalize(text): 1})
    assert len(found) == 3
    result = next(iter(found.values()))
    assert result.score > 0.9 and len(result.evidence["ratings"]) == 3
    assert_explains(result)


def test_common_short_praise_is_not_flagged():
    group = [rf(comment="很好"), rf(comment="很好"), rf(comment="很好！")]
    assert duplicate_comment(group, text_technicians={"很好": 40}) == {}


def test_stock_phrase_written_for_many_technicians_is_down_weighted():
    group = [rf(comment="服务非常好，非常满意"), rf(comment="服务非常好，非常满意")]
    found = duplicate_comment(group, text_technicians={normalize("服务非常好，非常满意"): 12})
    assert all(r.score * DEFAULT_WEIGHTS["duplicate_comment"] < 0.1 for r in found.values())


def test_different_comments_are_not_duplicates():
    group = [rf(comment="师傅很专业，网速很快，谢谢"), rf(comment="上门准时，还帮忙调试了电视盒子")]
    assert duplicate_comment(group, text_technicians={}) == {}


# --- bursts and times --------------------------------------------------------------------------

def test_burst_of_ratings_long_after_completion():
    at = T0 + timedelta(days=2)
    group = [rf(rated_at=at + timedelta(minutes=2 * i), completed_at=T0 - timedelta(hours=i))
             for i in range(4)]
    found = burst(group)
    assert len(found) == 4
    result = next(iter(found.values()))
    assert result.score == pytest.approx(0.8) and result.evidence["away_share"] == 1.0
    assert_explains(result)


def test_building_of_flats_rated_right_after_each_completion_is_not_a_burst():
    group = [rf(completed_at=T0 + timedelta(minutes=3 * i),
                rated_at=T0 + timedelta(minutes=3 * i + 2)) for i in range(5)]
    assert burst(group) == {}


def test_two_ratings_close_together_are_not_a_burst():
    group = [rf(rated_at=T0 + timedelta(days=1)), rf(rated_at=T0 + timedelta(days=1, minutes=1))]
    assert burst(group) == {}


def test_rated_before_completion_and_clock_skew_tolerance():
    early = rf(rated_at=T0 - timedelta(hours=1), completed_at=T0)
    result = rated_before_completion(early)
    assert result.score == 0.9 and result.evidence["minutes_early"] == 60.0
    assert rated_before_completion(rf(rated_at=T0 - timedelta(minutes=2), completed_at=T0)) is None


# --- callbacks ----------------------------------------------------------------------------------

def test_five_stars_against_a_dissatisfied_manual_callback():
    result = callback_contradiction(rf(stars=5), [
        CallbackFact("ivr", "satisfied", T0 + timedelta(hours=1)),
        CallbackFact("manual", "dissatisfied", T0 + timedelta(hours=4))])
    assert result.score == 0.8 and len(result.evidence["callbacks"]) == 2
    assert_explains(result)


def test_low_star_or_satisfied_callbacks_are_consistent():
    unhappy = [CallbackFact("ivr", "dissatisfied", T0)]
    assert callback_contradiction(rf(stars=2), unhappy) is None
    assert callback_contradiction(rf(stars=5), [CallbackFact("ivr", "satisfied", T0)]) is None


# --- peer outliers ------------------------------------------------------------------------------

def test_binomial_tail_values():
    assert binomial_tail(5, 5, 0.5) == pytest.approx(1 / 32)
    assert binomial_tail(0, 10, 0.3) == 1.0
    assert binomial_tail(11, 10, 0.3) == 0.0
    assert binomial_tail(3, 10, 0.3) == pytest.approx(0.6172, abs=1e-4)


def _area(n_peers=10, completed=60, rated=30, fast=3):
    return [TechnicianStats(10 + i, f"P{i}", "城区", completed, rated, fast) for i in range(n_peers)]


def test_participation_far_above_peers_is_an_outlier():
    found = response_outliers(_area() + [TechnicianStats(1, "ZW1001", "城区", 60, 58, 2)])
    result = found[1][0]
    assert result.id == "response_rate_outlier" and result.score > 0.5
    assert result.evidence["tail_probability"] < 1e-6


def test_small_samples_do_not_trigger():
    assert 1 not in response_outliers(_area() + [TechnicianStats(1, "ZW1001", "城区", 5, 5, 5)])


def test_fast_responses_far_above_peers():
    found = response_outliers(_area() + [TechnicianStats(1, "ZW1001", "城区", 60, 30, 28)])
    assert [r.id for r in found[1]] == ["fast_response_outlier"]


# --- combining ----------------------------------------------------------------------------------

def test_noisy_or_and_reasons_order():
    strong = rater_is_technician(rf(user_id=7), [TechnicianLink(7, 1, "ZW1001", "x", "1")])
    weak = rated_before_completion(rf(rated_at=T0 - timedelta(hours=1)))
    weights = {"rater_is_technician": 0.5, "rated_before_completion": 0.5}
    assert noisy_or([strong, weak], weights) == pytest.approx(1 - 0.5 * 0.55)
    assert [r["detector"] for r in reasons([weak, strong], weights)] == [
        "rater_is_technician", "rated_before_completion"]


def test_weights_from_configuration_are_checked():
    assert weights_with({"burst": 0.2})["burst"] == 0.2
    with pytest.raises(ValueError):
        weights_with({"nope": 1})
    with pytest.raises(ValueError):
        weights_with({"burst": 3})


def test_judge_gives_one_verdict_per_flagged_rating_with_every_reason():
    ua = "ua-same"
    text = "安装师傅非常认真负责，调试完网络还帮我检查了家里的线路，点赞"
    fraud = [rf(user_id=5, account_no=f"Q{i}", client_ip="10.0.0.5", user_agent=ua, comment=text,
                rated_at=T0 + timedelta(days=1, minutes=i)) for i in range(4)]
    honest = [rf(comment="很好", rated_at=T0 + timedelta(minutes=20 + 90 * i)) for i in range(3)]
    ctx = ScanContext(ratings=fraud + honest, ip_users={"10.0.0.5": 1})
    verdicts = judge(ctx, weights=DEFAULT_WEIGHTS, threshold=0.4)
    assert set(verdicts) == {r.rating_id for r in fraud}
    # One identity on one phone is the multi-account case; shared_device needs several identities.
    assert set(verdicts[fraud[0].rating_id].detectors) == {
        "multi_account_rater", "duplicate_comment", "burst"}
    assert verdicts[fraud[0].rating_id].score > 0.95


def test_long_template_handed_round_a_few_technicians_is_not_excused():
    text = "服务一流，工装鞋套穿戴整齐，完工后还清理了现场，必须五星好评"
    group = [rf(comment=text), rf(comment=text), rf(comment=text + "！")]
    found = duplicate_comment(group, text_technicians={normalize(text): 3})
    assert all(r.score > 0.9 and not r.evidence["stock_phrase"] for r in found.values())


def test_the_scan_gives_a_suspected_rating_its_technicians_outlier_context():
    """A copied-device finding on an outlier technician carries the participation outlier as
    context, which raises its score; the technician's other, unsuspected ratings get no flag."""
    from app.fraud.detectors.run import detect
    ua = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50"
    day = datetime(2026, 10, 10, 2, tzinfo=timezone.utc)
    suspected = [rf(technician_id=1, client_ip="10.1.1.1", user_agent=ua,       # hours apart:
                    completed_at=day + timedelta(hours=6 * i),                  # no burst
                    rated_at=day + timedelta(hours=6 * i, minutes=20)) for i in range(3)]
    honest = rf(technician_id=1, client_ip="10.7.7.7", user_agent="ua-other",
                completed_at=day + timedelta(days=3), rated_at=day + timedelta(days=3, minutes=20))
    ratings = suspected + [honest]
    stats = _area() + [TechnicianStats(1, "ZW1001", "城区", 60, 58, 2)]
    plain = ScanContext(ratings=ratings, ip_users={"10.1.1.1": 3, "10.7.7.7": 1})
    with_stats = ScanContext(ratings=ratings, ip_users={"10.1.1.1": 3, "10.7.7.7": 1},
                             technician_stats=stats)
    found = detect(with_stats)
    assert "response_rate_outlier" in {r.id for r in found[suspected[0].rating_id]}
    before = judge(plain, weights=DEFAULT_WEIGHTS, threshold=0.4)
    after = judge(with_stats, weights=DEFAULT_WEIGHTS, threshold=0.4)
    assert after[suspected[0].rating_id].score > before[suspected[0].rating_id].score
    assert honest.rating_id not in after                # context alone flags nothing
