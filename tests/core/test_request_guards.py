"""Issue 17 findings: requests that used to end in a 500 (NUL bytes, huge page numbers, deep
JSON, oversized anonymous bodies) are refused with a JSON 4xx; each test sends the exact request
of the finding."""
from __future__ import annotations

import json

import pytest

from tests.wechat_fixtures import login

NUL = "\x00"


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code
    return body


def test_nul_in_a_rating_order_number_is_a_422(client, wechat):
    _, headers = login(client, "nul-rater")
    answer = client.post("/api/v1/ratings", headers=headers,
                         json={"order_no": "A\u0000B", "stars": 5})
    _error(answer, 422, "invalid_characters")


def test_nul_in_an_account_binding_is_a_422(client, wechat):
    _, headers = login(client, "nul-binder")
    answer = client.post("/api/v1/bindings", headers=headers,
                         json={"account_no": f"0352{NUL}1", "sms_code": "123456"})
    _error(answer, 422, "invalid_characters")
    answer = client.post("/api/v1/technician/bind", headers=headers,
                         json={"employee_no": f"E{NUL}1", "phone_code": "x"})
    _error(answer, 422, "invalid_characters")


@pytest.mark.parametrize("path", ["/api/v1/admin/orders/A%00B",
                                  "/api/v1/admin/recovery-tasks?team=%00",
                                  "/api/v1/admin/fraud/flags?status=%00"])
def test_nul_in_admin_paths_and_filters_is_a_422(client, admin_headers, path):
    _error(client.get(path, headers=admin_headers), 422, "invalid_characters")


def test_nul_in_a_console_username_is_refused_not_a_500(client):
    answer = client.post("/console/login", data={"username": f"a{NUL}b", "password": "x"})
    assert answer.status_code == 422
    assert "控制字符" in answer.get_data(as_text=True)


def test_nul_in_a_header_is_a_json_422(client):
    _error(client.get("/api/v1/rating-tags", headers={"X-Note": f"a{NUL}b"}), 422,
           "invalid_characters")


def test_json_import_with_a_nul_in_one_row_lands_the_good_rows(client, admin_headers):
    rows = [{"employee_no": "G17001", "name": "张三", "phone": "13900170001", "team": "一班",
             "area": "城区", "vendor": "自营"},
            {"employee_no": "G17002", "name": f"李{NUL}四", "phone": "13900170002",
             "team": "一班", "area": "城区", "vendor": "自营"},
            {"employee_no": "G17003", "name": "王五", "phone": "13900170003", "team": "一班",
             "area": "城区", "vendor": "自营"}]
    answer = client.post("/api/v1/admin/imports/technicians", headers=admin_headers, json=rows)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["created"] == 2, answer.json
    assert [r["row"] for r in answer.json["rejected"]] == [2]
    assert "name" in answer.json["rejected"][0]["error"]


def test_csv_import_with_a_control_character_in_one_row_lands_the_good_rows(client,
                                                                          admin_headers):
    # (A NUL byte makes the whole file "not a text CSV file", a 400 of its own.)
    csv = ("employee_no,name,phone,team,area,vendor,status\n"
           "G17101,张三,13900171001,一班,城区,自营,\n"
           "G17102,李\x07四,13900171002,一班,城区,自营,\n")
    answer = client.post("/api/v1/admin/imports/technicians", headers=admin_headers,
                         data=csv.encode(), content_type="text/csv")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["created"] == 1
    assert [r["row"] for r in answer.json["rejected"]] == [3]


def test_page_numbers_past_64_bits_are_a_422(client, admin_headers):
    answer = client.get("/api/v1/admin/recovery-tasks?page=99999999999999999999",
                        headers=admin_headers)
    _error(answer, 422, "validation_error")


def test_ids_past_64_bits_are_not_found(client, wechat):
    _, headers = login(client, "big-id")
    _error(client.delete("/api/v1/bindings/99999999999999999999", headers=headers), 404)


def test_deeply_nested_json_on_login_is_refused(client, wechat):
    body = '{"code":' + "[" * 50_000 + "]" * 50_000 + "}"
    answer = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert answer.status_code in (413, 422)
    assert answer.get_json()["error"]["code"] in ("payload_too_large", "json_too_deep")


def test_deeply_nested_json_with_credentials_is_a_422(client, wechat):
    _, headers = login(client, "deep")
    for depth in (40, 5_000):
        body = '{"order_no":"X","stars":5,"tags":' + "[" * depth + "]" * depth + "}"
        answer = client.post("/api/v1/ratings", headers=headers, data=body,
                             content_type="application/json")
        _error(answer, 422, "json_too_deep")


def test_anonymous_bodies_are_small(client):
    big = json.dumps({"code": "x" * 100_000})
    _error(client.post("/api/v1/auth/login", data=big, content_type="application/json"), 413,
           "payload_too_large")


def test_signed_in_bodies_are_bounded_but_imports_are_not(client, wechat, admin_headers):
    _, headers = login(client, "tags")
    answer = client.post("/api/v1/ratings", headers=headers,
                         json={"order_no": "X", "stars": 5, "tags": ["t"] * 1_000_000})
    _error(answer, 413, "payload_too_large")
    rows = [{"account_no": f"0352170{i:05d}", "holder_name": "张三", "phone": "13900000000",
             "address": "城区迎宾街" + "号" * 100, "area": "城区"} for i in range(2_000)]
    answer = client.post("/api/v1/admin/imports/accounts", headers=admin_headers, json=rows)
    assert answer.status_code == 200 and answer.json["created"] == 2_000


def test_ordinary_comments_keep_their_line_breaks(client, wechat):
    _, headers = login(client, "newline")
    answer = client.post("/api/v1/ratings", headers=headers,
                         json={"order_no": "NO-SUCH", "stars": 5, "comment": "很好\n谢谢\t师傅"})
    assert answer.status_code == 404      # got past the guard to the order lookup
