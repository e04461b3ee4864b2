"""Technicians, badges, recovery tasks, reports, downloads, month close, imports, the audit log."""
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from sqlalchemy import select

from app.badge import service as badges
from app.console.models import AuditEntry
from app.extensions import db
from app.rating.models import RecoveryTask
from app.reports.models import MonthVersion
from tests import factories


def audit_actions():
    return db.session.scalars(select(AuditEntry.action)).all()


def test_search_and_technician_page(sign_in, flagged_ring):
    manager = sign_in("manager")
    tech = flagged_ring["technician"]
    found = manager.get(f"/console/technicians?q={tech.employee_no}")
    assert found.status_code == 302 and found.headers["Location"].endswith(tech.employee_no)
    page = manager.get(f"/console/technicians/{tech.employee_no}?month=2026-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "王建国" in text and 'id="badge-qr"' in text
    assert "稽核标记" in text and "2026-10 月度数据" in text and "竣工工单" in text
    listing = manager.get("/console/technicians?team=城东装维班").get_data(as_text=True)
    assert tech.employee_no in listing and 'id="badge-sheet"' in listing


def test_manager_rotates_a_badge_and_the_old_qr_stops_working(app, sign_in):
    tech = factories.technician(name="李强")
    old = badges.badge_token(badges.get_or_create_badge(tech))
    manager = sign_in("manager")
    response = manager.post(f"/console/technicians/{tech.employee_no}/badge/rotate",
                            {"reason": "工牌遗失"})
    assert response.status_code == 302
    assert app.test_client().get(f"/b/{old}").status_code == 410
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "第 2 版" in page and "旧二维码立即失效" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badge_rotated"))
    assert entry.target == tech.employee_no and entry.details == {"version": 2, "reason": "工牌遗失"}
    assert sign_in("auditor").post(f"/console/technicians/{tech.employee_no}/badge/rotate"
                                   ).status_code == 403


def test_recovery_tasks_overdue_claim_and_close(sign_in):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(days=5))
    task = RecoveryTask(order_id=order.id, technician_id=order.technician_id, team="城东装维班",
                        area="城区营业部", source="rating", stars=1, status="open",
                        due_at=datetime.now(timezone.utc) - timedelta(days=1))
    db.session.add(task)
    db.session.flush()
    auditor = sign_in("auditor")
    page = auditor.get("/console/recovery?overdue=1").get_data(as_text=True)
    assert order.order_no in page and "超期" in page and '<b id="overdue-count">1</b>' in page
    assert auditor.post(f"/console/recovery/{task.id}/claim").status_code == 302
    assert auditor.post(f"/console/recovery/{task.id}/close", {"note": ""}).status_code == 422
    assert auditor.post(f"/console/recovery/{task.id}/close",
                        {"outcome": "other", "note": ""}).status_code == 422
    assert auditor.post(f"/console/recovery/{task.id}/close",
                        {"outcome": "apologised", "note": "客户满意"}).status_code == 302
    closed = db.session.get(RecoveryTask, task.id)
    assert closed.status == "closed" and closed.note == "已联系客户致歉：客户满意"
    assert {"recovery_claimed", "recovery_closed"} <= set(audit_actions())


def test_month_report_with_charts_sorting_and_downloads(sign_in, flagged_ring):
    manager = sign_in("manager")
    page = manager.get("/console/reports/month?month=2026-10&sort=wechat_ratings&dir=desc")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count('<svg class="chart"') == 3 and "每周参评率" in text and "5★" in text
    assert flagged_ring["technician"].employee_no in text and "wechat_ratings" in text

    csv = manager.get("/console/reports/download?kind=month&format=csv&month=2026-10")
    assert csv.status_code == 200 and csv.data.startswith(b"\xef\xbb\xbf")
    assert "工号" in csv.data.decode("utf-8-sig").splitlines()[0]
    assert "attachment" in csv.headers["Content-Disposition"]
    xlsx = manager.get("/console/reports/download?kind=quarter&format=xlsx&quarter=2026Q4")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert "季度星级" in book.sheetnames
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download")).all()
    assert [e.details["kind"] for e in entries] == ["month", "quarter"]
    assert entries[0].actor == manager.user.username


def test_quarter_report(sign_in, flagged_ring):
    page = sign_in("auditor").get("/console/reports/quarter?quarter=2026Q4")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "季度星级分布" in text and "<svg" in text
    assert sign_in("auditor").get("/console/reports/quarter?quarter=2026Q9").status_code == 422


def test_month_close_is_for_managers_and_audited(sign_in, flagged_ring):
    assert sign_in("auditor").post("/console/reports/close", {"month": "2026-10"}).status_code == 403
    manager = sign_in("manager")
    response = manager.post("/console/reports/close", {"month": "2026-10", "note": "十月结账"})
    assert response.status_code == 302
    version = db.session.scalar(select(MonthVersion).where(MonthVersion.month == "2026-10"))
    assert version.version == 1 and version.created_by == manager.user.username
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert "第 1 版" in page and "已月结" in page
    again = manager.post("/console/reports/close", {"month": "2026-10"})
    assert again.status_code == 302            # back to the page, which says why
    assert "未能月结" in manager.get(again.headers["Location"]).get_data(as_text=True)
    assert "month_closed" in audit_actions()


def test_badge_sheet_pdf(sign_in):
    factories.technician(team="测试打印班")
    response = sign_in("manager").get("/console/badges/sheet.pdf?team=测试打印班")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "download"))
    assert entry.details["kind"] == "badge_sheet" and entry.details["printed"] == 1


def test_import_upload_shows_the_per_row_result(sign_in):
    manager = sign_in("manager")
    body = ("employee_no,name,phone,team,area,vendor,status\n"
            "Z9001,赵六,13800009001,城东装维班,城区营业部,自营,active\n"
            "Z9002,钱七,13800009002,城东装维班,城区营业部,自营,nonsense\n").encode()
    response = manager.post("/console/imports", {
        "kind": "technicians", "file": (io.BytesIO(body), "techs.csv")},
        content_type="multipart/form-data", headers={"X-Requested-With": "fetch"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text          # a fragment for the page
    assert '<b id="created">1</b>' in text and '<b id="rejected"' in text
    assert '<td class="num">3</td>' in text and "status" in text         # row 3 and why
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import"))
    assert entry.details["created"] == 1 and entry.details["rejected"] == 1
    bad = manager.post("/console/imports", {"kind": "technicians",
                                            "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert bad.status_code in (400, 422) and "<html" in bad.get_data(as_text=True)


def test_audit_log_page(sign_in, flagged_ring):
    manager = sign_in("manager")
    manager.get("/console/reports/download?kind=month&format=csv&month=2026-10")
    page = manager.get("/console/audit?action=download").get_data(as_text=True)
    assert "定星核算-2026-10.csv" in page and manager.user.username in page
    assert "登录" in manager.get("/console/audit").get_data(as_text=True)


def test_technician_page_marks_ratings_given_in_presence(sign_in):
    from datetime import datetime, timedelta, timezone
    from tests.console.conftest import rating, user
    tech = factories.technician(name="钱进")
    now = datetime.now(timezone.utc)
    present = rating(factories.order(technician=tech), user(), rated_at=now - timedelta(hours=1),
                     comment="当面扫码评价")
    present.presence = True
    rating(factories.order(technician=tech), user(), rated_at=now, comment="从家里评价")
    db.session.flush()
    text = sign_in("auditor").get(f"/console/technicians/{tech.employee_no}").get_data(
        as_text=True)
    rows = {row.split("</tr>")[0] for row in text.split("<tr>") if "评价" in row}
    assert any("当面扫码评价" in row and "在场" in row for row in rows)
    assert any("从家里评价" in row and "在场" not in row for row in rows)
