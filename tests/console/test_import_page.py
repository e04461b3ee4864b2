"""The console's imports page: templates, a dry run, XLSX upload, the history with the rejected
rows to download."""
import csv
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.console.models import AuditEntry
from app.extensions import db
from app.masterdata.models import Technician

HEADER = "employee_no,name,phone,team,area,vendor,status"


def upload(client, body: bytes, name: str, **form):
    return client.post("/console/imports", {"kind": "technicians",
                                            "file": (io.BytesIO(body), name), **form},
                       content_type="multipart/form-data")


def test_templates_download_from_the_page(sign_in):
    manager = sign_in("manager")
    page = manager.get("/console/imports").get_data(as_text=True)
    assert "/console/imports/template/orders.xlsx" in page and 'id="dry-run"' in page
    book = load_workbook(io.BytesIO(manager.get("/console/imports/template/orders.xlsx").data))
    assert "填写说明" in book.sheetnames
    plain = manager.get("/console/imports/template/callbacks.csv")
    assert plain.data.decode("utf-8-sig").splitlines()[0] == "order_no,channel,result,called_at"
    assert manager.get("/console/imports/template/nothing.csv").status_code == 404


def test_dry_run_writes_nothing_then_the_history_offers_the_rejects(sign_in):
    manager = sign_in("manager")
    body = (HEADER + "\nP1,甲,13800000001,一班,城区,自营,active\n"
                     "P2,乙,13800000002,一班,城区,自营,nonsense\n").encode()
    dry = upload(manager, body, "people.csv", dry_run="1").get_data(as_text=True)
    assert "试导入结果（未写入任何数据）" in dry and '<b id="created">1</b>' in dry
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 0
    real = upload(manager, body, "people.csv").get_data(as_text=True)
    assert "导入结果" in real and db.session.scalar(
        select(func.count()).select_from(Technician)) == 1
    page = manager.get("/console/imports").get_data(as_text=True)
    assert page.count("people.csv") == 2 and "试导入" in page and manager.user.username in page
    link = page.split('class="rejects-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    rejects = manager.get(link)
    lines = list(csv.reader(io.StringIO(rejects.data.decode("utf-8-sig"))))
    assert lines[0][1:-1] == HEADER.split(",") and lines[1][:2] == ["3", "P2"]
    assert "status" in lines[1][-1]
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"import_dry_run", "import", "download"} <= set(actions)


def test_upload_refuses_other_file_types_with_a_next_step(sign_in):
    manager = sign_in("manager")
    response = upload(manager, b"%PDF-1.4", "people.pdf")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "下载模板" in text and "<html" in text
