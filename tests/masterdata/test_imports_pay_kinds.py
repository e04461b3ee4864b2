"""The pay sheet's import kinds (urges, penalties, commissions, assessments) and the orders'
optional due_at / fault_cause columns, through the HTTP API: SPEC "Import columns"."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.masterdata.models import AssessmentItem, Commission, Penalty, Urge, WorkOrder
from tests.masterdata.conftest import ORDER_HEADER, csv_body

UTC = timezone.utc
ORDERS = ("G1,A1,T1,repair,broadband,城区营业部,2026-10-03T09:00:00,2026-10-05T10:00:00,completed",
          "G2,A2,T2,install,iptv,城区营业部,2026-10-04T09:00:00,2026-10-04T12:00:00,completed")


@pytest.fixture
def orders(seeded, post_import):
    response = post_import("orders", csv_body(ORDER_HEADER, *ORDERS))
    assert response.json["created"] == 2, response.json


def order(order_no: str) -> WorkOrder:
    return db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == order_no))


def rows(model) -> list:
    db.session.expire_all()
    return list(db.session.scalars(select(model).order_by(model.id)))


def counts(response) -> tuple:
    body = response.json
    return body["created"], body["updated"], body["unchanged"], body["rejected_count"]


# --- orders: due_at and fault_cause ----------------------------------------------------------

def test_orders_without_the_optional_columns_still_import(orders):
    assert order("G1").due_at is None and order("G1").fault_cause is None


def test_orders_carry_due_at_and_fault_cause_in_chinese_or_codes(seeded, post_import):
    header = ORDER_HEADER + ",due_at,fault_cause"
    response = post_import("orders", csv_body(
        header,
        "G1,A1,T1,修机,宽带,城区营业部,2026-10-03T09:00:00,2026-10-05T10:00:00,竣工,"
        "2026-10-04T18:00:00,OLT故障",
        "G2,A1,T1,repair,broadband,城区营业部,2026-10-03T09:00:00,2026-10-05T10:00:00,completed,,光缆",
        "G3,A1,T1,repair,broadband,城区营业部,2026-10-03T09:00:00,,open,,",
        "G4,A1,T1,repair,broadband,城区营业部,2026-10-03T09:00:00,,open,tomorrow,",
        "G5,A1,T1,repair,broadband,城区营业部,2026-10-03T09:00:00,,open,,雷击"))
    assert counts(response) == (3, 0, 0, 2)
    assert [r["row"] for r in response.json["rejected"]] == [5, 6]
    assert response.json["rejected"][0]["error"].startswith("due_at:")
    assert response.json["rejected"][1]["error"].startswith("fault_cause:")
    assert order("G1").due_at == datetime(2026, 10, 4, 10, tzinfo=UTC)     # 18:00 +08:00
    assert order("G1").fault_cause == "olt"
    assert (order("G2").due_at, order("G2").fault_cause) == (None, "cable")
    assert order("G3").fault_cause is None


# --- urges -----------------------------------------------------------------------------------

URGE_HEADER = "order_no,urged_at,cause,appointment_recorded"


def test_urges_import_upserts_by_order_and_time(orders, post_import):
    body = csv_body(URGE_HEADER,
                    "G1,2026-10-04T08:00:00,overdue,否",
                    "G1,2026-10-04T20:00:00,未按规定操作,",
                    "G1,2026-10-05T08:00:00,特殊情况,是",
                    "G9,2026-10-04T08:00:00,overdue,no",
                    "G1,2026-10-04T09:00:00,angry,no",
                    "G1,,overdue,no")
    response = post_import("urges", body)
    assert counts(response) == (3, 0, 0, 3)
    errors = {r["row"]: r["error"] for r in response.json["rejected"]}
    assert "G9" in errors[5] and errors[6].startswith("cause:") and errors[7].startswith("urged_at:")
    urges = rows(Urge)
    assert [(u.cause, u.appointment_recorded) for u in urges] == [
        ("overdue", False), ("procedure", False), ("excused", True)]
    assert urges[0].order_id == order("G1").id

    again = post_import("urges", body)
    assert counts(again)[:3] == (0, 0, 3)
    fixed = post_import("urges", csv_body(URGE_HEADER, "G1,2026-10-04T08:00:00+08:00,overdue,yes"))
    assert counts(fixed) == (0, 1, 0, 0)
    assert rows(Urge)[0].appointment_recorded is True and len(rows(Urge)) == 3


# --- penalties -------------------------------------------------------------------------------

PENALTY_HEADER = "employee_no,order_no,kind,amount,occurred_at,note"


def test_false_closure_is_one_per_order_amount_optional(orders, post_import):
    response = post_import("penalties", csv_body(
        PENALTY_HEADER,
        ",G1,虚假回单,,,未修复直接回单",
        "T1,G1,false_closure,150,2026-10-06T10:00:00,复核后加重",      # same order: last row wins
        ",,false_closure,,,",                                          # no order
        "T1,G2,false_closure,,,",                                      # G2 is T2's order
        "T1,G2,false_closure,-5,,"))
    assert counts(response) == (1, 1, 0, 3)
    errors = [r["error"] for r in response.json["rejected"]]
    assert "order_no" in errors[0] and "employee_no" in errors[1] and errors[2].startswith("amount:")
    [closure] = rows(Penalty)
    assert (closure.kind, closure.amount_fen, closure.order_id) == ("false_closure", 15000,
                                                                    order("G1").id)
    assert closure.technician_id == order("G1").technician_id and closure.note == "复核后加重"


def test_complaint_and_other_fines_need_amount_and_time(orders, post_import):
    response = post_import("penalties", csv_body(
        PENALTY_HEADER,
        "T1,,投诉,200,2026-10-06T10:00:00,越级投诉通报",
        ',G2,other,"¥1,200.50",2026-10-07T10:00:00,工具遗失',
        "T1,,complaint,,2026-10-06T10:00:00,",
        "T1,,complaint,50,,",
        ",,other,50,2026-10-07T10:00:00,",
        "T1,,speeding,50,2026-10-07T10:00:00,",
        "T1,,other,12.345,2026-10-07T10:00:00,"))
    assert counts(response) == (2, 0, 0, 5)
    assert [r["row"] for r in response.json["rejected"]] == [4, 5, 6, 7, 8]
    complaint, other = rows(Penalty)
    assert (complaint.kind, complaint.amount_fen) == ("complaint", 20000)
    assert (other.kind, other.amount_fen) == ("other", 120050)
    assert other.technician_id == order("G2").technician_id      # from the order
    again = post_import("penalties", csv_body(PENALTY_HEADER,
                                              "T1,,投诉,250,2026-10-06T10:00:00+08:00,更正"))
    assert counts(again) == (0, 1, 0, 0)
    assert rows(Penalty)[0].amount_fen == 25000


# --- commissions and assessments -------------------------------------------------------------

def test_commissions_upsert_by_technician_month_and_note(orders, post_import):
    header = "employee_no,month,amount,note"
    response = post_import("commissions", csv_body(
        header, "T1,2026-10,120.50,宽带续约", "T1,2026年10月,30,", "T1,2026/10,-20,冲减",
        "T2,2026-13,10,", "T9,2026-10,10,", "T1,2026-10,abc,"))
    assert counts(response) == (3, 0, 0, 3)
    assert sorted((c.month, c.amount_fen, c.note) for c in rows(Commission)) == [
        ("2026-10", -2000, "冲减"), ("2026-10", 3000, ""), ("2026-10", 12050, "宽带续约")]
    again = post_import("commissions", csv_body(header, "T1,2026-10,99,宽带续约"))
    assert counts(again) == (0, 1, 0, 0)


def test_assessments_last_import_wins_and_computed_items_are_refused(orders, post_import):
    header = "employee_no,month,item,points,note"
    response = post_import("assessments", [
        {"employee_no": "T1", "month": "2026-10", "item": "装移机预约录音及时率", "points": -2},
        {"employee_no": "T1", "month": "2026-10", "item": "阶段性工作", "points": "1.5"},
        {"employee_no": "T1", "month": "2026-10", "item": "satisfaction", "points": 3},
        {"employee_no": "T1", "month": "2026-10", "item": "基础管理", "points": "0.125"},
    ])
    assert counts(response) == (2, 0, 0, 2)
    assert "satisfaction" in response.json["rejected"][0]["error"]
    again = post_import("assessments", csv_body(header, "T1,2026-10,装移机预约录音及时率,-3,复核"))
    assert counts(again) == (0, 1, 0, 0)
    assert sorted((a.item, a.points_centi) for a in rows(AssessmentItem)) == [
        ("装移机预约录音及时率", -300), ("阶段性工作", 150)]


def test_new_kinds_refuse_a_wrong_header_whole(orders, post_import):
    response = post_import("urges", "order_no,cause\nG1,overdue\n")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_header"
    assert db.session.scalar(select(func.count()).select_from(Urge)) == 0


def test_cli_imports_the_new_kinds(app, orders, tmp_path):
    path = tmp_path / "commissions.csv"
    path.write_text("employee_no,month,amount,note\nT1,2026-10,88.8,宽带续约\nT9,2026-10,1,\n",
                    encoding="utf-8-sig")
    result = app.test_cli_runner().invoke(
        args=["import", "commissions", str(path), "--allow-rejects"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and "1 rejected" in result.output
    assert "row 3" in result.output
    assert [c.amount_fen for c in rows(Commission)] == [8880]
