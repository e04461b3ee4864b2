"""Imports people can fix: templates per kind that import as they are, XLSX input, a dry run that
counts and writes nothing, and a history whose rejected rows come back in the file's own columns."""
import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.console.models import AuditEntry
from app.extensions import db
from app.masterdata.models import ImportRun, Technician, WorkOrder
from app.masterdata.specs import SPECS
from tests.masterdata.conftest import TECH_HEADER, csv_body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHAIN = ("technicians", "accounts", "orders", "callbacks", "complaints", "urges", "penalties",
         "commissions", "assessments")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def workbook_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_template_imports_its_sample_row(client, admin_headers, post_import, fmt):
    for kind in CHAIN:
        response = client.get(f"/api/v1/admin/imports/templates/{kind}?format={fmt}",
                              headers=admin_headers)
        assert response.status_code == 200
        content_type = "text/csv" if fmt == "csv" else XLSX
        result = post_import(kind, response.data, content_type=content_type)
        assert result.status_code == 200, result.json
        assert (result.json["created"], result.json["rejected"]) == (1, []), (kind, result.json)


def test_xlsx_template_lists_the_allowed_values_and_offers_them_as_a_list(client, admin_headers):
    data = client.get("/api/v1/admin/imports/templates/orders?format=xlsx",
                      headers=admin_headers).data
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert tuple(header) == SPECS["orders"].all_columns
    guide = {row[0]: row for row in book["填写说明"].iter_rows(values_only=True) if row[0]}
    assert guide["order_type"][1] == "必填" and "install（装机、新装）" in guide["order_type"][3]
    assert guide["completed_at"][1] == "可空"
    rules = [v for v in sheet.data_validations.dataValidation]
    assert any('"install,move,repair"' == v.formula1 for v in rules)


def test_xlsx_import_reads_excel_rows_and_reports_excel_row_numbers(post_import):
    body = workbook_bytes([
        TECH_HEADER.split(","),
        ["X1", "赵一", 13800000001, "一班", "城区", "自营", "在岗"],
        [None] * 7,                                     # an empty row is skipped
        ["X2", "", "13800000002", "一班", "城区", "自营", "active"],
    ])
    response = post_import("technicians", body, content_type=XLSX)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1
    assert response.json["rejected"] == [{"row": 4, "error": response.json["rejected"][0]["error"]}]
    assert response.json["rejected"][0]["error"].startswith("name")
    phone = db.session.scalar(select(Technician.phone).where(Technician.employee_no == "X1"))
    assert phone == "13800000001"             # a number cell read as its digits, not 1.38e10


def test_a_file_that_is_not_a_workbook_is_refused_whole(post_import):
    response = post_import("technicians", b"not a zip at all", content_type=XLSX)
    assert response.status_code == 400 and response.json["error"]["code"] == "not_xlsx"


def test_dry_run_counts_what_would_change_and_writes_nothing(client, admin_headers, post_import):
    post_import("technicians", csv_body(TECH_HEADER, "D1,甲,13800000001,一班,城区,自营,active"))
    body = csv_body(TECH_HEADER, "D1,甲改,13800000001,一班,城区,自营,active",
                    "D2,乙,13800000002,一班,城区,自营,active", "D3,,1,a,b,c,active")
    response = client.post("/api/v1/admin/imports/technicians?dry_run=true&filename=t.csv",
                           data=body.encode(), headers={**admin_headers,
                                                       "Content-Type": "text/csv"})
    assert response.status_code == 200
    got = response.json
    assert (got["dry_run"], got["created"], got["updated"], got["rejected_count"]) == \
           (True, 1, 1, 1)
    assert count(Technician) == 1
    assert db.session.scalar(select(Technician.name).where(Technician.employee_no == "D1")) == "甲"
    run = db.session.get(ImportRun, got["import_id"])
    assert run.dry_run and run.filename == "t.csv" and run.channel == "api"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import_dry_run"))
    assert entry.details["import_id"] == run.id and entry.actor.startswith("api:")


def test_history_lists_imports_and_gives_back_rejected_rows_in_their_columns(
        client, admin_headers, post_import):
    header = TECH_HEADER + ",extra"
    rows = [f"H{i},{'' if i % 2 else '名'},1380000000{i},一班,城区,自营,active,备注{i}"
            for i in range(6)]
    result = client.post("/api/v1/admin/imports/technicians?filename=people.csv",
                         data=csv_body(header, *rows).encode(),
                         headers={**admin_headers, "Content-Type": "text/csv"}).json
    assert result["rejected_count"] == 3
    listing = client.get("/api/v1/admin/imports/history?kind=technicians",
                         headers=admin_headers).json
    (item,) = listing["items"]
    assert (item["filename"], item["created"], item["rejected_count"], item["channel"]) == \
           ("people.csv", 3, 3, "api")
    download = client.get(f"/api/v1/admin/imports/history/{item['id']}/rejects.csv",
                          headers=admin_headers)
    assert download.status_code == 200 and download.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert lines[0] == ["行号(row)", *header.split(","), "原因(reason)"]
    assert [line[0] for line in lines[1:]] == ["3", "5", "7"]
    assert [line[1] for line in lines[1:]] == ["H1", "H3", "H5"]
    assert [line[-2] for line in lines[1:]] == ["备注1", "备注3", "备注5"]
    missing = client.get("/api/v1/admin/imports/history/999999/rejects.csv", headers=admin_headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "import_not_found"


def test_cli_imports_land_in_the_history(app, tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(workbook_bytes([list(SPECS["orders"].header),
                                     ["O1", "NOACCOUNT", "NOBODY", "install", "broadband", "城区",
                                      "2026-10-01T09:00:00", "", "open"]]))
    result = app.test_cli_runner().invoke(args=["import", "orders", str(path), "--allow-rejects"])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    assert (run.channel, run.filename, run.rejected_count) == ("cli", "orders.xlsx", 1)
    assert run.actor.startswith("cli:") and count(WorkOrder) == 0
