"""A bad file is refused whole with a 4xx JSON error and writes nothing."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.masterdata.models import Technician
from tests.masterdata.conftest import TECH_HEADER, csv_body


def assert_error(response, status, code):
    assert response.status_code == status, response.data
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 0


def test_wrong_header(post_import):
    response = post_import("technicians", "工号,姓名\nT1,王伟\n")
    assert_error(response, 400, "bad_header")
    assert "employee_no" in response.json["error"]["details"]["missing"]


def test_header_of_another_kind(post_import):
    response = post_import("orders", csv_body(TECH_HEADER, "T1,王伟,13800000001,一班,城区,自营,active"))
    assert_error(response, 400, "bad_header")


def test_duplicated_header_column(post_import):
    response = post_import("technicians", TECH_HEADER + ",name\n")
    assert_error(response, 400, "bad_header")
    assert response.json["error"]["details"]["duplicated"] == ["name"]


def test_empty_body(post_import):
    assert_error(post_import("technicians", b""), 400, "empty_file")


def test_binary_file_is_not_csv(post_import):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert_error(post_import("technicians", png), 400, "not_csv")


def test_utf16_is_refused_with_advice(post_import):
    body = csv_body(TECH_HEADER).encode("utf-16")
    assert_error(post_import("technicians", body), 400, "unsupported_encoding")


@pytest.mark.parametrize("body, code", [
    (b"{not json", "invalid_json"),
    (b'{"employee_no": "T1"}', "not_an_array"),
    (b'"just a string"', "not_an_array"),
])
def test_bad_json(post_import, body, code):
    assert_error(post_import("technicians", body, content_type="application/json"), 400, code)


def test_unsupported_content_type(post_import):
    assert_error(post_import("technicians", b"<xml/>", content_type="application/xml"), 415,
                 "unsupported_media_type")


def test_unknown_kind(post_import):
    response = post_import("surveys", csv_body(TECH_HEADER))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_import_kind"
    assert "orders" in response.json["error"]["details"]["kinds"]


def test_too_large_upload_is_413(app, post_import):
    app.config["MAX_CONTENT_LENGTH"] = 100
    try:
        response = post_import("technicians", csv_body(TECH_HEADER, *["T1,王,1,a,b,c,active"] * 20))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 64 * 1024 * 1024
    assert_error(response, 413, "payload_too_large")


def test_only_a_header_imports_nothing(post_import):
    response = post_import("technicians", TECH_HEADER + "\n")
    assert response.status_code == 200
    assert response.json["created"] == 0 and response.json["rows_seen"] == 0
