"""Browsers get Chinese HTML error pages with a next step; API callers keep the JSON errors."""
import pytest

from app import create_app
from app.errors import Gone, chinese_only, wait_minutes
from app.identity.errors import TooManyAttempts
from tests.pages import BROWSER, assert_customer_page, visible_text


def test_a_browser_gets_a_chinese_404_page_with_next_steps(client):
    response = client.get("/no/such/page", headers=BROWSER)
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "页面不存在" in html
    assert_customer_page(html)
    assert 'href="/"' in html                      # back to the start


@pytest.mark.parametrize("headers", [
    {},                                            # no Accept: a program
    {"Accept": "application/json"},
    {"Accept": "*/*"},                             # curl, fetch()
    {**BROWSER, "Authorization": "Bearer x"},      # credentials: an API caller
])
def test_programs_keep_the_json_errors(client, headers):
    response = client.get("/no/such/page", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_api_paths_answer_json_even_to_a_browser(client):
    response = client.get("/api/v1/no-such-call", headers=BROWSER)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_wrong_method_page_keeps_the_allow_header(client):
    response = client.delete("/", headers=BROWSER)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert_customer_page(response.get_data(as_text=True))


@pytest.fixture
def failing_app(tmp_path):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                      "SECRET_KEY": "x", "TESTING": False, "CUSTOMER_HOTLINE": "10086"})

    @app.get("/slow-down")
    def slow_down():
        raise TooManyAttempts(150)

    @app.get("/gone")
    def gone():
        raise Gone("该装维人员正在接受培训，暂停服务 (technician in training)", code="badge_revoked",
                   details={"reason": "training"})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    return app


def test_too_many_attempts_page_says_how_many_minutes(failing_app):
    response = failing_app.test_client().get("/slow-down", headers=BROWSER)
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and response.headers["Retry-After"] == "150"
    assert "请 3 分钟后再试" in visible_text(html)
    assert_customer_page(html)
    assert 'href="tel:10086"' in html             # the configured hotline


def test_gone_page_shows_the_reason_in_chinese_only(failing_app):
    response = failing_app.test_client().get("/gone", headers=BROWSER)
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "该装维人员正在接受培训，暂停服务" in html and "training" not in visible_text(html)
    assert_customer_page(html)


def test_server_error_page_gives_the_request_id_as_reference(failing_app):
    response = failing_app.test_client().get("/boom", headers={**BROWSER,
                                                               "X-Request-ID": "7f3a-9911"})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "参考编号" in html and "7f3a-9911" in html
    assert "hunter2" not in html and "Traceback" not in html
    assert_customer_page(html)


def test_the_bare_host_has_a_landing_page(client):
    response = client.get("/", headers=BROWSER)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "扫一扫" in html
    assert_customer_page(html)
    assert 'href="/h5/bindings"' in html


@pytest.mark.parametrize("message, expected", [
    ("已超过评价期限（竣工后 7 天）(the rating window has closed)", "已超过评价期限（竣工后 7 天）"),
    ("验证未通过，请核对账号与手机号 (verification failed)", "验证未通过，请核对账号与手机号"),
    ("工牌无效（请重新扫码）", "工牌无效（请重新扫码）"),      # Chinese in brackets stays
    ("method not allowed", ""),                              # nothing Chinese to show
    (None, ""),
])
def test_chinese_only_drops_the_english_twin(message, expected):
    assert chinese_only(message) == expected


@pytest.mark.parametrize("seconds, minutes", [(1, 1), (59, 1), (60, 1), (61, 2), (3600, 60),
                                              (0, 1), (None, 1)])
def test_waits_are_whole_minutes_never_zero(seconds, minutes):
    assert wait_minutes(seconds) == minutes
