"""The live badge in browsers: the H5 landing records presence (through the WeChat sign-in when
needed), an expired code says "请让装维人员刷新工牌", and the technician's own live page."""
import base64
import re

import pytest
import requests
from sqlalchemy import select

from app.badge import presence as live_badges
from app.badge.models import Presence
from app.extensions import db
from app.identity.decorators import H5_SESSION_USER
from app.identity.tokens import TokenClaims
from tests import factories
from tests.factories import bind_technician, user

WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit Mobile MicroMessenger/8.0.50"}
SAFARI = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit Mobile Safari/604.1"}


def sign_in(client, person):
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [person.id, person.token_version]


@pytest.fixture
def technician_badge(clock):
    """A technician bound to a WeChat user, and a function giving their current live token."""
    technician = factories.technician(name="李明")
    person = user()
    bind_technician(person, technician)

    def current() -> str:
        return live_badges.issue_live_badge(TokenClaims(person.id, 0), at=clock()).token
    return technician, person, current


def recorded(user_id=None):
    query = select(Presence)
    if user_id is not None:
        query = query.where(Presence.user_id == user_id)
    return list(db.session.scalars(query))


def wechat_oauth(client, login_path, wechat, who):
    """Follow /h5/login through the loopback WeChat simulator as `who`; the callback's redirect."""
    start = client.get(login_path)
    authorize = start.headers["Location"]
    back = requests.get(authorize.split("#")[0], cookies={"sim_user": who},
                        allow_redirects=False, timeout=5).headers["Location"]
    return client.get(back.replace("http://rating.test", ""))


def test_a_signed_in_customer_is_recorded_present(client, technician_badge):
    technician, _, current = technician_badge
    customer = user()
    sign_in(client, customer)
    token = current()
    page = client.get(f"/b/{token}", headers=WECHAT)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "已记录在场扫码" in html and "李明" in html
    (row,) = recorded(customer.id)
    assert (row.technician_id, row.channel) == (technician.id, "h5")
    # Rating goes on under the printed badge's token, which does not expire while one types.
    static = re.search(r'id="rate" href="/b/([A-Z2-7]+)/rate"', html).group(1)
    assert static != token and len(static) < len(token)


def test_an_anonymous_wechat_browser_keeps_its_presence_through_a_slow_sign_in(
        client, clock, technician_badge, wechat):
    _, _, current = technician_badge
    token = current()
    opened = client.get(f"/b/{token}", headers=WECHAT)
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/h5/login?next=%2Fb%2F{token}"
    clock.advance(75)               # the sign-in took long: the code itself has expired meanwhile
    back = wechat_oauth(client, opened.headers["Location"], wechat, "zhou")
    assert back.headers["Location"] == f"/b/{token}"
    landing = client.get(f"/b/{token}", headers=WECHAT)
    assert landing.status_code == 200
    assert "已记录在场扫码" in landing.get_data(as_text=True)
    assert len(recorded()) == 1


def test_a_forwarded_screenshot_opened_90_seconds_later_gets_nothing(
        app, client, clock, technician_badge, wechat):
    _, _, current = technician_badge
    token = current()
    assert client.get(f"/b/{token}", headers=WECHAT).status_code == 302   # the customer at the door
    clock.advance(90)
    relative = app.test_client()            # another phone, the screenshot's
    signed_in = user()
    sign_in(relative, signed_in)
    page = relative.get(f"/b/{token}", headers=WECHAT)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "请让装维人员刷新工牌" in html and "<html" in html
    anonymous = app.test_client().get(f"/b/{token}", headers=WECHAT)
    assert anonymous.status_code == 410 and "请让装维人员刷新工牌" in anonymous.get_data(
        as_text=True)
    assert recorded() == []


def test_a_sign_in_slower_than_the_allowance_gets_nothing(app, client, clock, technician_badge,
                                                          wechat):
    _, _, current = technician_badge
    token = current()
    opened = client.get(f"/b/{token}", headers=WECHAT)
    clock.advance(app.config["PRESENCE_SIGNIN_SECONDS"] + 1)
    wechat_oauth(client, opened.headers["Location"], wechat, "wu")
    assert client.get(f"/b/{token}", headers=WECHAT).status_code == 410
    assert recorded() == []


def test_the_note_vouches_for_its_own_token_only(client, clock, technician_badge):
    _, _, current = technician_badge
    first = current()
    client.get(f"/b/{first}", headers=WECHAT)           # noted while live
    other_technician = factories.technician()
    other = user()
    bind_technician(other, other_technician)
    stale = live_badges.issue_live_badge(TokenClaims(other.id, 0), at=clock() - 120).token
    sign_in(client, user())
    assert client.get(f"/b/{stale}", headers=WECHAT).status_code == 410
    assert recorded() == []


def test_outside_wechat_the_landing_shows_but_records_nothing(client, technician_badge):
    _, _, current = technician_badge
    page = client.get(f"/b/{current()}", headers=SAFARI)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "李明" in html and "已记录在场扫码" not in html and "在微信中扫码" in html
    assert recorded() == []


def test_a_static_badge_landing_is_unchanged(client, technician_badge):
    from app.badge import service as badges
    technician, _, _ = technician_badge
    sign_in(client, user())
    static = badges.badge_token(badges.get_or_create_badge(technician))
    html = client.get(f"/b/{static}", headers=WECHAT).get_data(as_text=True)
    assert "工牌有效" in html and 'id="presence"' not in html
    assert recorded() == []


# -- the technician's own live page --------------------------------------------------------------

def test_technicians_live_page_shows_a_readable_live_code(client, clock, technician_badge, decode):
    _, person, _ = technician_badge
    sign_in(client, person)
    page = client.get("/h5/technician/badge")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "李明" in html and "秒后刷新" in html
    token = re.search(r'data-token="([A-Z2-7]{32})"', html).group(1)
    data = client.get("/h5/technician/badge/live.json").json
    assert data["token"] == token and data["expires_in"] == 25
    svg = base64.b64decode(data["qr_data_url"].split(",", 1)[1])
    assert b"<svg" in svg
    clock.advance(30)
    later = client.get("/h5/technician/badge/live.json").json
    assert later["token"] != token


def test_the_live_page_is_for_signed_in_active_technicians(client, technician_badge):
    technician, person, _ = technician_badge
    assert client.get("/h5/technician/badge").status_code == 302           # to WeChat sign-in
    answer = client.get("/h5/technician/badge/live.json")
    assert (answer.status_code, answer.json["error"]["code"]) == (401, "invalid_token")
    sign_in(client, user())
    assert client.get("/h5/technician/badge").status_code == 403
    assert client.get("/h5/technician/badge/live.json").status_code == 403
    sign_in(client, person)
    technician.status = "left"
    db.session.flush()
    assert client.get("/h5/technician/badge").status_code == 403


def test_a_revoked_badge_shows_no_live_code(client, technician_badge):
    from app.badge import service as badges
    technician, person, _ = technician_badge
    badges.revoke_badge(technician=technician, reason="工牌遗失")
    sign_in(client, person)
    page = client.get("/h5/technician/badge")
    assert page.status_code == 410 and "此工牌已作废" in page.get_data(as_text=True)
    assert 'id="live-qr"' not in page.get_data(as_text=True)
