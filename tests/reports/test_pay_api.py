"""GET /api/v1/admin/reports/pay: SPEC's shape, filters and roll-ups, CSV and XLSX exports; the
ledger behind each line; and a closed month that imports landing afterwards do not move."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from app.reports import service
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports.conftest import NOW, OCT_START, rating
from tests.reports.pay_world import pay_world
from tests.reports.spreadsheet import column_cells, evaluate_sum, open_book, table

URL = "/api/v1/admin/reports/pay?month=2026-10"
SPEC_FIELDS = {"employee_no", "install_pay", "maintenance_pay", "assessment_score", "commissions",
               "quarterly_bonus", "penalties", "penalties_total", "total_pay"}
PENALTY_KINDS = {"overdue", "urge", "false_closure", "fraud", "complaint", "other"}


def yuan(text: str) -> Decimal:
    return Decimal(text)


def test_pay_sheet_answers_spec_fields_in_yuan(client, auditor_headers):
    pay_world(201)
    response = client.get(URL, headers=auditor_headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["source"] == "live" and body["status"] == "open"
    assert body["items"] and all(SPEC_FIELDS <= set(item) for item in body["items"])
    for item in body["items"]:
        assert set(item["penalties"]) == PENALTY_KINDS
        for name in ("install_pay", "maintenance_pay", "commissions", "quarterly_bonus",
                     "penalties_total", "total_pay"):
            assert yuan(item[name]) == Decimal(item[f"{name}_fen"]) / 100
            assert item[name].split(".")[1].__len__() == 2
        assert yuan(item["total_pay"]) == (
            yuan(item["install_pay"]) + yuan(item["maintenance_pay"]) + yuan(item["commissions"])
            + yuan(item["quarterly_bonus"]) - yuan(item["penalties_total"]))
        assert yuan(item["penalties_total"]) == sum(yuan(v) for v in item["penalties"].values())
        assert 0 <= item["assessment_score"] <= 120
    assert any(yuan(i["total_pay"]) < 0 for i in body["items"])     # a 5000 fine outweighs pay


def test_filters_and_roll_ups_add_up(client, auditor_headers):
    techs = pay_world(202)
    full = client.get(URL, headers=auditor_headers).json
    totals = full["totals"]
    for by in ("teams", "areas", "vendors"):
        assert sum(g["total_pay_fen"] for g in full[by]) == totals["total_pay_fen"]
        assert sum(g["technicians"] for g in full[by]) == totals["technicians"] == len(full["items"])
        for kind in PENALTY_KINDS:
            assert (sum(g["penalties_fen"][kind] for g in full[by])
                    == totals["penalties_fen"][kind] == sum(i["penalties_fen"][kind]
                                                            for i in full["items"]))
    team = techs[0].team
    only = client.get(URL + f"&team={team}", headers=auditor_headers).json
    assert only["items"] == [i for i in full["items"] if i["team"] == team]
    vendor = client.get(URL + "&vendor=华通代维", headers=auditor_headers).json
    assert vendor["items"] == [i for i in full["items"] if i["vendor"] == "华通代维"]


def test_only_readers_and_a_real_month(client, api_key, auditor_headers):
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert client.get(URL, headers=integration).status_code == 403
    assert client.get(URL).status_code == 401
    bad = client.get("/api/v1/admin/reports/pay?month=2026-13", headers=auditor_headers)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_error"


def test_csv_has_bom_chinese_headers_and_defused_formulas(client, auditor_headers):
    tech = factories.technician(name="=HYPERLINK(\"http://evil\")")
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=2))
    response = client.get(URL + "&format=csv", headers=auditor_headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["工号", "姓名"] and "个人实际收入(元)" in rows[0]
    line = next(r for r in rows[1:] if r[0] == tech.employee_no)
    assert line[1].startswith("'=")
    assert line[rows[0].index("装移机酬金(元)")] == "30.00"        # 3★ broadband install


def test_xlsx_has_numbers_frozen_header_filter_and_totals(client, auditor_headers):
    pay_world(203)
    body = client.get(URL, headers=auditor_headers).json
    response = client.get(URL + "&format=xlsx", headers=auditor_headers)
    assert response.status_code == 200
    book = open_book(response.data)
    sheet = book["人员明细"]
    header, rows, totals = table(sheet)
    assert len(rows) == len(body["items"]) and totals is not None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}" \
                                    f"{len(body['items']) + 1}"
    pay_cells = column_cells(sheet, header, "个人实际收入(元)", len(rows))
    assert all(isinstance(c.value, (int, float)) for c in pay_cells)
    assert {c.number_format for c in pay_cells} == {"#,##0.00"}
    assert totals[0] == "合计"
    formula = totals[header.index("个人实际收入(元)")]
    assert evaluate_sum(sheet, formula) * 100 == body["totals"]["total_pay_fen"]
    assert sum(Decimal(str(c.value)) for c in pay_cells) * 100 == body["totals"]["total_pay_fen"]
    orders = totals[header.index("竣工工单数")]
    assert evaluate_sum(sheet, orders) == body["totals"]["orders_completed"]
    assert totals[header.index("当月考核得分")] == body["totals"]["average_score"]
    assert totals[header.index("姓名")] in (None, "")
    for title in ("班组汇总", "区域汇总", "单位汇总"):
        group_header, _, group_totals = table(book[title])
        cell = group_totals[group_header.index("个人实际收入(元)")]
        assert evaluate_sum(book[title], cell) * 100 == body["totals"]["total_pay_fen"]
    assert "说明" in book.sheetnames


def test_ledger_api_lists_every_line_and_sums_to_the_sheet(client, auditor_headers):
    techs = pay_world(204)
    sheet = {i["employee_no"]: i for i in client.get(URL, headers=auditor_headers).json["items"]}
    for tech in techs:
        ledger = client.get(f"/api/v1/admin/reports/ledger?month=2026-10&employee_no="
                            f"{tech.employee_no}", headers=auditor_headers).json
        if tech.employee_no not in sheet:
            assert ledger["total_fen"] == 0 and ledger["pay"] is None
            continue
        line = sheet[tech.employee_no]
        assert ledger["total_fen"] == line["total_pay_fen"] == sum(l["amount_fen"]
                                                                   for l in ledger["lines"])
        assert ledger["pay"]["total_pay"] == line["total_pay"]
        for l in ledger["lines"]:
            assert l["pay_rule_label"] and l["component_label"]
            if l["component"] in PENALTY_KINDS:
                assert l["amount_fen"] <= 0
    xlsx = client.get(f"/api/v1/admin/reports/ledger?month=2026-10&employee_no="
                      f"{techs[2].employee_no}&format=xlsx", headers=auditor_headers)
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.data))["酬金明细"]["A1"].value


def test_closed_pay_sheet_does_not_move_when_imports_land(client, manager_headers,
                                                          auditor_headers, monkeypatch):
    from app.reports import closing
    techs = pay_world(205)
    monkeypatch.setattr(closing, "utcnow", lambda: NOW)
    before = client.get(URL, headers=auditor_headers).json
    closed = client.post("/api/v1/admin/reports/monthly/close",
                         json={"month": "2026-10", "expected_version": 0}, headers=manager_headers)
    assert closed.status_code == 201, closed.json
    assert closed.json["totals"]["pay"]["total_pay_fen"] == before["totals"]["total_pay_fen"]

    # someone whose score is not clamped, so the −10 points below must show
    scores = {i["employee_no"]: i["assessment_score"] for i in before["items"]}
    victim = next(t for t in techs if 10 < scores.get(t.employee_no, 0) < 110)
    imports = [
        ("penalties", f"employee_no,order_no,kind,amount,occurred_at,note\n"
                      f"{victim.employee_no},,other,88,2026-10-15T10:00:00,迟到补录\n"),
        ("commissions", f"employee_no,month,amount,note\n{victim.employee_no},2026-10,500,补发\n"),
        ("assessments", f"employee_no,month,item,points,note\n"
                        f"{victim.employee_no},2026-10,月度补扣,-10,补扣\n"),
    ]
    for kind, body in imports:
        response = client.post(f"/api/v1/admin/imports/{kind}", data=body.encode(),
                               headers={**manager_headers, "Content-Type": "text/csv"})
        assert response.json["created"] == 1, response.json
    frozen = client.get(URL, headers=auditor_headers).json
    assert frozen["source"] == "snapshot" and frozen["version"] == 1
    assert frozen["items"] == before["items"]
    live = client.get(URL + "&live=true", headers=auditor_headers).json
    mine = next(i for i in live["items"] if i["employee_no"] == victim.employee_no)
    old = next(i for i in before["items"] if i["employee_no"] == victim.employee_no)
    assert mine["penalties_fen"]["other"] == old["penalties_fen"]["other"] + 8800
    assert mine["commissions_fen"] == old["commissions_fen"] + 50000

    recomputed = client.post("/api/v1/admin/reports/monthly/recompute",
                             json={"month": "2026-10", "expected_version": 1},
                             headers=manager_headers)
    assert recomputed.status_code == 201, recomputed.json
    changes = {c["employee_no"]: c["changes"] for c in recomputed.json["changes"]["changed"]}
    assert set(changes) == {victim.employee_no}
    assert changes[victim.employee_no]["penalty_other_fen"] == {
        "old": old["penalties_fen"]["other"], "new": old["penalties_fen"]["other"] + 8800}
    assert changes[victim.employee_no]["commissions_fen"]["new"] == old["commissions_fen"] + 50000
    assert "assessment_score" in changes[victim.employee_no]
    assert client.get(URL, headers=auditor_headers).json["items"] == live["items"]


def test_stale_requests_get_409_and_a_second_reopen_keeps_the_first_reason(
        client, manager_headers, monkeypatch):
    from app.reports import closing
    monkeypatch.setattr(closing, "utcnow", lambda: NOW)
    tech = factories.technician()
    rating(factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1)), 5)
    post = lambda path, body: client.post(f"/api/v1/admin/reports/monthly/{path}",  # noqa: E731
                                          json={"month": "2026-10", **body},
                                          headers=manager_headers)
    assert post("close", {"expected_version": 0}).status_code == 201
    stale = post("recompute", {"expected_version": 0})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "month_state_changed"
    assert stale.json["error"]["details"]["latest_version"] == 1
    first = post("reopen", {"reason": "补录回访", "expected_version": 1})
    assert first.status_code == 200 and first.json["reopen_reason"] == "补录回访"
    second = post("reopen", {"reason": "另一个原因", "expected_version": 1})
    assert second.status_code == 409
    unguarded = post("reopen", {"reason": "没带版本号"})
    assert unguarded.status_code == 409 and unguarded.json["error"]["code"] == "month_not_closed"
    versions = client.get("/api/v1/admin/reports/monthly/versions?month=2026-10",
                          headers=manager_headers).json["items"]
    assert versions[0]["reopen_reason"] == "补录回访"
    assert post("close", {"expected_version": 0}).status_code == 409
    assert post("close", {"expected_version": 1}).status_code == 201


def test_a_version_closed_before_the_pay_sheet_existed_answers_live():
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    tariff = parse_tariff()
    version = service.close_month(month="2026-10", by="x", tariff=tariff,
                                  tz_name="Asia/Shanghai", now=NOW)
    version.totals = {k: v for k, v in version.totals.items() if k != "pay"}   # as before h15
    sheet = service.pay_sheet(month="2026-10", tariff=tariff, tz_name="Asia/Shanghai")
    assert sheet["source"] == "live" and sheet["status"] == "closed"
    assert [i["employee_no"] for i in sheet["items"]] == [tech.employee_no]


def test_cli_exports_the_pay_sheet_and_ranking(app, tmp_path):
    pay_world(206, technicians=5, orders=60)
    runner = app.test_cli_runner()
    out = tmp_path / "pay.xlsx"
    result = runner.invoke(args=["reports", "pay", "--month", "2026-10", "--format", "xlsx",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "人员明细" in load_workbook(out).sheetnames
    result = runner.invoke(args=["report", "pay", "--month", "2026-10", "--format", "xlsx"])
    assert result.exit_code != 0 and "--output is required" in result.output
    result = runner.invoke(args=["report", "pay", "--month", "2026-10"])
    assert result.exit_code == 0 and "个人实际收入(元)" in result.output
    csv_out = tmp_path / "ranking.csv"
    result = runner.invoke(args=["reports", "ranking", "--month", "2026-10", "-o", str(csv_out)])
    assert result.exit_code == 0 and "ranked" in result.output
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
