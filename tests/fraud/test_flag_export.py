"""The flag list as a file: every flag the filters keep, detectors in words, score as a percentage,
local times; CSV with BOM; auditors only."""
import csv
import io

from tests.fraud.test_fraud_review_api import scan
from tests.reports.spreadsheet import column_cells, open_book, table

URL = "/api/v1/admin/fraud/flags/export"


def test_flags_export_as_xlsx_and_csv(client, auditor, ring):
    scan(client, auditor, ring["month"])
    listed = client.get("/api/v1/admin/fraud/flags", headers=auditor,
                        query_string={"month": ring["month"]}).json["items"]
    response = client.get(URL, query_string={"month": ring["month"]}, headers=auditor)
    assert response.status_code == 200, response.data[:200]
    book = open_book(response.data)
    sheet = book["稽核标记"]
    header, rows, _ = table(sheet)
    assert [r[header.index("工单号")] for r in rows] == [i["order_no"] for i in listed]
    scores = column_cells(sheet, header, "可疑程度", len(rows))
    assert [c.value for c in scores] == [i["score"] for i in listed]
    assert all(c.number_format.endswith("%") for c in scores)
    assert "集中突击评价" in rows[0][header.index("命中规则")]
    assert all("T" not in r[header.index("标记时间")] for r in rows)
    notes = {r[0].value: r[1].value for r in book["说明"].iter_rows()}
    assert notes["月份"] == ring["month"] and notes["标记数"] == str(len(listed))

    plain = client.get(URL, query_string={"month": ring["month"], "format": "csv"},
                       headers=auditor)
    assert plain.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(plain.data.decode("utf-8-sig"))))
    assert lines[0][:3] == ["标记编号", "月份", "工单号"] and len(lines) == len(listed) + 1


def test_flags_export_refuses_bad_filters_and_other_roles(client, auditor, manager):
    bad = client.get(URL, query_string={"format": "pdf"}, headers=auditor)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_error"
    assert client.get(URL, headers=manager).status_code == 403
