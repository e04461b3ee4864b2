from app.masterdata.models import Technician
from app.extensions import db
from sqlalchemy import select, func


def test_rows_written_in_one_test(client, admin_headers):
    body = "employee_no,name,phone,team,area,vendor,status\nZ1,张三,13800000001,一班,城区,自营,active\n"
    r = client.post("/api/v1/admin/imports/technicians", data=body.encode(),
                    headers={**admin_headers, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.json
    assert r.json["created"] == 1
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 1


def test_previous_test_was_rolled_back():
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 0
