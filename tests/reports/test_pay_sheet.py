"""The whole pay sheet equals an independent recomputation of SPEC's rules, to the fen, and each
technician's ledger lines sum to their sheet line component by component."""
from functools import partial

import pytest

from app.reports import paymonth
from app.reports.tariff import parse_tariff
from app.timeutil import quarter_bounds
from tests.reports import pay_oracle
from tests.reports.conftest import OCT_END, OCT_START
from tests.reports.pay_world import pay_world

TZ = "Asia/Shanghai"
COMPONENTS = ("install_pay_fen", "maintenance_pay_fen", "commissions_fen", "quarterly_bonus_fen",
              "penalties_fen", "penalties_total_fen", "total_pay_fen")


def expected(coefficients=None):
    return pay_oracle.pay_sheet("2026-10", OCT_START, OCT_END, partial(quarter_bounds, tz_name=TZ),
                                coefficients)


def got(rows):
    from fractions import Fraction
    return {r["employee_no"]: {**{k: r[k] for k in COMPONENTS},
                               "assessment_score": Fraction(str(r["assessment_score"]))}
            for r in rows}


def strip(oracle_rows):
    return {e: {k: v for k, v in line.items() if k in COMPONENTS or k == "assessment_score"}
            for e, line in oracle_rows.items()}


@pytest.mark.parametrize("seed", [101, 102, 103])
def test_pay_sheet_matches_independent_recomputation(seed):
    pay_world(seed)
    rows = paymonth.live_pay_rows(month="2026-10", tariff=parse_tariff(), tz_name=TZ)
    want = strip(expected())
    assert got(rows) == want
    # the world exercised what it is meant to
    assert any(line["penalties_fen"]["overdue"] for line in want.values())
    assert any(line["penalties_fen"]["fraud"] for line in want.values())
    assert any(line["quarterly_bonus_fen"] for line in want.values())
    assert {line["assessment_score"] for line in want.values()} >= {0, 120}


def test_pay_sheet_with_area_coefficients_matches_recomputation():
    pay_world(111)
    coefficients = {"阳高县": "1.15", "南郊区": "0.95"}
    tariff = parse_tariff({"area_coefficients": coefficients})
    rows = paymonth.live_pay_rows(month="2026-10", tariff=tariff, tz_name=TZ)
    assert got(rows) == strip(expected(coefficients))


@pytest.mark.parametrize("seed", [121, 122])
def test_ledger_lines_sum_to_the_sheet_component_by_component(seed):
    pay_world(seed)
    tariff = parse_tariff({"area_coefficients": {"阳高县": "1.15"}})
    rows = {r["technician_id"]: r for r in paymonth.live_pay_rows(month="2026-10", tariff=tariff,
                                                                 tz_name=TZ)}
    seen = set()
    for tid, _facts, lines in paymonth.technician_ledgers(month="2026-10", tariff=tariff,
                                                          tz_name=TZ):
        sums = paymonth.ledger_totals(lines)
        if tid not in rows:
            assert not any(sums.values())
            continue
        seen.add(tid)
        row = rows[tid]
        assert sums.get("install", 0) == row["install_pay_fen"]
        assert sums.get("maintenance", 0) == row["maintenance_pay_fen"]
        assert sums.get("commission", 0) == row["commissions_fen"]
        assert sums.get("quarterly_bonus", 0) == row["quarterly_bonus_fen"]
        for kind, fen in row["penalties_fen"].items():
            assert -sums.get(kind, 0) == fen, kind
        assert sum(sums.values()) == row["total_pay_fen"]
        assert sum(1 for line in lines if line["component"] == "install") == row["orders_completed"]
    assert seen == set(rows)


def test_monthly_report_and_pay_sheet_agree_on_install_pay_and_false_closures():
    """One install pay everywhere: a false closure pays 0 in the monthly report too (its install
    count is deducted from the month's settlement, 扣除当月装移核算结算量)."""
    from app.reports import service
    from tests.reports import oracle
    pay_world(131)
    monthly = service.monthly_report(month="2026-10", tariff=parse_tariff(), tz_name=TZ)
    expected = oracle.monthly("2026-10", OCT_START, OCT_END)
    assert {i["employee_no"]: i["install_pay_fen"] for i in monthly["items"]} == {
        e: line["install_pay_fen"] for e, line in expected.items()}
    sheet = {r["employee_no"]: r["install_pay_fen"]
             for r in paymonth.live_pay_rows(month="2026-10", tariff=parse_tariff(), tz_name=TZ)}
    for item in monthly["items"]:
        assert sheet.get(item["employee_no"], 0) == item["install_pay_fen"]
