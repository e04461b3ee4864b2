"""One registry says which detectors exist, their weights, labels and where they run."""
from datetime import timedelta

from app.fraud.detectors import DETECTOR_IDS, CallbackFact, TechnicianLink
from app.fraud.detectors.combine import CONTEXT, DEFAULT_WEIGHTS
from app.fraud.detectors.registry import AT_SUBMISSION, DETECTORS, LABELS
from app.fraud.detectors.run import ScanContext, submission_checks
from tests.fraud.test_fraud_detectors import T0, rf


def test_weights_context_and_labels_come_from_the_registry():
    assert list(DEFAULT_WEIGHTS) == [d.id for d in DETECTORS] == list(DETECTOR_IDS)
    assert CONTEXT == {"response_rate_outlier", "fast_response_outlier", "presence_habit"}
    assert all(LABELS[d] for d in DEFAULT_WEIGHTS)


def test_the_submission_check_runs_exactly_the_registrys_submission_detectors():
    done = T0 + timedelta(days=1)
    burst = [rf(user_id=7, account_no=f"B{i}", completed_at=T0 - timedelta(days=3),
                rated_at=done + timedelta(minutes=i)) for i in range(4)]
    new = rf(user_id=7, completed_at=done + timedelta(hours=1), rated_at=done + timedelta(minutes=5))
    ctx = ScanContext(ratings=burst + [new],
                      rater_links={7: [TechnicianLink(7, 1, "ZW1001", "城东装维班", "1")]},
                      callbacks={new.order_no: [CallbackFact("manual", "dissatisfied", done)]})
    assert {r.id for r in submission_checks(new, ctx)} == AT_SUBMISSION


def test_detectors_write_times_in_the_zone_they_are_given():
    from datetime import timezone
    from app.fraud.detectors import rated_before_completion
    r = rf(rated_at=T0 - timedelta(hours=1))              # T0 = 02:00 UTC
    assert "10-10 09:00" in rated_before_completion(r).detail_zh                   # +08:00 default
    assert "10-10 01:00" in rated_before_completion(r, tz=timezone.utc).detail_zh
