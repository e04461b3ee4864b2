"""Server time of every console page on the demo data (target: each under 300 ms).

    . .venv/bin/activate && python bench/console_pages.py [--database sqlite:///bench/out/console.db]
        [--runs 7] [--fresh]

Seeds the demo (`flask demo seed`'s services, one commit) into a scratch database unless it is
already there, signs in as an admin staff user with the Flask test client, and requests each
page `--runs` times (first run discarded as warm-up), reporting the median and worst server time
and the number of SQL statements per request (an N+1 shows up as a count that grows with rows).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench/out/console_pages.db'}")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="drop and reseed the database")
    parser.add_argument("--budget-ms", type=float, default=300.0)
    args = parser.parse_args()

    if args.fresh and args.database.startswith("sqlite:///"):
        Path(args.database[len("sqlite:///"):]).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = args.database
    from flask_migrate import upgrade

    from app import create_app
    from app.console import service as console
    from app.demo.service import seed_demo, seed_demo_reviews
    from app.extensions import db
    from app.fraud.models import FraudFlag, FraudSample

    app = create_app({"LOG_LEVEL": "WARNING", "SECRET_KEY": "bench-" + "k" * 40})
    with app.app_context():
        upgrade()
        if console.find_user("bench-admin") is None:
            print("seeding the demo (first run only)…", file=sys.stderr)
            seed_demo(tz_name=app.config["TIMEZONE"])
            db.session.commit()
            seed_demo_reviews(config=app.config, on_batch=lambda _s: db.session.commit())
            console.create_user(username="bench-admin", role="admin", password="bench-password-1")
            db.session.commit()
        flag_id, case_id = db.session.execute(
            select(FraudFlag.id, FraudFlag.case_id).order_by(FraudFlag.score.desc())).first()
        sample_id = db.session.scalar(select(FraudSample.id))

    statements = [0]
    with app.app_context():
        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_a, **_k):
            statements[0] += 1

    client = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/console/login", data={"username": "bench-admin", "password": "bench-password-1",
                                        "csrf_token": token})
    if sample_id is None:
        page = client.get("/console/samples").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/console/samples", data={"csrf_token": token})
        with app.app_context():
            sample_id = db.session.scalar(select(FraudSample.id))

    pages = [
        ("审核队列", "/console/cases"),
        ("稽核案件(含预演)", f"/console/cases/{case_id}"),
        ("稽核标记详情", f"/console/flags/{flag_id}"),
        ("抽样回访列表", "/console/samples"),
        ("回访样本", f"/console/samples/{sample_id}"),
        ("装维人员", "/console/technicians"),
        ("装维人员详情", "/console/technicians/ZW1005"),
        ("满意度修复", "/console/recovery"),
        ("满意度修复(超期)", "/console/recovery?overdue=1"),
        ("月度报表", "/console/reports/month"),
        ("月度报表(班组)", "/console/reports/month?team=%E5%9F%8E%E4%B8%9C%E8%A3%85%E7%BB%B4%E7%8F%AD"),
        ("季度星级", "/console/reports/quarter"),
        ("数据导入", "/console/imports"),
        ("操作日志", "/console/audit"),
        ("下载 CSV", "/console/reports/download?kind=month&format=csv"),
        ("下载 XLSX", "/console/reports/download?kind=month&format=xlsx"),
    ]
    print(f"{'page':<22}{'median ms':>10}{'max ms':>9}{'SQL':>6}  path")
    worst = 0.0
    for label, path in pages:
        times, counts = [], []
        for run in range(args.runs):
            statements[0] = 0
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if run:
                times.append(elapsed)
                counts.append(statements[0])
        median, peak = statistics.median(times), max(times)
        worst = max(worst, median)
        flag = "  ← over budget" if median > args.budget_ms else ""
        print(f"{label:<20}{median:>10.1f}{peak:>9.1f}{max(counts):>6}  {path}{flag}")
    print(f"slowest page median {worst:.1f} ms (budget {args.budget_ms:.0f} ms)")
    return 0 if worst <= args.budget_ms else 1


if __name__ == "__main__":
    raise SystemExit(main())
