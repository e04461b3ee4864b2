"""`flask import <kind> FILE`: the same import from the command line."""
import csv

from sqlalchemy import func, select

from app.extensions import db
from app.masterdata.models import Technician
from tests.masterdata.conftest import TECH_HEADER, csv_body


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_cli_import_prints_a_summary(app, tmp_path):
    rows = [f"C{i},王{i},138000{i:05d},一班,城区,自营,active" for i in range(120)]
    path = write(tmp_path, csv_body(TECH_HEADER, *rows, "BAD,,1,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert result.exit_code == 0, result.output
    assert "122 rows read" not in result.output
    assert "121 rows read, 120 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "row 122: name" in result.output
    assert db.session.scalar(select(func.count()).select_from(Technician)) == 120

    again = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert "0 created, 0 updated, 120 unchanged, 1 rejected" in again.output


def test_cli_writes_every_reject_to_a_file(app, tmp_path, monkeypatch):
    from app.masterdata import imports
    monkeypatch.setattr(imports, "MAX_REPORTED_REJECTS", 3)
    path = write(tmp_path, csv_body(TECH_HEADER, *[f"T{i},,1,a,b,c,active" for i in range(30)]),
                 encoding="gbk")
    rejects = tmp_path / "rejects.csv"
    result = app.test_cli_runner().invoke(
        args=["import", "technicians", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 0
    assert "30 rejected" in result.output
    with open(rejects, encoding="utf-8-sig") as f:
        listed = list(csv.reader(f))
    assert [int(r[0]) for r in listed] == list(range(2, 32))


def test_cli_bad_header_fails_with_the_reason(app, tmp_path):
    path = write(tmp_path, "foo,bar\n1,2\n")
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert result.exit_code != 0
    assert "bad_header" in result.output


def test_cli_reports_progress_when_not_a_terminal(app, tmp_path):
    path = write(tmp_path, csv_body(TECH_HEADER, "T1,王,13800000001,a,b,c,active"))
    result = app.test_cli_runner().invoke(args=["import", "technicians", str(path)])
    assert "… 1 rows: 1 created" in result.output
