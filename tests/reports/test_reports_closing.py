"""Month close: a frozen version that later imports and fraud decisions do not move."""
from datetime import datetime, timedelta, timezone

import pytest

from app.reports import service
from app.reports.tariff import parse_tariff
from tests import factories
from tests.reports.conftest import NOW, OCT_START, random_world, rating, sanction

TZ = "Asia/Shanghai"
T = parse_tariff()


def close(**kw):
    return service.close_month(month="2026-10", by="经理", tariff=kw.pop("tariff", T),
                               tz_name=TZ, now=NOW, **kw)


def report(**kw):
    return service.monthly_report(month="2026-10", tariff=T, tz_name=TZ, **kw)


def row_of(result, tech):
    return next(i for i in result["items"] if i["employee_no"] == tech.employee_no)


def test_closed_month_does_not_move_until_recomputed():
    techs = random_world(61)
    live_before = report()
    version = close(note="十月月结")
    assert version.version == 1 and version.changes is None
    assert version.tariff_version == T.version
    frozen = report()
    assert frozen["source"] == "snapshot" and frozen["status"] == "closed"
    assert frozen["items"] == live_before["items"]
    assert frozen["totals"] == live_before["totals"]
    assert {k: v for k, v in version.totals.items() if k != "pay"} == frozen["totals"]

    # Later: a late order import, a new rating and a fraud decision for October.
    victim = techs[3]
    late = factories.order(technician=victim, completed_at=OCT_START + timedelta(days=9))
    rating(late, 5)
    sanction(techs[4], "2026-10")
    assert report()["items"] == frozen["items"]                  # the close holds
    live = report(live=True)
    assert live["source"] == "live" and live["items"] != frozen["items"]
    for tech in (victim, techs[4]):
        ledger = service.pay_ledger(month="2026-10", technician=tech, tariff=T, tz_name=TZ)
        assert ledger["source"] == "snapshot"
        assert ledger["components_fen"].get("install", 0) == row_of(frozen, tech)["install_pay_fen"]

    second = close(recompute=True, note="补录工单")
    assert second.version == 2 and second.kind == "recompute"
    changed = {c["employee_no"]: c["changes"] for c in second.changes["changed"]}
    assert set(changed) == {victim.employee_no, techs[4].employee_no}
    assert changed[victim.employee_no]["orders_completed"] == {
        "old": row_of(frozen, victim)["orders_completed"],
        "new": row_of(frozen, victim)["orders_completed"] + 1}
    assert changed[techs[4].employee_no]["star_eligible"] == {"old": True, "new": False}
    assert second.changes["previous_version"] == 1 and not second.changes["tariff_changed"]
    now_frozen = report()
    assert now_frozen["version"] == 2 and now_frozen["items"] == report(live=True)["items"]


def test_closed_ledger_sums_to_closed_report():
    techs = random_world(62)
    close()
    frozen = {i["employee_no"]: i for i in report()["items"]}
    for tech in techs:
        ledger = service.pay_ledger(month="2026-10", technician=tech, tariff=T, tz_name=TZ)
        expected = frozen.get(tech.employee_no, {"install_pay_fen": 0})["install_pay_fen"]
        assert ledger["components_fen"].get("install", 0) == expected and ledger["version"] == 1


def test_reopen_then_close_again_makes_a_new_version():
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    close()
    with pytest.raises(service.MonthAlreadyClosed):
        close()
    reopened = service.reopen_month(month="2026-10", by="经理", reason="补录回访")
    assert reopened.is_open
    assert report()["status"] == "reopened" and report()["source"] == "live"
    with pytest.raises(service.MonthNotClosed):
        service.reopen_month(month="2026-10", by="经理", reason="again")
    with pytest.raises(service.MonthNotClosed):
        close(recompute=True)
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=2))
    third = close()
    assert third.version == 2 and third.kind == "close"
    (entry,) = third.changes["changed"]
    assert entry["employee_no"] == tech.employee_no
    assert entry["changes"]["install_pay_fen"] == {"old": 3000, "new": 6000}   # 3★ by default
    assert [v.version for v in service.month_versions("2026-10")] == [2, 1]


def test_tariff_change_is_recorded_on_the_version():
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1), area="阳高县")
    close()
    higher = parse_tariff({"area_coefficients": {"阳高县": "1.5"}})
    second = close(recompute=True, tariff=higher)
    assert second.changes["tariff_changed"] and second.tariff_version == higher.version
    assert report()["tariff_version"] == higher.version
    assert row_of(report(), tech)["install_pay"] == "45.00"    # 3★ broadband 30 × 1.5


def test_a_month_that_has_not_ended_cannot_be_closed():
    with pytest.raises(service.MonthNotOver):
        service.close_month(month="2026-10", by="x", tariff=T, tz_name=TZ,
                            now=datetime(2026, 10, 31, 15, 59, tzinfo=timezone.utc))


def test_close_api_is_for_managers(client, manager_headers, auditor_headers):
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    body = {"month": "2026-10", "note": "月结"}
    assert client.post("/api/v1/admin/reports/monthly/close", json=body,
                       headers=auditor_headers).status_code == 403
    response = client.post("/api/v1/admin/reports/monthly/close", json=body,
                           headers=manager_headers)
    assert response.status_code == 201, response.json
    assert response.json["version"] == 1 and response.json["in_force"]
    again = client.post("/api/v1/admin/reports/monthly/close", json=body, headers=manager_headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "month_already_closed"
    current = client.get("/api/v1/admin/reports/monthly?month=2026-10", headers=auditor_headers)
    assert current.json["source"] == "snapshot" and current.json["version"] == 1
    reopen = client.post("/api/v1/admin/reports/monthly/reopen",
                         json={"month": "2026-10", "reason": "更正"}, headers=manager_headers)
    assert reopen.status_code == 200 and not reopen.json["in_force"]
    recompute = client.post("/api/v1/admin/reports/monthly/recompute", json=body,
                            headers=manager_headers)
    assert recompute.status_code == 409
    closed = client.post("/api/v1/admin/reports/monthly/close", json=body,
                         headers=manager_headers)
    assert closed.status_code == 201 and closed.json["version"] == 2
    assert closed.json["changes"] == {"changed": [], "added": [], "removed": [],
                                      "previous_version": 1, "tariff_changed": False,
                                      "pay_compared": True}
    versions = client.get("/api/v1/admin/reports/monthly/versions?month=2026-10",
                          headers=auditor_headers).json["items"]
    assert [(v["version"], v["in_force"]) for v in versions] == [(2, True), (1, False)]
    assert versions[1]["reopen_reason"] == "更正"


def test_future_month_close_is_refused_by_api(client, manager_headers):
    response = client.post("/api/v1/admin/reports/monthly/close", json={"month": "2099-01"},
                           headers=manager_headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "month_not_over"


def test_cli_close_recompute_reopen_and_export(app, tmp_path):
    tech = factories.technician()
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["report", "close", "--month", "2026-10", "--by", "ops"])
    assert result.exit_code == 0, result.output
    assert "2026-10 version 1 (close)" in result.output
    assert "账本 1/1 名装维人员" in result.output       # progress, on stderr
    result = runner.invoke(args=["report", "close", "--month", "2026-10"])
    assert result.exit_code != 0 and "month_already_closed" in result.output
    factories.order(technician=tech, completed_at=OCT_START + timedelta(days=3))
    result = runner.invoke(args=["report", "recompute", "--month", "2026-10"])
    assert result.exit_code == 0 and f"{tech.employee_no}: " in result.output
    assert "orders_completed 1→2" in result.output
    out = tmp_path / "oct.csv"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-10", "-o", str(out)])
    assert result.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    result = runner.invoke(args=["report", "versions", "--month", "2026-10"])
    assert "version 2 (recompute)" in result.output
    result = runner.invoke(args=["report", "reopen", "--month", "2026-10", "--reason", "x"])
    assert result.exit_code == 0
    result = runner.invoke(args=["report", "close", "--month", "2026-13"])
    assert result.exit_code == 2


def test_a_close_reports_its_progress_technician_by_technician(monkeypatch):
    from app.masterdata.models import Technician
    from app.extensions import db
    from app.reports import closing
    random_world(62)
    monkeypatch.setattr(closing, "INSERT_BATCH", 3)   # small batches: several reports
    seen = []
    close(on_progress=lambda done, total: seen.append((done, total)))
    everyone = db.session.query(Technician).count()
    assert len(seen) >= 3
    assert {total for _, total in seen} == {everyone}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (everyone, everyone)


def test_the_close_task_shows_how_far_it_is(app):
    from app import tasks
    from app.extensions import db
    from app.masterdata.models import Technician
    from tests.tasks_helpers import task_run
    random_world(63)
    task_id = tasks.enqueue("reports.close_month", month="2026-10", by="经理")
    db.session.commit()
    assert tasks.drain() == 1
    run = task_run(task_id)
    everyone = db.session.query(Technician).count()
    assert run.status == "done" and run.result == {"month": "2026-10", "version": 1}
    assert (run.progress_done, run.progress_total) == (everyone, everyone)
    assert run.progress_note == "名装维人员"
