"""`flask import <kind> FILE`: the same import from the command line."""
import csv

from sqlalchemy import func, select

from app.extensions import db
from app.masterdata.models import Technician
from tests.masterdata.conftest import ACCOUNT_HEADER, ORDER_HEADER, TECH_HEADER, csv_body


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_cli_import_prints_a_summary(app, tmp_path):
    rows = [f"C{i},王{i},138000{i:05d},一班,城区,自营,active" for i in range(120)]
    path = write(tmp_path, csv_body(TECH_HEADER, *rows, "BAD,,1,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert result.exit_code == 3, result.output         # a row was rejected
    assert "--allow-rejects" in result.output
    assert "122 rows read" not in result.output
    assert "121 rows read, 120 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "row 122: name" in result.output
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 120

    again = app.test_cli_runner().invoke(
        args=["import", "technicians", str(path), "--allow-rejects"])
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 120 unchanged, 1 rejected" in again.output


def test_cli_exits_zero_when_nothing_was_rejected(app, tmp_path):
    path = write(tmp_path, csv_body(TECH_HEADER, "T1,王,13800000001,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert result.exit_code == 0, result.output


def test_cli_quiet_prints_nothing_but_still_fails_on_rejects(app, tmp_path):
    good = write(tmp_path, csv_body(TECH_HEADER, "T1,王,13800000001,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(good), "--quiet"])
    assert (result.exit_code, result.output) == (0, "")
    bad = write(tmp_path, csv_body(TECH_HEADER, "T2,,13800000002,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(bad), "--quiet"])
    assert (result.exit_code, result.output) == (3, "")


def test_cli_writes_every_reject_to_a_file(app, tmp_path, monkeypatch):
    from app.masterdata import imports
    monkeypatch.setattr(imports, "MAX_REPORTED_REJECTS", 3)
    path = write(tmp_path, csv_body(TECH_HEADER, *[f"T{i},,1,a,b,c,active" for i in range(30)]),
                 encoding="gbk")
    rejects = tmp_path / "rejects.csv"
    result = app.test_cli_runner().invoke(
        args=["import", "technicians", str(path), "--rejects", str(rejects), "--allow-rejects"])
    assert result.exit_code == 0
    assert "30 rejected" in result.output
    with open(rejects, encoding="utf-8-sig") as f:
        header, *listed = list(csv.reader(f))
    assert header == ["行号(row)", *TECH_HEADER.split(","), "原因(reason)"]
    assert [int(r[0]) for r in listed] == list(range(2, 32))
    assert [r[1] for r in listed] == [f"T{i}" for i in range(30)]      # the original cells
    assert all(r[-1].startswith("name:") for r in listed)


def test_cli_rejects_keep_row_order_across_parse_and_reference_errors(app, tmp_path):
    """Unknown references are found when a batch is written, after later rows failed to parse;
    the rejects file still lists rows in file order, each with its own cells."""
    tech = write(tmp_path, csv_body(TECH_HEADER, "T1,王,13800000001,a,b,c,active"))
    app.test_cli_runner().invoke(args=["import", "technicians", str(tech)])
    account = tmp_path / "accounts.csv"
    account.write_text(csv_body(ACCOUNT_HEADER, "A1,张,13900000001,某路1号,城区"), encoding="utf-8")
    app.test_cli_runner().invoke(args=["import", "accounts", str(account)])
    rows = []
    for i in range(9):
        employee = "NOBODY" if i % 3 == 0 else "T1"
        completed = "yesterday" if i % 3 == 1 else "2026-10-02T10:00:00"
        rows.append(f"O{i},A1,{employee},install,broadband,城区,2026-10-01T09:00:00,{completed},"
                    "completed")
    path = tmp_path / "orders.csv"
    path.write_text(csv_body(ORDER_HEADER, *rows), encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = app.test_cli_runner().invoke(args=[
        "import", "orders", str(path), "--rejects", str(rejects), "--batch-size", "3"])
    assert result.exit_code == 3, result.output
    with open(rejects, encoding="utf-8-sig") as f:
        header, *listed = list(csv.reader(f))
    assert header[1:-1] == ORDER_HEADER.split(",")
    numbers = [int(r[0]) for r in listed]
    assert numbers == sorted(numbers) and len(numbers) == 6
    assert [r[1] for r in listed] == [f"O{n - 2}" for n in numbers]
    assert {r[-1].split(":")[0] for r in listed} == {"employee_no", "completed_at"}



def test_cli_bad_header_fails_with_the_reason(app, tmp_path):
    path = write(tmp_path, "foo,bar\n1,2\n")
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert result.exit_code != 0
    assert "bad_header" in result.output


def test_cli_reports_progress_when_not_a_terminal(app, tmp_path):
    path = write(tmp_path, csv_body(TECH_HEADER, "T1,王,13800000001,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert "… 1 rows: 1 created" in result.output


def test_cli_dry_run_says_what_would_change_and_writes_nothing(app, tmp_path):
    from app.masterdata.models import ImportRun
    rows = [f"D{i},赵{i},139000{i:05d},一班,城区,自营,active" for i in range(30)]
    path = write(tmp_path, csv_body(TECH_HEADER, *rows, "BAD,,1,a,b,c,active"))
    before = db.session.scalar(select(func.count()).select_from(Technician))
    tried = app.test_cli_runner().invoke(
        args=["import", "technicians", str(path), "--dry-run", "--batch-size", "7"])
    assert tried.exit_code == 3, tried.output                # the bad row is still reported
    assert "试导入" in tried.output
    assert "31 rows read, 30 created, 0 updated, 0 unchanged, 1 rejected" in tried.output
    assert db.session.scalar(select(func.count()).select_from(Technician)) == before
    run = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run.dry_run and run.channel == "cli" and run.created == 30

    real = app.test_cli_runner().invoke(
        args=["import", "technicians", str(path), "--allow-rejects"])
    assert real.exit_code == 0 and "30 created" in real.output
    assert db.session.scalar(select(func.count()).select_from(Technician)) == before + 30
