"""The 操作日志 holds every channel — console, API, command line — in words people read."""
from sqlalchemy import select

from app.console.auditwords import details_words
from app.console.models import AuditEntry
from app.extensions import db
from tests import factories


def test_details_read_as_words():
    line = details_words({"order_no": "GD001", "score": 0.9925, "confirmed": ["GD1", "GD2"],
                          "kind": "month", "unknown_key": 3})
    assert line == "工单号 GD001；可疑程度 99%；确认的工单 GD1、GD2；类型 月度报表；unknown_key 3"
    assert "=" not in line


def test_api_and_cli_changes_land_beside_the_console_ones(app, client, api_key, sign_in):
    tech = factories.technician()
    rotated = client.post(f"/api/v1/admin/technicians/{tech.employee_no}/badge/rotate",
                          headers={"Authorization": f"Bearer {api_key('manager')}"})
    assert rotated.status_code == 200
    result = app.test_cli_runner().invoke(args=["badge", "revoke", tech.employee_no,
                                                "--reason", "工牌遗失"])
    assert result.exit_code == 0, result.output
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    by_action = {e.action: e for e in entries}
    assert by_action["badge_rotated"].actor.startswith("api:")
    assert by_action["badge_revoked"].actor.startswith("cli:")
    page = sign_in("manager").get("/console/audit").get_data(as_text=True)
    assert "更换工牌" in page and "作废工牌" in page and "原因 工牌遗失" in page
    assert "reason=" not in page and "version=" not in page
