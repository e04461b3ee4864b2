"""Sanction terms, months, the sampling estimates (pure) and the callback-sampling API."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.extensions import db
from app.fraud.models import FraudSampleItem
from app.fraud.rules import (
    SampledCall, band_of, estimate_quality, month_of, sanction_terms, star_eligible)


def test_sanction_terms():
    first, second, third = sanction_terms(1), sanction_terms(2), sanction_terms(3)
    assert (first.fine, first.suspension) == (5000, False)
    assert (second.fine, second.suspension, third.fine) == (1000, True, 1000)
    assert sanction_terms(1, first_fine=3000).fine == 3000


def test_a_confirmed_fraud_costs_the_months_star_eligibility():
    assert star_eligible(0) is True
    assert star_eligible(1) is False and star_eligible(4) is False


def test_month_is_taken_in_the_operators_zone():
    late_utc = datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)      # 11-01 01:00 in Shanghai
    assert month_of(late_utc, "Asia/Shanghai") == "2026-11"
    assert month_of(late_utc, "UTC") == "2026-10"


def test_score_bands():
    assert [band_of(s) for s in (0.95, 0.7, 0.45, None)] == ["high", "medium", "low", "unflagged"]


def test_estimates_weigh_each_stratum_by_its_population():
    calls = ([SampledCall("high", ("burst",), "customer_denied")] * 9
             + [SampledCall("high", ("burst",), "customer_confirmed")]
             + [SampledCall("unflagged", (), "customer_denied")]
             + [SampledCall("unflagged", (), "customer_confirmed")] * 9
             + [SampledCall("unflagged", (), "unreachable")])
    result = estimate_quality(calls, {"high": 100, "unflagged": 1000}, ("burst", "shared_device"))
    assert result["overall"]["precision"] == 0.9
    # 90 fakes caught among 100 flagged; about 100 missed among 1000 unflagged.
    assert result["estimated_fake_ratings"] == 190.0
    assert result["overall"]["recall"] == pytest.approx(90 / 190, abs=1e-3)
    assert result["detectors"]["burst"]["precision"] == 0.9
    assert result["detectors"]["shared_device"] == {"calls": 0, "denied": 0, "precision": None,
                                                    "recall": 0.0}
    assert (result["unreachable"], result["answered"]) == (1, 20)


def test_sampling_api(client, auditor, ring):
    month = ring["month"]
    client.post("/api/v1/admin/fraud/scan", json={"month": month}, headers=auditor)
    drawn = client.post("/api/v1/admin/fraud/samples",
                        json={"month": month, "per_band": 2, "unflagged": 5, "seed": 7},
                        headers=auditor)
    assert drawn.status_code == 201, drawn.json
    body = drawn.json
    assert sum(body["populations"].values()) == 5 and body["populations"]["unflagged"] == 1
    strata = [i["stratum"] for i in body["items"]]
    assert strata.count("unflagged") == 1 and len(strata) == 3
    assert all(i["phone"] for i in body["items"])          # the auditor has to place the call
    for item in body["items"]:
        outcome = "customer_confirmed" if item["stratum"] == "unflagged" else "customer_denied"
        answer = client.post(f"/api/v1/admin/fraud/samples/{body['id']}/items/{item['id']}/outcome",
                             json={"outcome": outcome, "note": "已回访"}, headers=auditor)
        assert answer.status_code == 200
    estimates = client.get(f"/api/v1/admin/fraud/samples/{body['id']}",
                           headers=auditor).json["estimates"]
    assert estimates["overall"] == {"calls": 2, "denied": 2, "precision": 1.0, "recall": 1.0}
    assert estimates["pending"] == 0
    item_id = db.session.scalar(select(FraudSampleItem.id).limit(1))
    wrong = client.post(f"/api/v1/admin/fraud/samples/{body['id'] + 1}/items/{item_id}/outcome",
                        json={"outcome": "unreachable"}, headers=auditor)
    assert wrong.status_code == 404
    bad = client.post(f"/api/v1/admin/fraud/samples/{body['id']}/items/{item_id}/outcome",
                      json={"outcome": "maybe"}, headers=auditor)
    assert bad.status_code == 422


def test_cli_sample(app, ring):
    app.test_cli_runner().invoke(args=["fraud", "scan", "--month", ring["month"]])
    result = app.test_cli_runner().invoke(args=["fraud", "sample", "--month", ring["month"],
                                                "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert '"calls": 5' in result.output
