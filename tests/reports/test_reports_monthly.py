"""The monthly report equals an independent recomputation, and the ledger sums to it."""
import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.reports import service
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports import oracle
from tests.reports.conftest import OCT_END, OCT_START, random_world, rating, sanction

TZ = "Asia/Shanghai"
FIELDS = ("orders_completed", "wechat_ratings", "participation_rate", "stars", "avg_stars",
          "satisfaction_rate", "install_pay_fen", "star_eligible", "frauds_confirmed", "team",
          "area", "vendor")


def report(**kw):
    return service.monthly_report(month="2026-10", tariff=kw.pop("tariff", parse_tariff()),
                                  tz_name=TZ, **kw)


def assert_matches_oracle(result, coefficients=None):
    expected = oracle.monthly("2026-10", OCT_START, OCT_END, coefficients)
    got = {item["employee_no"]: {k: item[k] for k in FIELDS} for item in result["items"]}
    assert got == expected
    return expected


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_report_matches_independent_recomputation(seed):
    random_world(seed)
    result = report()
    expected = assert_matches_oracle(result)
    assert any(not e["star_eligible"] for e in expected.values())
    assert sum(e["orders_completed"] for e in expected.values()) > 50
    assert result["source"] == "live" and result["tariff_version"].startswith("spec-2019@")


def test_report_with_area_coefficients_matches_recomputation():
    random_world(21)
    coefficients = {"阳高县": "1.15", "南郊区": "0.95"}
    tariff = parse_tariff({"area_coefficients": coefficients})
    assert_matches_oracle(report(tariff=tariff), coefficients)
    assert report(tariff=tariff)["tariff_version"] != report()["tariff_version"]


@pytest.mark.parametrize("seed", [31, 32])
def test_ledger_sums_to_the_report_for_every_technician(seed):
    techs = random_world(seed)
    items = {i["employee_no"]: i for i in report()["items"]}
    for tech in techs:
        ledger = service.pay_ledger(month="2026-10", technician=tech, tariff=parse_tariff(),
                                    tz_name=TZ)
        expected = items.get(tech.employee_no, {"install_pay_fen": 0, "orders_completed": 0})
        install = [l for l in ledger["lines"] if l["component"] == "install"]
        assert sum(l["amount_fen"] for l in install) == expected["install_pay_fen"]
        assert len(install) == expected["orders_completed"]
        assert sum(l["amount_fen"] for l in ledger["lines"]) == ledger["total_fen"]
        if ledger["summary"]:
            assert {k: ledger["summary"][k] for k in FIELDS} == {k: expected[k] for k in FIELDS}
        for line in install:
            assert line["unit_price"] and line["pay_rule_label"]


def test_month_edges_are_calendar_days_in_timezone():
    tech = factories.technician()
    inside = [OCT_START, OCT_END - timedelta(seconds=1)]
    outside = [OCT_START - timedelta(seconds=1), OCT_END]
    for when in inside + outside:
        factories.order(technician=tech, completed_at=when)
    row = next(i for i in report()["items"] if i["employee_no"] == tech.employee_no)
    assert row["orders_completed"] == 2


def test_rates_and_averages_and_empty_denominators():
    tech = factories.technician()
    idle = factories.technician()
    orders = [factories.order(technician=tech, completed_at=OCT_START + timedelta(days=d))
              for d in range(4)]
    rating(orders[0], 5)
    rating(orders[1], 3)
    rating(orders[2], 4, voided=True)                # voided: not a WeChat rating
    factories.callback(orders[2], result="dissatisfied")
    items = {i["employee_no"]: i for i in report()["items"]}
    row = items[tech.employee_no]
    assert row["wechat_ratings"] == 2 and row["participation_rate"] == 0.5
    assert row["satisfaction_rate"] == 0.5
    assert row["stars"] == {"1": 1, "2": 0, "3": 2, "4": 0, "5": 1}
    assert row["avg_stars"] == 3.0                   # (5 + 3 + 1 + 3) / 4
    assert row["install_pay"] == "110.00"            # 40 + 30 + 10 + 30, broadband installs
    empty = items[idle.employee_no]
    assert empty["orders_completed"] == 0
    assert empty["participation_rate"] is None and empty["satisfaction_rate"] is None
    assert empty["avg_stars"] is None and empty["install_pay"] == "0.00"


def test_sanction_makes_the_month_pay_one_star_prices():
    tech = factories.technician()
    order = factories.order(technician=tech, completed_at=OCT_START + timedelta(days=5))
    rating(order, 5)
    before = next(i for i in report()["items"] if i["employee_no"] == tech.employee_no)
    sanction(tech, "2026-10")
    after = next(i for i in report()["items"] if i["employee_no"] == tech.employee_no)
    assert before["star_eligible"] and not after["star_eligible"]
    assert before["install_pay_fen"] == 4000
    # the sanction's own (voided) order pays 1★ too: two broadband installs at 10
    assert after["install_pay_fen"] == 2000 and after["frauds_confirmed"] == 1


def test_filters_and_roll_ups():
    random_world(41)
    full = report()
    team = full["items"][0]["team"]
    only_team = report(team=team)
    assert {i["team"] for i in only_team["items"]} == {team}
    assert only_team["items"] == [i for i in full["items"] if i["team"] == team]
    area_rows = report(area="南郊区")["items"]
    assert area_rows and all(i["area"] == "南郊区" for i in area_rows)
    assert report(vendor="华通代维")["items"] == [i for i in full["items"]
                                               if i["vendor"] == "华通代维"]
    for by in ("teams", "areas"):
        assert sum(g["orders_completed"] for g in full[by]) == full["totals"]["orders_completed"]
        assert sum(g["install_pay_fen"] for g in full[by]) == full["totals"]["install_pay_fen"]
    assert full["totals"]["install_pay_fen"] == sum(i["install_pay_fen"] for i in full["items"])
    for group in full["teams"]:
        members = [i for i in full["items"] if i["team"] == group["team"]]
        wechat = sum(i["wechat_ratings"] for i in members)
        orders = sum(i["orders_completed"] for i in members)
        assert group["participation_rate"] == oracle.rate(wechat, orders)
        for star in "12345":
            assert group["stars"][star] == sum(i["stars"][star] for i in members)


# --- API and exports -----------------------------------------------------------------------------

def test_api_answers_spec_fields_to_readers_only(client, api_key, auditor_headers):
    random_world(51)
    response = client.get("/api/v1/admin/reports/monthly?month=2026-10", headers=auditor_headers)
    assert response.status_code == 200
    body = response.json
    item = body["items"][0]
    for key in ("employee_no", "orders_completed", "wechat_ratings", "participation_rate",
                "stars", "avg_stars", "satisfaction_rate", "install_pay", "star_eligible",
                "frauds_confirmed", "name", "team", "area"):
        assert key in item
    assert set(item["stars"]) == {"1", "2", "3", "4", "5"}
    assert "technician_id" not in item
    assert body["tariff_version"] and body["teams"] and body["areas"] and body["totals"]
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert client.get("/api/v1/admin/reports/monthly?month=2026-10",
                      headers=integration).status_code == 403
    assert client.get("/api/v1/admin/reports/monthly?month=2026-10").status_code == 401
    bad = client.get("/api/v1/admin/reports/monthly?month=2026-13", headers=auditor_headers)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "validation_error"


def test_csv_export_has_bom_chinese_headers_and_no_formulas(client, manager_headers):
    tech = factories.technician(name="=HYPERLINK(\"http://x\")", team="+班组", vendor="@代维")
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    response = client.get("/api/v1/admin/reports/monthly?month=2026-10&format=csv",
                          headers=manager_headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["X-Tariff-Version"].startswith("spec-2019@")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["工号", "姓名", "班组"] and "装移机酬金(元)" in rows[0]
    mine = next(r for r in rows if r[0] == tech.employee_no)
    assert mine[1].startswith("'=") and mine[2].startswith("'+") and mine[4].startswith("'@")


def test_xlsx_export_opens_with_sheets_and_notes(client, manager_headers):
    random_world(52)
    response = client.get("/api/v1/admin/reports/monthly?month=2026-10&format=xlsx",
                          headers=manager_headers)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["人员明细", "班组汇总", "区域汇总", "说明"]
    header = [c.value for c in book["人员明细"][1]]
    assert header[0] == "工号" and "满意率" in header
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows()}
    assert notes["酬金标准版本"].startswith("spec-2019@")


def test_ledger_api_and_exports(client, auditor_headers):
    tech = factories.technician()
    order = factories.order(technician=tech, completed_at=OCT_START + timedelta(days=2),
                            product="iptv", order_type="move")
    rating(order, 4)
    url = f"/api/v1/admin/reports/ledger?month=2026-10&employee_no={tech.employee_no}"
    body = client.get(url, headers=auditor_headers).json
    (line,) = body["lines"]
    assert (line["order_no"], line["stars"], line["source"], line["unit_price"],
            line["coefficient"], line["amount"]) == (order.order_no, 4, "wechat", "15.00", "1.0",
                                                     "15.00")
    assert body["total"] == "15.00" and body["summary"]["install_pay"] == "15.00"
    csv_body = client.get(url + "&format=csv", headers=auditor_headers).data.decode("utf-8-sig")
    assert "微信评价" in csv_body and order.order_no in csv_body
    assert client.get(url + "&format=xlsx", headers=auditor_headers).status_code == 200
    missing = client.get("/api/v1/admin/reports/ledger?month=2026-10&employee_no=NOPE",
                         headers=auditor_headers)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "technician_not_found"


def test_tariff_endpoint(client, auditor_headers):
    body = client.get("/api/v1/admin/reports/tariff", headers=auditor_headers).json
    assert body["version"].startswith("spec-2019@")
    assert body["document"]["unit_prices"]["broadband"]["5"] == "40"
    json.dumps(body)
