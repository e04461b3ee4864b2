"""The amounts an operator configures are the ones a decision applies: the fines and the days of
待岗培训 come from FRAUD_FINE_FIRST, FRAUD_FINE_REPEAT and FRAUD_SUSPENSION_DAYS as set, not from
SPEC's defaults written elsewhere."""
from datetime import datetime, timezone

from sqlalchemy import select

from app.extensions import db
from app.masterdata.models import TechnicianSuspension
from tests.fraud.test_cases_api import (
    NOTE, cases, early_rating_in, offences_of, pay_sheet_line, post)
from tests.fraud.test_fraud_review_api import scan


def test_the_configured_fines_and_suspension_are_applied(client, auditor, ring, app, monkeypatch):
    monkeypatch.setitem(app.config, "FRAUD_FINE_FIRST", 1234)
    monkeypatch.setitem(app.config, "FRAUD_FINE_REPEAT", 321)
    monkeypatch.setitem(app.config, "FRAUD_SUSPENSION_DAYS", 9)
    tech = ring["technician"]
    scan(client, auditor, ring["month"])
    early_rating_in(tech, datetime(2026, 11, 10, 2, tzinfo=timezone.utc))
    scan(client, auditor, "2026-11")
    for case in sorted(cases(client, auditor), key=lambda c: c["month"]):
        response = post(client, auditor, f"cases/{case['id']}/decision",
                        {"decision": "confirmed", "note": NOTE})
        assert response.status_code == 200, response.json

    fines = [(o["offence_no"], o["fine"]) for o in offences_of(client, auditor, tech.employee_no)]
    assert sorted(fines) == [(1, 1234), (2, 321)]
    assert pay_sheet_line(client, auditor, tech, ring["month"])["penalties"]["fraud"] == "1234.00"
    suspension = db.session.scalar(select(TechnicianSuspension))
    assert (suspension.ends_on - suspension.starts_on).days + 1 == 9
