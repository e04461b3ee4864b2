"""The console's pay sheet, drill-down, ranking board and month reopen (server-rendered)."""
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from app.console.models import AuditEntry
from app.extensions import db
from app.reports.models import MonthVersion
from tests.reports.conftest import NOW
from tests.reports.pay_world import pay_world


def test_pay_sheet_page_with_charts_sorting_and_downloads(sign_in):
    techs = pay_world(401)
    manager = sign_in("manager")
    page = manager.get("/console/reports/pay?month=2026-10&sort=total_pay_fen&dir=desc")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert text.count('<svg class="chart"') == 2 and "考核得分分布" in text and "酬金构成" in text
    assert techs[2].employee_no in text and "个人实际收入" in text
    only = manager.get(f"/console/reports/pay?month=2026-10&team={techs[0].team}")
    assert techs[0].employee_no in only.get_data(as_text=True)
    xlsx = manager.get("/console/reports/pay/download?month=2026-10&format=xlsx")
    assert xlsx.status_code == 200 and "人员明细" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    csv = manager.get("/console/reports/pay/download?month=2026-10&format=csv")
    assert csv.data.startswith(b"\xef\xbb\xbf")
    assert manager.get("/console/reports/pay/download?month=2026-10&format=pdf").status_code == 422
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download")).all()
    assert [e.details["kind"] for e in entries] == ["pay", "pay"]


def test_drill_down_shows_each_component_and_the_score(sign_in):
    techs = pay_world(402)
    auditor = sign_in("auditor")
    for tech in techs:
        page = auditor.get(f"/console/reports/pay/{tech.employee_no}?month=2026-10")
        assert page.status_code == 200
    text = auditor.get(f"/console/reports/pay/{techs[1].employee_no}?month=2026-10") \
        .get_data(as_text=True)
    assert "当月考核得分" in text and "服务满意度" in text and "虚假评价扣罚" in text
    assert auditor.get("/console/reports/pay/NOBODY?month=2026-10").status_code == 404


def test_ranking_board_ranks_by_score_then_orders(sign_in):
    techs = pay_world(403)
    page = sign_in("auditor").get("/console/reports/ranking?month=2026-10")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "月度服务明星" in text and "班组排名" in text
    assert "万投比" in text and text.count('<svg class="chart"') == 2
    # The full list, as the page shows it: rank, employee no., orders, score (SPEC: score high
    # first, ties by more orders, then employee_no).
    rows = [(int(rank), emp, int(orders), float(score)) for rank, emp, orders, score in re.findall(
        r'<tr data-href="[^"]*"><td class="num">(\d+)</td><td><a [^>]*>([^<]+)</a></td>'
        r'<td>[^<]*</td><td>[^<]*</td><td class="num">(\d+)</td><td class="num">([\d.]+)</td>', text)]
    assert len(rows) >= 3 and {emp for _, emp, _, _ in rows} <= {t.employee_no for t in techs}
    assert [rank for rank, *_ in rows] == list(range(1, len(rows) + 1))
    assert rows == sorted(rows, key=lambda r: (-r[3], -r[2], r[1]))


def test_manager_reopens_once_with_a_reason(sign_in, monkeypatch):
    from app.reports import closing
    monkeypatch.setattr(closing, "utcnow", lambda: NOW)
    pay_world(404, technicians=4, orders=40)
    manager = sign_in("manager")
    closed = manager.post("/console/reports/close", {"month": "2026-10", "back": "pay",
                                                     "expected_version": "0"})
    assert closed.status_code == 302 and "/reports/pay" in closed.headers["Location"]
    assert sign_in("auditor").post("/console/reports/reopen",
                                   {"month": "2026-10", "reason": "x"}).status_code == 403
    assert "须填写原因" in manager.get(manager.post(
        "/console/reports/reopen", {"month": "2026-10", "reason": ""}).headers["Location"]) \
        .get_data(as_text=True)
    first = manager.post("/console/reports/reopen", {"month": "2026-10", "reason": "补录工单",
                                                     "expected_version": "1"})
    second = manager.post("/console/reports/reopen", {"month": "2026-10", "reason": "别的原因",
                                                      "expected_version": "1"})
    assert first.status_code == second.status_code == 302
    assert "未能重新打开" in manager.get(second.headers["Location"]).get_data(as_text=True)
    version = db.session.scalar(select(MonthVersion).where(MonthVersion.month == "2026-10"))
    assert version.reopen_reason == "补录工单"
    stale = manager.post("/console/reports/close", {"month": "2026-10", "back": "pay",
                                                    "expected_version": "0"})
    assert "未能月结" in manager.get(stale.headers["Location"]).get_data(as_text=True)
    assert manager.post("/console/reports/close", {"month": "2026-10", "back": "pay",
                                                   "expected_version": "1"}).status_code == 302
    text = manager.get("/console/reports/pay?month=2026-10").get_data(as_text=True)
    assert "第 2 版" in text and "补录工单" in text
    assert {"month_closed", "month_reopened"} <= {
        e.action for e in db.session.scalars(select(AuditEntry))}
