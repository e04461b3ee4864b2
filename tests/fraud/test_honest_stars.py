"""Honest stars left alone: outliers are context only, and shared praise is weighed by how much it
says over a realistic month of comments (tests/fraud/praise.py), not over hand-picked strings."""
import random
from datetime import timedelta

from app.fraud.detectors import DetectorResult, duplicate_comment, noisy_or
from app.fraud.detectors.combine import DEFAULT_WEIGHTS
from app.fraud.detectors.run import ScanContext, judge
from app.fraud.detectors.outliers import TechnicianStats
from app.fraud.detectors.text import comment_corpus, normalize
from tests.fraud.praise import month_of_praise
from tests.fraud.test_fraud_detectors import T0, rf

COPIED = "师傅下午三点准时上门，把光猫从玄关移到了客厅电视柜旁边，还顺手把书房的网线重新压了水晶头"


def _month(technicians=40, per_technician=35, seed=3):
    """Honest ratings with varied short praise, `per_technician` for each technician."""
    texts = month_of_praise(technicians * per_technician, seed)
    rng = random.Random(seed)
    return [rf(technician_id=t, employee_no=f"ZW{t:04d}", comment=texts[t * per_technician + i],
               rated_at=T0 + timedelta(hours=rng.randint(1, 600)))
            for t in range(technicians) for i in range(per_technician)]


def _counts(ratings):
    techs = {}
    for r in ratings:
        techs.setdefault(normalize(r.comment), set()).add(r.technician_id)
    return {text: len(t) for text, t in techs.items()}


def test_varied_short_praise_of_a_month_flags_nobody():
    month = _month()
    corpus, counts = comment_corpus(r.comment for r in month), _counts(month)
    found = {}
    for t in range(40):
        found.update(duplicate_comment([r for r in month if r.technician_id == t],
                                       text_technicians=counts, corpus=corpus))
    # Near variants do pair up (the detector sees them) but say too little to matter.
    assert all(r.score * DEFAULT_WEIGHTS["duplicate_comment"] < 0.1 for r in found.values())


def test_near_variants_of_one_praise_are_seen_as_common():
    month = _month()
    pair = [rf(technician_id=99, comment="装维师傅WiFi信号好多了！"),
            rf(technician_id=99, comment="这位师傅WiFi信号好多了")]
    corpus = comment_corpus(r.comment for r in month + pair)
    found = duplicate_comment(pair, text_technicians=_counts(month + pair), corpus=corpus)
    assert all(r.score < 0.15 for r in found.values())


def test_long_specific_sentence_copied_across_one_technicians_accounts_is_flagged():
    month = _month()
    copies = [rf(technician_id=7, employee_no="ZW0007", comment=COPIED),
              rf(technician_id=7, employee_no="ZW0007", comment=COPIED.replace("，", " ")),
              rf(technician_id=7, employee_no="ZW0007", comment=COPIED + "！")]
    everything = month + copies
    corpus = comment_corpus(r.comment for r in everything)
    found = duplicate_comment([r for r in everything if r.technician_id == 7],
                              text_technicians=_counts(everything), corpus=corpus)
    assert {r.rating_id for r in copies} <= set(found)
    assert all(found[r.rating_id].score > 0.9 for r in copies)
    assert found[copies[0].rating_id].evidence["information_bits"] > 200
    assert not found[copies[0].rating_id].evidence["stock_phrase"]


def test_outliers_never_flag_alone_and_never_outrank_rating_level_evidence():
    outlier = DetectorResult("response_rate_outlier", 1.0, "参评率高", "high", {"x": 1})
    fast = DetectorResult("fast_response_outlier", 1.0, "快", "fast", {"x": 1})
    assert noisy_or([outlier, fast], DEFAULT_WEIGHTS) == 0
    weak = DetectorResult("duplicate_comment", 0.1, "相似", "similar", {"x": 1})
    ring = DetectorResult("multi_account_rater", 0.6, "多账号", "ring", {"x": 1})
    assert noisy_or([weak, outlier, fast], DEFAULT_WEIGHTS) < noisy_or([ring], DEFAULT_WEIGHTS)


def test_star_technician_with_high_participation_is_not_flagged():
    month = _month(technicians=12, per_technician=20)
    star = [rf(technician_id=50, employee_no="ZW0050", comment=text,
               rated_at=T0 + timedelta(hours=i, minutes=3), completed_at=T0 + timedelta(hours=i))
            for i, text in enumerate(month_of_praise(75, seed=11))]
    stats = [TechnicianStats(t, f"ZW{t:04d}", "城区", 55, 20, 2) for t in range(12)]
    stats.append(TechnicianStats(50, "ZW0050", "城区", 88, 75, 70))
    verdicts = judge(ScanContext(ratings=month + star, technician_stats=stats),
                     weights=DEFAULT_WEIGHTS, threshold=0.4)
    assert not ({r.rating_id for r in star} & set(verdicts))


def test_six_stock_phrases_in_one_fixed_order_copied_is_flagged():
    month = _month()
    text = "师傅非常专业，准时上门，安装速度很快，讲解耐心细致，服务态度特别好，五星好评{}"
    copies = [rf(technician_id=9, employee_no="ZW0009", comment=text.format(end))
              for end in ("！", "。", "👍", "~")]
    everything = month + copies
    found = duplicate_comment([r for r in everything if r.technician_id == 9],
                              text_technicians=_counts(everything),
                              corpus=comment_corpus(r.comment for r in everything))
    assert all(found[r.rating_id].score > 0.5 for r in copies)
