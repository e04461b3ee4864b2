"""`flask import orders` killed half-way (SIGKILL, as an OOM killer or a lost SSH session would),
then run again: every row is there exactly once. Real processes against a committed scratch
SQLite database, since the point is what survives a dead process."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 5_000
BATCH = 100


def _flask(env: dict, *args: str, **kw):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kw)


def _run(env: dict, *args: str) -> str:
    process = _flask(env, *args)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
    return output


def _count(db_path: Path) -> int:
    for _ in range(50):
        try:
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as conn:
                return conn.execute("SELECT count(*) FROM work_orders").fetchone()[0]
        except sqlite3.OperationalError:       # locked by the writer's commit: try again
            time.sleep(0.02)
    raise AssertionError("work_orders stayed locked")


def _prepare(db_path: Path, *files: Path) -> None:
    """Schema and master data of the scratch database, in process (each `flask` process costs
    seconds of start-up on a busy machine; only the import under test needs its own)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.masterdata import service

    scratch = create_app({"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{db_path}",
                          "SECRET_KEY": "x" * 40, "LOG_LEVEL": "WARNING"})
    with scratch.app_context():
        upgrade(revision="heads")
        for path in files:
            with open(path, "rb") as source:
                service.import_csv(path.stem, source, batch_size=500)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.real_commits      # a scratch database of its own; nothing in the test database
def test_import_killed_mid_file_and_rerun_loses_and_doubles_nothing(tmp_path):
    db_path = tmp_path / "scratch.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": "x" * 40,
           "APP_ENV": "testing", "IMPORT_BATCH_SIZE": str(BATCH), "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    technicians = tmp_path / "technicians.csv"
    technicians.write_text("employee_no,name,phone,team,area,vendor,status\n" + "".join(
        f"K{i},技师{i},1380000{i:04d},一班,城区营业部,自营,active\n" for i in range(20)))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_no,holder_name,phone,address,area\n" + "".join(
        f"KA{i},用户{i},1390000{i:04d},迎宾街{i}号,城区营业部\n" for i in range(200)))
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_no,account_no,employee_no,order_type,product,area,created_at,completed_at,status\n"
        + "".join(f"KO{i:06d},KA{i % 200},K{i % 20},install,broadband,城区营业部,"
                  f"2025-03-{1 + i % 28:02d}T09:00:00,2025-03-{1 + i % 28:02d}T11:00:00,completed\n"
                  for i in range(ORDERS)))

    _prepare(db_path, technicians, accounts)

    first = _flask(env, "import", "orders", str(orders), "--quiet")
    deadline = time.monotonic() + 60
    while _count(db_path) < 2 * BATCH:
        assert first.poll() is None, "the import finished before it could be interrupted"
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    landed = _count(db_path)
    assert 0 < landed < ORDERS, landed
    assert landed % BATCH == 0, "a batch is committed whole or not at all"

    output = _run(env, "import", "orders", str(orders))    # not --quiet: its summary is read
    assert f"{ORDERS} rows read, {ORDERS - landed} created, 0 updated, {landed} unchanged, " \
           f"0 rejected" in output, output
    with sqlite3.connect(db_path) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT order_no) FROM work_orders").fetchone()
    assert total == distinct == ORDERS
