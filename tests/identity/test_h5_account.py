"""H5 account pages: the SMS step (where the code went, resend countdown, limits in minutes,
never "sent" when nothing was), an unknown account indistinguishable from a known one, and
the bindings page with unbind."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import AccountBinding
from app.identity.sms import get_sms_backend
from app.masking import stand_in_masked_phone
from tests import factories
from tests.factories import bind, headers_for, user
from tests.pages import BROWSER, assert_customer_page, session_csrf, visible_text
from tests.rating.test_h5 import csrf_of, sign_in

MASKED = re.compile(r'id="masked-phone">(1\d\d\*{4}\d{4})<')


@pytest.fixture(autouse=True)
def fresh_backends(app):
    app.extensions.pop("sms_backend", None)
    app.extensions.pop("rate_limiter", None)


@pytest.fixture
def customer(client):
    person = user()
    sign_in(client, person)
    return person


def outbox():
    return get_sms_backend().outbox


def send(client, account_no, page=None):
    page = page or client.get("/h5/bind", headers=BROWSER)
    return client.post("/h5/bind", headers=BROWSER, data={
        "csrf_token": csrf_of(page), "account_no": account_no, "step": "send"})


def test_the_code_step_shows_the_masked_phone_and_counts_down(client, customer):
    account = factories.account(phone="13512342959")
    page = send(client, account.account_no)
    html = page.get_data(as_text=True)
    assert MASKED.search(html).group(1) == "135****2959"
    assert "13512342959" not in html
    assert 'data-wait="60"' in html
    assert [sms.phone for sms in outbox()] == ["13512342959"]
    assert_customer_page(html)


def test_asking_again_within_a_minute_sends_nothing_and_keeps_counting(client, customer):
    account = factories.account(phone="13512342959")
    first = send(client, account.account_no)
    again = send(client, account.account_no, page=first)
    html = again.get_data(as_text=True)
    assert len(outbox()) == 1
    wait = int(re.search(r'data-wait="(\d+)"', html).group(1))
    assert 0 < wait <= 60
    assert MASKED.search(html).group(1) == "135****2959"      # still where the first one went
    assert "刚才的验证码仍然有效" in html                      # and no claim of a new one


def test_account_limit_says_so_and_sends_nothing(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_SENDS_PER_ACCOUNT_PER_HOUR", 2)
    account = factories.account()
    for _ in range(2):
        sign_in(client, user())
        assert "验证码已发送至" in send(client, account.account_no).get_data(as_text=True)
    sign_in(client, user())
    html = send(client, account.account_no).get_data(as_text=True)
    assert len(outbox()) == 2
    assert "验证码已发送" not in html and "本次未发送" in html
    assert re.search(r"请 (\d+) 分钟后再试", html)
    assert_customer_page(html)


def test_unknown_and_known_accounts_read_the_same(app, client, monkeypatch):
    """Apart from the masked digits, the pages for an existing and a made-up account number
    are identical — at the code step, on a wrong code, and once the account limit is reached."""
    monkeypatch.setitem(app.config, "SMS_SENDS_PER_ACCOUNT_PER_HOUR", 1)
    real = factories.account(account_no="03521234567", phone="13512342959")
    made_up = "03521234568"

    def normalised(response, account_no):
        html = response.get_data(as_text=True).replace(account_no, "<account>")
        html = MASKED.sub('id="masked-phone"><masked><', html)
        html = re.sub(r' nonce="[^"]+"', "", html)            # the page's script nonce: random
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    pages = {}
    for account_no in (real.account_no, made_up):
        sign_in(client, user())
        sent = send(client, account_no)
        wrong = client.post("/h5/bind", headers=BROWSER, data={
            "csrf_token": csrf_of(sent), "account_no": account_no, "step": "bind",
            "sms_code": "000000" if "000000" not in outbox()[-1].text else "111111"})
        sign_in(client, user())
        capped = send(client, account_no)
        pages[account_no] = [(r.status_code, normalised(r, account_no))
                             for r in (sent, wrong, capped)]
        assert "验证码已发送至" in sent.get_data(as_text=True)
        assert "本次未发送" in capped.get_data(as_text=True)
    assert pages[real.account_no] == pages[made_up]
    assert len(outbox()) == 1                                  # only the real account got one


def test_the_stand_in_phone_is_stable_and_plausible(client, customer):
    first = MASKED.search(send(client, "NO-SUCH-0001").get_data(as_text=True)).group(1)
    sign_in(client, user())
    second = MASKED.search(send(client, "NO-SUCH-0001").get_data(as_text=True)).group(1)
    assert first == second
    assert stand_in_masked_phone("one secret", "A1") != stand_in_masked_phone("another", "A1")
    assert stand_in_masked_phone("s", "A1") != stand_in_masked_phone("s", "A2")


def test_too_many_wrong_codes_locks_with_the_wait_in_minutes(app, client, customer, monkeypatch):
    monkeypatch.setitem(app.config, "BIND_MAX_FAILURES_PER_USER", 2)
    account = factories.account()
    page = send(client, account.account_no)
    for _ in range(3):
        page = client.post("/h5/bind", headers=BROWSER, data={
            "csrf_token": csrf_of(page), "account_no": account.account_no, "step": "bind",
            "sms_code": "999999" if "999999" not in outbox()[-1].text else "888888"})
    text = visible_text(page.get_data(as_text=True))
    assert "验证失败次数过多" in text and re.search(r"请 \d+ 分钟后再试", text)


def test_binding_confirms_and_lists_the_account(client, customer):
    account = factories.account(account_no="03529876543", address="迎宾街8号3栋")
    sent = send(client, account.account_no)
    code = re.search(r"验证码 (\d{6})", outbox()[-1].text).group(1)
    bound = client.post("/h5/bind", headers=BROWSER, data={
        "csrf_token": csrf_of(sent), "account_no": account.account_no, "step": "bind",
        "sms_code": code})
    assert bound.status_code == 302 and bound.headers["Location"] == "/h5/bindings"
    html = client.get("/h5/bindings", headers=BROWSER).get_data(as_text=True)
    assert "绑定成功" in html and "035****543" in html and "迎宾街****" in html
    assert "03529876543" not in html
    assert_customer_page(html)


def test_unbind_asks_first_and_needs_the_csrf_token(client, customer):
    account = factories.account()
    bind(customer, account)
    binding = db.session.scalar(select(AccountBinding).where(AccountBinding.user_id == customer.id))
    confirm = client.get(f"/h5/bindings/{binding.id}/unbind", headers=BROWSER)
    assert confirm.status_code == 200 and "确定要解除" in confirm.get_data(as_text=True)
    forged = client.post(f"/h5/bindings/{binding.id}/unbind", headers=BROWSER, data={})
    assert forged.status_code == 403 and "页面已过期" in forged.get_data(as_text=True)
    done = client.post(f"/h5/bindings/{binding.id}/unbind", headers=BROWSER,
                       data={"csrf_token": csrf_of(confirm)})
    assert done.status_code == 302
    html = client.get(done.headers["Location"], headers=BROWSER).get_data(as_text=True)
    assert "已解除绑定" in html and 'id="no-bindings"' in html
    assert db.session.get(AccountBinding, binding.id) is None


def test_someone_elses_binding_is_a_plain_not_found(client, customer):
    other = user()
    bind(other, factories.account())
    theirs = db.session.scalar(select(AccountBinding).where(AccountBinding.user_id == other.id))
    assert client.get(f"/h5/bindings/{theirs.id}/unbind", headers=BROWSER).status_code == 404
    response = client.post(f"/h5/bindings/{theirs.id}/unbind", headers=BROWSER,
                           data={"csrf_token": session_csrf(client)})
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    assert db.session.get(AccountBinding, theirs.id) is not None


def test_the_api_says_where_the_code_went_for_any_account(client):
    person = user()
    headers = headers_for(person)
    real = factories.account(phone="13512342959")
    known = client.post("/api/v1/bindings/sms", headers=headers,
                        json={"account_no": real.account_no})
    unknown = client.post("/api/v1/bindings/sms", headers=headers,
                          json={"account_no": "NO-SUCH-7"})
    assert known.status_code == unknown.status_code == 202
    assert known.json["masked_phone"] == "135****2959"
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", unknown.json["masked_phone"])
    assert set(known.json) == set(unknown.json) and known.json["resend_in"] == 60
    again = client.post("/api/v1/bindings/sms", headers=headers,
                        json={"account_no": real.account_no})
    assert again.status_code == 429 and again.json["error"]["details"]["reason"] == "resend_wait"
