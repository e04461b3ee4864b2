"""Every XLSX export behaves like a spreadsheet: money and counts are numbers with formats, rates
are percentages, the header is frozen and filtered, and a 合计 row's SUM formulas add up to the
report's own totals. CSV stays as it was (BOM, Chinese headers, formula guard)."""
import csv
import io
from datetime import timedelta
from decimal import Decimal

from app.reports.exports import to_csv
from app.spreadsheet import Sheet, workbook
from tests import factories
from tests.reports.conftest import OCT_START, random_world, rating
from tests.reports.spreadsheet import column_cells, evaluate_sum, open_book, table

MONTHLY = "/api/v1/admin/reports/monthly?month=2026-10"


def test_monthly_xlsx_has_numbers_percentages_and_a_totals_row_that_sums(client, manager_headers):
    random_world(71)
    body = client.get(MONTHLY, headers=manager_headers).json
    book = open_book(client.get(MONTHLY + "&format=xlsx", headers=manager_headers).data)
    sheet = book["人员明细"]
    header, rows, totals = table(sheet)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    assert len(rows) == len(body["items"]) and totals[0] == "合计"

    pay = column_cells(sheet, header, "装移机酬金(元)", len(rows))
    assert all(isinstance(c.value, (int, float)) for c in pay)
    expected_pay = sum(i["install_pay_fen"] for i in body["items"])
    assert expected_pay > 0
    assert evaluate_sum(sheet, totals[header.index("装移机酬金(元)")]) * 100 == expected_pay
    assert sum(Decimal(str(c.value)) for c in pay) * 100 == expected_pay
    orders = totals[header.index("竣工工单数")]
    assert evaluate_sum(sheet, orders) == body["totals"]["orders_completed"]

    rates = [c for c in column_cells(sheet, header, "满意率", len(rows)) if c.value not in (None, "")]
    assert rates and all(c.number_format.endswith("%") for c in rates)
    by_no = {i["employee_no"]: i for i in body["items"]}
    first = rows[0]
    assert first[header.index("满意率")] == by_no[first[0]]["satisfaction_rate"]
    # rates and averages are not summed: their totals cell stays empty
    assert totals[header.index("满意率")] in (None, "")
    assert totals[header.index("平均星级")] in (None, "")

    team_header, _, team_totals = table(book["班组汇总"])
    cell = team_totals[team_header.index("装移机酬金(元)")]
    assert evaluate_sum(book["班组汇总"], cell) * 100 == expected_pay


def test_quarterly_xlsx_sums_the_monthly_bonus(client, auditor_headers):
    techs = [factories.technician() for _ in range(6)]
    for i, tech in enumerate(techs):
        for _ in range(i + 1):
            rating(factories.order(technician=tech, completed_at=OCT_START + timedelta(days=3)),
                   5 if i > 2 else 3)
    url = "/api/v1/admin/reports/quarterly?quarter=2026Q4"
    body = client.get(url, headers=auditor_headers).json
    sheet = open_book(client.get(url + "&format=xlsx", headers=auditor_headers).data)["季度星级"]
    header, rows, totals = table(sheet)
    bonus = sum(i["monthly_bonus_fen"] for i in body["items"])
    assert bonus > 0 and len(rows) == len(body["items"])
    assert evaluate_sum(sheet, totals[header.index("月度奖励(元)")]) * 100 == bonus
    assert totals[header.index("排名")] in (None, "")        # ranks never add up


def test_ledger_xlsx_amounts_sum_to_the_ledger_total(client, auditor_headers):
    tech = factories.technician()
    for days, product in ((1, "broadband"), (2, "iptv"), (3, "broadband")):
        rating(factories.order(technician=tech, product=product,
                               completed_at=OCT_START + timedelta(days=days)), 5)
    url = f"/api/v1/admin/reports/ledger?month=2026-10&employee_no={tech.employee_no}"
    body = client.get(url, headers=auditor_headers).json
    sheet = open_book(client.get(url + "&format=xlsx", headers=auditor_headers).data)["酬金明细"]
    header, rows, totals = table(sheet)
    assert len(rows) == len(body["lines"]) == 3
    assert evaluate_sum(sheet, totals[header.index("金额(元)")]) * 100 == body["total_fen"]
    assert all(c.number_format == "#,##0.00" for c in column_cells(sheet, header, "金额(元)", 3))
    assert not any(str(v).endswith("Z") or "T" in str(v)
                   for v in (r[header.index("竣工时间")] for r in rows)), "local times, not ISO"


def test_text_that_looks_like_a_formula_stays_text_in_both_formats():
    columns = [("name", "姓名", lambda r: r["name"]), ("amount", "金额", lambda r: r["amount"])]
    rows = [{"name": "=HYPERLINK(\"http://x\")", "amount": Decimal("1.50")},
            {"name": "张三", "amount": Decimal("2.25")}]
    sheet = open_book(workbook([Sheet("表", columns, rows, sums=["amount"])]))["表"]
    _, body, totals = table(sheet)
    assert body[0][0].startswith("'=") and totals[1] == "=SUM(B2:B3)"
    assert evaluate_sum(sheet, totals[1]) == Decimal("3.75")
    data = to_csv(columns, rows)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == ["姓名", "金额"] and lines[1][0].startswith("'=HYPERLINK")
