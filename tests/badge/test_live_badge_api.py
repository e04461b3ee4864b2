"""The live badge through the API: a technician's phone fetches tokens, a customer's scan records
presence, and nothing old, forged or replayed gets in. Time comes from the fake clock (conftest)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.badge import service as badges
from app.badge.models import Presence
from app.extensions import db
from app.identity.service import revoke_tokens
from tests import factories
from tests.factories import bind_technician, headers_for, user


@pytest.fixture
def technician_phone():
    technician = factories.technician(name="王建国", team="城东装维一班")
    person = user()
    bind_technician(person, technician)
    return technician, headers_for(person)


def live_token(client, headers) -> dict:
    answer = client.get("/api/v1/technician/badge/live", headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json


def scan(client, token, headers):
    return client.get(f"/api/v1/badges/{token}", headers=headers)


def presences(user_id=None) -> int:
    query = select(func.count()).select_from(Presence)
    if user_id is not None:
        query = query.where(Presence.user_id == user_id)
    return db.session.scalar(query)


def test_technician_gets_a_live_token_with_its_timing(client, clock, technician_phone):
    _, headers = technician_phone
    body = live_token(client, headers)
    token = body["token"]
    assert len(token) <= 32 and token.isalnum() and token.isupper()
    assert body["expires_in"] == 25                 # 5 s into a 30 s step
    assert body["valid_for"] == 55                  # one step more: a phone offline keeps working
    assert body["step_seconds"] == 30
    assert body["url"] == f"http://rating.test/b/{token}"
    assert body["qr_png_url"] == body["url"] + ".png"
    assert client.get("/api/v1/technician/badge/live", headers=headers).headers[
        "Cache-Control"] == "no-store"


def test_the_token_changes_every_step_and_only_then(client, clock, technician_phone):
    _, headers = technician_phone
    first = live_token(client, headers)["token"]
    clock.advance(20)
    assert live_token(client, headers)["token"] == first
    clock.advance(10)
    second = live_token(client, headers)["token"]
    assert second != first
    clock.advance(30)
    assert live_token(client, headers)["token"] not in (first, second)


def test_the_live_token_is_not_the_static_one(client, clock, technician_phone):
    technician, headers = technician_phone
    static = badges.badge_token(badges.get_or_create_badge(technician))
    token = live_token(client, headers)["token"]
    assert token != static and static not in token


def test_who_may_ask_for_a_live_token(client, clock, technician_phone):
    technician, headers = technician_phone
    assert client.get("/api/v1/technician/badge/live").status_code == 401
    customer = client.get("/api/v1/technician/badge/live", headers=headers_for(user()))
    assert (customer.status_code, customer.json["error"]["code"]) == (403, "not_a_technician")
    technician.status = "suspended"
    db.session.flush()
    suspended = client.get("/api/v1/technician/badge/live", headers=headers)
    assert (suspended.status_code, suspended.json["error"]["code"]) == (403,
                                                                          "technician_inactive")


def test_a_revoked_user_token_gets_nothing(client, clock):
    technician = factories.technician()
    person = user()
    bind_technician(person, technician)
    headers = headers_for(person)
    revoke_tokens(person)
    answer = client.get("/api/v1/technician/badge/live", headers=headers)
    assert (answer.status_code, answer.json["error"]["code"]) == (401, "invalid_token")


def test_a_revoked_badge_issues_no_live_token(client, clock, technician_phone):
    technician, headers = technician_phone
    badges.revoke_badge(technician=technician, reason="工牌遗失")
    answer = client.get("/api/v1/technician/badge/live", headers=headers)
    assert (answer.status_code, answer.json["error"]["code"]) == (410, "badge_revoked")


def test_a_customer_scan_records_presence(client, clock, technician_phone):
    technician, headers = technician_phone
    token = live_token(client, headers)["token"]
    customer = user()
    answer = scan(client, token, headers_for(customer))
    assert answer.status_code == 200, answer.json
    assert answer.json["presence"] is True
    assert answer.json["technician"]["name"] == "王建国"
    row = db.session.scalar(select(Presence).where(Presence.user_id == customer.id))
    assert (row.technician_id, row.channel) == (technician.id, "miniprogram")
    # Scanning again in the same step (a retry, a reload) records nothing new.
    clock.advance(3)
    assert scan(client, token, headers_for(customer)).json["presence"] is True
    assert presences(customer.id) == 1


def test_a_static_badge_scan_is_no_presence(client, clock, technician_phone):
    technician, _ = technician_phone
    static = badges.badge_token(badges.get_or_create_badge(technician))
    customer = user()
    answer = scan(client, static, headers_for(customer))
    assert answer.status_code == 200 and answer.json["presence"] is False
    assert presences(customer.id) == 0


def test_the_previous_steps_token_still_works_offline(client, clock, technician_phone):
    _, headers = technician_phone
    token = live_token(client, headers)["token"]
    clock.advance(30 + 24)          # the phone lost its network: the last token, a step later
    assert scan(client, token, headers_for(user())).json["presence"] is True


def test_a_token_from_two_steps_ago_is_gone(client, clock, technician_phone):
    _, headers = technician_phone
    token = live_token(client, headers)["token"]
    clock.advance(60)
    answer = scan(client, token, headers_for(user()))
    assert answer.status_code == 410
    assert answer.json["error"]["code"] == "badge_expired"
    assert "刷新工牌" in answer.json["error"]["message"]
    assert presences() == 0


def test_a_forwarded_screenshot_opened_90_seconds_later_is_gone(client, clock, technician_phone):
    _, headers = technician_phone
    for _phase in range(0, 30, 7):      # whenever in its step the screenshot was taken
        token = live_token(client, headers)["token"]
        clock.advance(90)
        answer = scan(client, token, headers_for(user()))
        assert answer.status_code == 410 and answer.json["error"]["code"] == "badge_expired"
        assert client.get(f"/b/{token}.png").status_code == 410
        clock.advance(7)
    assert presences() == 0


def test_a_token_for_another_technician_cannot_be_made_from_ones_own(client, clock,
                                                                     technician_phone):
    _, headers = technician_phone
    other = factories.technician()
    badges.get_or_create_badge(other)
    token = live_token(client, headers)["token"]
    customer = headers_for(user())
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for position in range(len(token)):
        for char in alphabet[::5]:
            forged = token[:position] + char + token[position + 1:]
            if forged != token:
                answer = scan(client, forged, customer)
                assert answer.status_code == 404, (position, char)
                assert answer.json["error"]["code"] == "badge_not_found"
    assert presences() == 0


@pytest.mark.parametrize("mint_offset,check_offset", [(10, -10), (-10, 10), (10, 10), (-10, -10)])
def test_app_servers_10_seconds_apart_accept_each_others_tokens(client, clock, technician_phone,
                                                                mint_offset, check_offset):
    """One server mints with its clock `mint_offset` off, another checks with `check_offset`,
    at every phase of the step."""
    _, headers = technician_phone
    true_time = clock.now
    for phase in range(0, 30, 3):
        clock.now = true_time + phase + mint_offset
        token = live_token(client, headers)["token"]
        clock.now = true_time + phase + check_offset
        answer = scan(client, token, headers_for(user()))
        assert answer.status_code == 200, (phase, answer.json)
        assert answer.json["presence"] is True


def test_a_rotated_badge_or_a_suspended_technician_stops_live_tokens_at_once(
        client, clock, technician_phone):
    technician, headers = technician_phone
    token = live_token(client, headers)["token"]
    badges.rotate_badge(technician=technician)
    rotated = scan(client, token, headers_for(user()))
    assert (rotated.status_code, rotated.json["error"]["details"]["reason"]) == (410, "rotated")
    fresh = live_token(client, headers)["token"]        # the new version's live tokens work
    assert scan(client, fresh, headers_for(user())).status_code == 200
    technician.status = "suspended"
    db.session.flush()
    stopped = scan(client, fresh, headers_for(user()))
    assert stopped.status_code == 410
    assert stopped.json["error"]["details"]["reason"] == "technician_suspended"


def test_a_fraud_suspension_stops_issuing_and_scanning_live_tokens_until_lifted(
        client, clock, technician_phone):
    from tests.badge.test_badge_suspension import local_today, suspend
    technician, headers = technician_phone
    token = live_token(client, headers)["token"]
    last = local_today() + timedelta(days=29)
    row = suspend(technician, local_today(), last)         # 待岗培训 after a second offence
    scanned = scan(client, token, headers_for(user()))
    assert (scanned.status_code, scanned.json["error"]["details"]["reason"]) == \
        (410, "technician_suspended")
    issued = client.get("/api/v1/technician/badge/live", headers=headers)
    assert issued.status_code == 410
    assert issued.json["error"]["details"] == {"reason": "technician_suspended",
                                               "suspended_until": last.isoformat()}
    row.lifted_at = datetime.now(timezone.utc)             # a manager lifts it
    db.session.flush()
    assert scan(client, live_token(client, headers)["token"],
                headers_for(user())).status_code == 200


def test_a_live_badge_secret_of_its_own_leaves_printed_badges_alone(app, client, clock,
                                                                    technician_phone):
    technician, headers = technician_phone
    static = badges.badge_token(badges.get_or_create_badge(technician))
    token = live_token(client, headers)["token"]
    app.config["LIVE_BADGE_SECRET"] = "a-separate-live-badge-secret-of-32-chars!"
    try:
        assert scan(client, token, headers_for(user())).status_code == 404
        assert scan(client, static, headers_for(user())).status_code == 200
        assert scan(client, live_token(client, headers)["token"],
                    headers_for(user())).status_code == 200
    finally:
        app.config["LIVE_BADGE_SECRET"] = None


def test_the_live_qr_reads_back_and_is_cached_no_longer_than_it_works(client, clock,
                                                                      technician_phone, decode):
    _, headers = technician_phone
    body = live_token(client, headers)
    png = client.get(body["qr_png_url"].replace("http://rating.test", ""))
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert decode(png.data) == [body["url"]]
    assert png.headers["Cache-Control"] == f"public, max-age={body['valid_for']}"
    svg = client.get(body["qr_svg_url"].replace("http://rating.test", ""))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    clock.advance(60)
    assert client.get(body["qr_png_url"].replace("http://rating.test", "")).status_code == 410


def test_the_live_call_is_documented(client):
    document = client.get("/api/openapi.json").json
    operation = document["paths"]["/api/v1/technician/badge/live"]["get"]
    assert "LiveBadgeOut" in str(operation["responses"]["200"])
    assert {"401", "403", "410"} <= set(operation["responses"])
    scan_doc = document["paths"]["/api/v1/badges/{token}"]["get"]
    assert "badge_expired" in scan_doc["summary"]
