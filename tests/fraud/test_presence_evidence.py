"""Presence (在场扫码) as evidence: shown per rating on the case, and a technician whose ratings
almost never carry it while peers' mostly do is context, never a flag alone."""
from datetime import timedelta

from app.extensions import db
from app.fraud.detectors import DetectorResult
from app.fraud.detectors.combine import DEFAULT_WEIGHTS, noisy_or, rating_level
from app.fraud.detectors.presence import presence_habit
from tests.fraud.test_cases_api import case_of, cases, scan
from tests.fraud.test_fraud_detectors import T0, rf


def test_the_case_shows_presence_per_rating(client, auditor, ring):
    ring["ratings"][0].presence = True
    db.session.flush()
    scan(client, auditor, ring["month"])
    (case,) = cases(client, auditor, status="open")
    detail = case_of(client, auditor, case["id"])
    shown = {r["rating_id"]: r["presence"] for r in detail["ratings"]}
    assert shown == {r.id: r is ring["ratings"][0] for r in ring["ratings"]}


def _area(technicians=10, per=20, share=0.8):
    return [rf(technician_id=t, employee_no=f"P{t}", presence=i < share * per,
               rated_at=T0 + timedelta(hours=i)) for t in range(10, 10 + technicians)
            for i in range(per)]


def test_a_technician_without_presence_among_peers_who_have_it_is_context():
    mine = [rf(technician_id=1, employee_no="ZW0001", presence=False) for _ in range(20)]
    found = presence_habit(_area() + mine)
    assert set(found) == {r.rating_id for r in mine}
    result = found[mine[0].rating_id]
    assert "在场扫码" in result.detail_zh and result.evidence["peer_share"] == 0.8
    # Context only: alone it scores nothing and never reaches a threshold.
    assert noisy_or([result], DEFAULT_WEIGHTS) == 0
    assert rating_level([result], DEFAULT_WEIGHTS) == 0
    ring = DetectorResult("rating_ring", 0.7, "团伙", "ring", {"x": 1})
    assert noisy_or([ring, result], DEFAULT_WEIGHTS) > noisy_or([ring], DEFAULT_WEIGHTS)


def test_nothing_is_said_while_few_technicians_use_the_live_badge():
    mine = [rf(technician_id=1, employee_no="ZW0001", presence=False) for _ in range(20)]
    assert presence_habit(_area(share=0.2) + mine) == {}


def test_small_samples_say_nothing():
    mine = [rf(technician_id=1, employee_no="ZW0001", presence=False) for _ in range(4)]
    assert presence_habit(_area() + mine) == {}
