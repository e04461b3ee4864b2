"""POST /api/v1/admin/imports/<kind>: the import contract of SPEC, through the HTTP API."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from app.extensions import db
from app.masterdata.models import CallbackResult, Complaint, Technician, WorkOrder
from tests.masterdata.conftest import ACCOUNT_HEADER, ORDER_HEADER, TECH_HEADER, csv_body


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def tech(employee_no) -> Technician:
    return db.session.scalar(select(Technician).where(Technician.employee_no == employee_no))


def test_csv_import_creates_rows_and_normalizes_values(post_import):
    with open("tests/data/technicians_utf8.csv", "rb") as f:
        response = post_import("technicians", f.read())
    assert response.status_code == 200
    body = dict(response.json)
    assert isinstance(body.pop("import_id"), int) and body.pop("dry_run") is False
    assert body == {"kind": "technicians", "created": 2, "updated": 0, "unchanged": 0,
                    "rejected": [], "rejected_count": 0, "rejected_truncated": False,
                    "rows_seen": 2}
    assert tech("ZW9001").phone == "13800009001"
    assert tech("ZW9002").phone == "13900009002"
    assert tech("ZW9002").status == "active"          # 在岗 is the Chinese word for active
    assert tech("ZW9001").name == "王建国"


def test_reimporting_the_same_file_creates_and_updates_nothing(post_import):
    body = open("tests/data/technicians_utf8.csv", "rb").read()
    post_import("technicians", body)
    again = post_import("technicians", body)
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 2)
    assert count(Technician) == 2


def test_changed_row_is_updated_in_place(post_import):
    post_import("technicians", csv_body(TECH_HEADER, "T1,王伟,13800000001,一班,城区,自营,active"))
    first_id = tech("T1").id
    response = post_import("technicians",
                           csv_body(TECH_HEADER, "T1,王伟,13800000001,二班,城区,自营,suspended"))
    assert (response.json["created"], response.json["updated"]) == (0, 1)
    db.session.expire_all()
    assert tech("T1").id == first_id
    assert (tech("T1").team, tech("T1").status) == ("二班", "suspended")


def test_utf8_bom_header_is_recognised(post_import):
    body = "\ufeff" + csv_body(TECH_HEADER, "T1,王伟,13800000001,一班,城区,自营,active")
    response = post_import("technicians", body.encode("utf-8"))
    assert response.status_code == 200 and response.json["created"] == 1


def test_gbk_file_from_excel_is_decoded(post_import):
    body = csv_body(TECH_HEADER, "T1,欧阳娜娜,13800000001,城东装维班,城区营业部,信达代维,离职")
    response = post_import("technicians", body.encode("gbk"))
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1
    assert (tech("T1").name, tech("T1").vendor, tech("T1").status) == ("欧阳娜娜", "信达代维", "left")


def test_gb18030_four_byte_characters_survive(post_import):
    body = csv_body(TECH_HEADER, "T1,𠮷野家,13800000001,城东装维班,城区营业部,自营,active")
    response = post_import("technicians", body.encode("gb18030"))
    assert response.json["created"] == 1
    assert tech("T1").name == "𠮷野家"


def test_json_array_import(post_import):
    response = post_import("technicians", [
        {"employee_no": "J1", "name": "赵敏", "phone": 13800000011, "team": "一班", "area": "城区",
         "vendor": "自营", "status": "active"},
        {"employee_no": "J2", "name": "钱多", "phone": "13800000012", "team": "一班", "area": "城区",
         "vendor": "自营"},
    ])
    assert response.status_code == 200
    assert response.json["created"] == 2
    assert tech("J1").phone == "13800000011"
    assert tech("J2").status == "active"                 # missing optional key → default


def test_bad_rows_are_rejected_by_row_number_and_good_rows_land(post_import):
    body = csv_body(
        TECH_HEADER,
        "T1,王伟,13800000001,一班,城区,自营,active",       # row 2: good
        "T2,,13800000002,一班,城区,自营,active",           # row 3: name missing
        "T3,张三,not-a-phone,一班,城区,自营,active",        # row 4: bad phone
        "T4,李四,13800000004,一班,城区,自营,retired",       # row 5: bad status
        "T5,赵六,13800000005,一班,城区,自营",               # row 6: too few fields
        "T6,钱七,13800000006,一班,城区,自营,active",       # row 7: good
    )
    response = post_import("technicians", body)
    assert response.status_code == 200
    assert response.json["created"] == 2
    rows = {r["row"]: r["error"] for r in response.json["rejected"]}
    assert sorted(rows) == [3, 4, 5, 6]
    assert rows[3].startswith("name:")
    assert rows[4].startswith("phone:")
    assert rows[5].startswith("status:") and "active" in rows[5]
    assert "7" in rows[6] and "6" in rows[6]
    assert response.json["rejected_count"] == 4
    assert {t.employee_no for t in db.session.scalars(select(Technician))} == {"T1", "T6"}


def test_json_row_numbers_are_array_positions(post_import):
    response = post_import("technicians", [
        {"employee_no": "J1", "name": "赵敏", "phone": "13800000011", "team": "一班",
         "area": "城区", "vendor": "自营"},
        "not an object",
        {"employee_no": "J3", "name": {"nested": 1}, "phone": "1", "team": "", "area": "",
         "vendor": ""},
        {"employee_no": "J4"},
    ])
    assert response.json["created"] == 1
    assert [r["row"] for r in response.json["rejected"]] == [2, 3, 4]


def test_multiline_quoted_field_is_one_row(post_import):
    body = csv_body(TECH_HEADER, 'T1,王伟,13800000001,"城东\n装维班",城区,自营,active',
                    "T2,李娜,bad,一班,城区,自营,active")
    response = post_import("technicians", body)
    assert response.json["created"] == 1
    assert [r["row"] for r in response.json["rejected"]] == [3]
    assert tech("T1").team == "城东\n装维班"


def test_undecodable_bytes_reject_only_their_row(post_import):
    good = csv_body(TECH_HEADER, "T1,王伟,13800000001,一班,城区,自营,active").encode()
    bad_row = b"T2,\xff\xfe,13800000002,\xe4\xb8\x80,x,y,active\n"
    response = post_import("technicians", good + bad_row)
    assert response.json["created"] == 1
    assert response.json["rejected"][0]["row"] == 3
    assert "encoding" in response.json["rejected"][0]["error"]


def test_same_key_twice_in_one_file_last_row_wins(post_import):
    body = csv_body(TECH_HEADER, "T1,王伟,13800000001,一班,城区,自营,active",
                    "T1,王伟,13800000001,二班,城区,自营,active")
    response = post_import("technicians", body)
    assert response.json["created"] == 1 and count(Technician) == 1
    assert tech("T1").team == "二班"


def test_orders_resolve_references_and_check_rules(post_import, seeded):
    body = csv_body(
        ORDER_HEADER,
        "GD1,A1,T1,install,broadband,城区,2026-10-03 09:30:00,2026-10-03T12:00:00+08:00,completed",
        "GD2,A404,T1,install,broadband,城区,2026-10-03T09:30:00,,open",
        "GD3,A1,T404,repair,iptv,城区,2026-10-03T09:30:00,,open",
        "GD4,A2,T2,move,landline,城区,2026-10-03T09:30:00,,completed",
        "GD5,A2,T2,move,landline,城区,2026-10-03T09:30:00,2026-10-02T09:30:00,completed",
        "GD6,A2,T2,装机,同装IPTV,城区,2026-10-03T09:30:00Z,2026-10-03T10:30:00Z,竣工",
        "GD7,A2,T2,install,fiber,城区,2026-10-03T09:30:00,,open",
        "GD8,A2,T2,install,broadband,城区,yesterday,,open",
    )
    response = post_import("orders", body)
    assert response.json["created"] == 2, response.json
    errors = {r["row"]: r["error"] for r in response.json["rejected"]}
    assert sorted(errors) == [3, 4, 5, 6, 8, 9]
    assert errors[3].startswith("account_no:")
    assert errors[4].startswith("employee_no:")
    assert "completed_at" in errors[5]
    assert "created" in errors[6]
    assert errors[8].startswith("product:")
    assert errors[9].startswith("created_at:")

    gd1 = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == "GD1"))
    # No zone given → +08:00, stored as UTC.
    assert gd1.created_at == datetime(2026, 10, 3, 1, 30, tzinfo=timezone.utc)
    assert gd1.completed_at == datetime(2026, 10, 3, 4, 0, tzinfo=timezone.utc)
    assert gd1.account.account_no == "A1" and gd1.technician.employee_no == "T1"
    gd6 = db.session.scalar(select(WorkOrder).where(WorkOrder.order_no == "GD6"))
    assert (gd6.order_type, gd6.product, gd6.status) == ("install", "iptv_bundled", "completed")


def _orders(post_import):
    post_import("orders", csv_body(
        ORDER_HEADER,
        "GD1,A1,T1,install,broadband,城区,2026-10-03T09:00:00,2026-10-03T12:00:00,completed",
        "GD2,A2,T2,repair,broadband,城区,2026-10-03T09:00:00,2026-10-03T12:00:00,completed"))


def test_callbacks_upsert_by_order_channel_and_time(post_import, seeded):
    _orders(post_import)
    header = "order_no,channel,result,called_at"
    first = post_import("callbacks", csv_body(
        header, "GD1,ivr,satisfied,2026-10-04T10:00:00", "GD1,manual,dissatisfied,2026-10-04T10:00:00",
        "GD2,人工,满意,2026-10-05T10:00:00", "GD404,ivr,satisfied,2026-10-04T10:00:00",
        "GD2,sms,satisfied,2026-10-04T10:00:00"))
    assert first.json["created"] == 3
    assert [r["row"] for r in first.json["rejected"]] == [5, 6]
    second = post_import("callbacks", csv_body(
        header, "GD1,ivr,no_answer,2026-10-04T10:00:00", "GD1,ivr,satisfied,2026-10-06T10:00:00"))
    assert (second.json["created"], second.json["updated"]) == (1, 1)
    results = {(c.channel, c.called_at.day): c.result for c in db.session.scalars(
        select(CallbackResult).join(WorkOrder).where(WorkOrder.order_no == "GD1"))}
    assert results == {("ivr", 4): "no_answer", ("manual", 4): "dissatisfied",
                       ("ivr", 6): "satisfied"}


def test_complaints_by_order_or_technician(post_import, seeded):
    _orders(post_import)
    header = "order_no,employee_no,complained_at,level,justified"
    body = csv_body(header,
                    "GD1,,2026-10-05T10:00:00,local,true",       # technician taken from the order
                    ",T2,2026-10-06T10:00:00,越级,否",           # no order
                    ",,2026-10-06T10:00:00,local,true",          # neither → rejected
                    "GD2,T2,2026-10-07T10:00:00,local,maybe")    # bad boolean
    response = post_import("complaints", body)
    assert response.json["created"] == 2
    assert [r["row"] for r in response.json["rejected"]] == [4, 5]
    again = post_import("complaints", body)
    assert (again.json["created"], again.json["updated"]) == (0, 0)
    complaints = {c.level: c for c in db.session.scalars(select(Complaint))}
    assert complaints["local"].technician_id == tech("T1").id and complaints["local"].justified
    assert complaints["escalated"].order_id is None and not complaints["escalated"].justified
    changed = post_import("complaints", csv_body(header, "GD1,,2026-10-05T10:00:00,local,false"))
    assert changed.json["updated"] == 1


def test_accounts_import(post_import):
    response = post_import("accounts", csv_body(
        ACCOUNT_HEADER, "A1,张三,13900000001,\"迎宾街1号,3栋\",城区营业部"))
    assert response.json["created"] == 1


def test_many_rejects_are_counted_but_listed_up_to_a_limit(post_import, monkeypatch):
    from app.masterdata import imports
    monkeypatch.setattr(imports, "MAX_REPORTED_REJECTS", 5)
    body = csv_body(TECH_HEADER, *[f"T{i},,1,x,y,z,active" for i in range(12)])
    response = post_import("technicians", body)
    assert response.json["rejected_count"] == 12
    assert len(response.json["rejected"]) == 5 and response.json["rejected_truncated"] is True
