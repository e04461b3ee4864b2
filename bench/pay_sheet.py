"""Pay sheet benchmark: the whole pay sheet service against one hand-written SQL aggregate.

    . .venv/bin/activate && python bench/pay_sheet.py [--orders 1000000] [--technicians 5000]
        [--urges 100000] [--penalties 20000] [--commissions 5000] [--items 25000] [--reuse]

A scratch PostgreSQL database (`bench_pay` on 127.0.0.1) is built by the real migrations and
filled with COPY: ~5,000 technicians, 1,000,000 orders completed in 2026-10 (Asia/Shanghai; 45 %
repairs with deadlines around the 24 h edges, some with due_at, a few OLT/cable faults), 300,000
WeChat ratings, callbacks on ~40 % of the orders, 100,000 urges, 20,000 penalties (false closures
and complaint/other fines), 5,000 commissions, 25,000 assessment items, a few confirmed frauds,
and 150,000 orders of 2026Q3 with ratings, so October pays a quarterly bonus by Q3's grade.
Then, in a fresh process:

  (a) `app.reports.service.pay_sheet(month="2026-10", live=True)` — every technician's install
      and maintenance pay, score, commissions, bonus, six penalties and total, with roll-ups;
  (b) the baseline: one hand-written SQL statement computing the same per-technician totals
      (effective stars by DISTINCT ON, the score's two computed items, maintenance by the score,
      overdue days, the highest urge per order, the Q3 grades by window functions).

Each runs `--repeat` times alternately; the best time counts. Ratio = baseline / service (target
≥ 0.3; service ≤ 20 s). Peak RSS of the measuring process is printed before and after (memory
must stay flat: no Python object per order). Every technician's totals of (a) and (b) must agree.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_monthly as base  # noqa: E402  (the same data helpers and app factory)

ROOT = base.ROOT
PG_DATABASE = "bench_pay"
URL = f"{base.PG_SERVER}/{PG_DATABASE}"
MONTH, Q3_START = "2026-10", base.MONTH_START - timedelta(days=92)
TARGET_RATIO, TARGET_SECONDS = 0.3, 20.0
LATENESS_HOURS = [-5, 2, 23.98, 24, 30, 47.98, 48, 73, 100]
ITEMS = ["装移机预约录音及时率", "宽带装移机履约准时率", "阶段性工作", "基础管理", "工单质量"]


def fresh_schema() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
                f"CREATE DATABASE {PG_DATABASE}"):
        subprocess.run(["psql", f"{base.PG_SERVER}/postgres", "-q", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], check=True)
    from flask_migrate import upgrade
    app = base.make_app(URL)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"], revision="heads")


def generate(args) -> None:
    """Fill the schema; deterministic for the same arguments."""
    from sqlalchemy import insert
    from app.extensions import db
    rng = random.Random(args.seed)
    app = base.make_app(URL)
    now = base.MONTH_START + timedelta(days=50)
    n_tech, n_orders, q3_orders = args.technicians, args.orders, args.orders * 15 // 100
    started = time.perf_counter()
    with app.app_context():
        tables = db.metadata.tables
        conn = db.engine.connect()
        with conn.begin():
            conn.execute(insert(tables["technicians"]), [
                {"id": i, "employee_no": f"ZW{100000 + i}", "name": f"装维{i}",
                 "phone": f"139{i:08d}", "team": f"{base.AREAS[i % 10]}{i % 7 + 1}班",
                 "area": base.AREAS[i % 10], "vendor": ["自营", "华通代维", "信达代维"][i % 3],
                 "status": "active" if i % 50 else "left", "created": now, "updated": now}
                for i in range(1, n_tech + 1)])
            conn.execute(insert(tables["broadband_accounts"]), [
                {"id": i, "account_no": f"0352{i:08d}", "holder_name": "用户", "phone": "139",
                 "address": "地址", "area": base.AREAS[i % 10], "created": now, "updated": now}
                for i in range(1, 50_001)])
            conn.execute(insert(tables["wechat_users"]), [{"id": 1, "token_version": 0,
                                                            "created_at": now}])
        raw = conn.connection.dbapi_connection
        repairs: list[int] = []

        def rows_orders():
            for i in range(1, n_orders + q3_orders + 1):
                tech = rng.randint(1, n_tech)
                kind = rng.choice(base.TYPES)
                if i <= n_orders:
                    completed = base.MONTH_START + timedelta(seconds=rng.randrange(base.MONTH_SECONDS))
                else:
                    completed = Q3_START + timedelta(seconds=rng.randrange(92 * 86400))
                due, cause, created = None, None, completed - timedelta(hours=3)
                if kind == "repair":
                    if i <= n_orders:
                        repairs.append(i)
                    late = timedelta(hours=rng.choice(LATENESS_HOURS))
                    if rng.random() < 0.3:
                        created = completed - late - timedelta(hours=30)
                        due = created + timedelta(hours=30)
                    else:
                        created = completed - late - timedelta(hours=24)
                    cause = rng.choices([None, "olt", "cable"], [92, 5, 3])[0]
                yield (i, f"GD{i:010d}", rng.randint(1, 50_000), tech, kind,
                       rng.choice(base.PRODUCTS), base.AREAS[tech % 10], created, completed,
                       "completed", due, cause, now, now)

        total = n_orders + q3_orders
        rated = rng.sample(range(1, total + 1), args.ratings + q3_orders * 3 // 10)

        def rows_ratings():
            for n, order_id in enumerate(rated, start=1):
                stars = rng.choices([1, 2, 3, 4, 5], [3, 3, 10, 30, 54])[0]
                voided = now if rng.random() < 0.05 else None
                yield (n, order_id, 1, 1, stars, "[]", "", "miniprogram",
                       base.MONTH_START + timedelta(days=3), voided)

        def rows_callbacks():
            n = 0
            for order_id in range(1, total + 1):
                if rng.random() > 0.40:
                    continue
                n += 1
                result = rng.choices(["satisfied", "no_answer", "dissatisfied"], [80, 14, 6])[0]
                yield (n, order_id, rng.choice(["ivr", "manual"]), result,
                       base.MONTH_START + timedelta(days=2, seconds=order_id % 86400), now, now)

        def rows_urges():
            pool = repairs + rng.sample(range(1, n_orders + 1), len(repairs) // 10)
            for n in range(1, args.urges + 1):
                order_id = rng.choice(pool)
                yield (n, order_id, base.MONTH_START + timedelta(seconds=n),
                       rng.choices(["procedure", "overdue", "excused"], [30, 55, 15])[0],
                       rng.random() < 0.5, now, now)

        def rows_penalties():
            closures = rng.sample(range(1, n_orders + 1), args.penalties * 2 // 5)
            n = 0
            for order_id in closures:
                n += 1
                yield (n, f"false_closure|GD{order_id:010d}", "false_closure", 1, order_id,
                       rng.choice([None, 10000, 15000]), None, "虚假回单", now, now)
            for _ in range(args.penalties - len(closures)):
                n += 1
                when = base.MONTH_START + timedelta(seconds=rng.randrange(-86400, 32 * 86400))
                kind = rng.choice(["complaint", "other"])
                tech = rng.randint(1, n_tech)
                yield (n, f"{kind}|{tech}||{n}", kind, tech, None, rng.randint(1, 40) * 500,
                       when, "通报", now, now)

        def rows_commissions():
            for n in range(1, args.commissions + 1):
                yield (n, (n - 1) % n_tech + 1, MONTH, rng.randint(-2000, 60000), f"项目{n}",
                       now, now)

        def rows_items():
            for n in range(1, args.items + 1):
                tech, item = (n - 1) % n_tech + 1, ITEMS[((n - 1) // n_tech) % len(ITEMS)]
                yield (n, tech, MONTH, item, rng.choice([-500, -200, -100, 50, 100, 250]), "",
                       now, now)

        plan = [
            ("work_orders", "id, order_no, account_id, technician_id, order_type, product, area, "
                            "created_at, completed_at, status, due_at, fault_cause, created, "
                            "updated", rows_orders()),
            ("ratings", "id, order_id, technician_id, user_id, stars, tags, comment, channel, "
                        "created_at, voided_at", rows_ratings()),
            ("callback_results", "id, order_id, channel, result, called_at, created, updated",
             rows_callbacks()),
            ("urges", "id, order_id, urged_at, cause, appointment_recorded, created, updated",
             rows_urges()),
            ("penalties", "id, natural_key, kind, technician_id, order_id, amount_fen, "
                          "occurred_at, note, created, updated", rows_penalties()),
            ("commissions", "id, technician_id, month, amount_fen, note, created, updated",
             rows_commissions()),
            ("assessment_items", "id, technician_id, month, item, points_centi, note, created, "
                                 "updated", rows_items()),
        ]
        for table, columns, rows in plan:
            base._load("postgres", raw, table, columns, rows)
            print(f"  loaded {table} ({time.perf_counter() - started:.0f} s)", flush=True)
        with conn.begin():
            conn.exec_driver_sql("UPDATE ratings SET technician_id = (SELECT technician_id FROM "
                                 "work_orders WHERE work_orders.id = ratings.order_id)")
            conn.exec_driver_sql("UPDATE penalties SET technician_id = (SELECT technician_id "
                                 "FROM work_orders WHERE work_orders.id = penalties.order_id) "
                                 "WHERE kind = 'false_closure'")
            # One finding (offence) per technician-month, each resting on its confirmed flag.
            technicians = [(i * 97) % n_tech + 1 for i in range(1, 21)]
            conn.execute(insert(tables["fraud_offences"]), [
                {"id": i, "technician_id": tid, "month": MONTH, "offence_no": 1, "fine": 5000,
                 "suspension": False, "created_at": now, "updated_at": now}
                for i, tid in enumerate(technicians, start=1)])
            conn.execute(insert(tables["fraud_flags"]), [
                {"id": i, "rating_id": i, "order_id": rated[i - 1], "technician_id": tid,
                 "month": MONTH, "score": 0.9, "reasons": [], "status": "confirmed",
                 "detectors": "", "offence_id": i, "created_at": now, "updated_at": now}
                for i, tid in enumerate(technicians, start=1)])
        conn.close()
    subprocess.run(["psql", URL, "-q", "-c", "VACUUM ANALYZE"], check=True)
    print(f"  data ready in {time.perf_counter() - started:.0f} s", flush=True)


# --- the baseline: one hand-written statement ----------------------------------------------------

BASELINE = open(Path(__file__).with_name("pay_sheet.sql"), encoding="utf-8").read()


def measure(repeat: int) -> dict:
    """Runs in its own process: time (a) and (b) alternately, compare every technician's totals."""
    from sqlalchemy import text
    from app.extensions import db
    from app.reports import service
    from app.timeutil import month_bounds, quarter_bounds
    app = base.make_app(URL)
    with app.app_context():
        start, end = month_bounds(MONTH, "Asia/Shanghai")
        q_start, q_end = quarter_bounds("2026Q3", "Asia/Shanghai")
        params = {"start": start, "end": end, "q_start": q_start, "q_end": q_end,
                  "month": MONTH, "q_months": ["2026-07", "2026-08", "2026-09"]}
        tariff = service.load_tariff(None)
        db.session.execute(text("SELECT 1"))
        rss_before = base._rss_mb()
        times: dict[str, list[float]] = {"service": [], "baseline": []}
        sheet = rows = None
        for _ in range(repeat):
            began = time.perf_counter()
            rows = db.session.execute(text(BASELINE), params).all()
            times["baseline"].append(time.perf_counter() - began)
            db.session.rollback()
            began = time.perf_counter()
            sheet = service.pay_sheet(month=MONTH, tariff=tariff, tz_name="Asia/Shanghai",
                                      live=True)
            times["service"].append(time.perf_counter() - began)
            db.session.rollback()
        rss_after = base._rss_mb()
        fields = ("install_pay_fen", "maintenance_pay_fen", "commissions_fen",
                  "quarterly_bonus_fen", "penalty_overdue", "penalty_urge",
                  "penalty_false_closure", "penalty_fraud", "penalty_complaint", "penalty_other",
                  "total_pay_fen", "score_centi")
        expected = {r.employee_no: tuple(int(getattr(r, f)) for f in fields) for r in rows
                    if r.orders or r.any_money}
        got = {i["employee_no"]: (
            i["install_pay_fen"], i["maintenance_pay_fen"], i["commissions_fen"],
            i["quarterly_bonus_fen"], *(i["penalties_fen"][k] for k in (
                "overdue", "urge", "false_closure", "fraud", "complaint", "other")),
            i["total_pay_fen"], round(i["assessment_score"] * 100)) for i in sheet["items"]}
        differing = sorted(e for e in expected.keys() | got.keys()
                           if expected.get(e) != got.get(e))
        return {"best": {k: min(v) for k, v in times.items()}, "all": times,
                "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(rss_after, 1),
                "technicians": len(sheet["items"]), "totals": {
                    k: sheet["totals"][k] for k in ("install_pay", "maintenance_pay",
                                                    "commissions", "quarterly_bonus",
                                                    "penalties_total", "total_pay")},
                "differing": differing[:10], "agree": not differing}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--ratings", type=int, default=300_000)
    parser.add_argument("--technicians", type=int, default=5_000)
    parser.add_argument("--urges", type=int, default=100_000)
    parser.add_argument("--penalties", type=int, default=20_000)
    parser.add_argument("--commissions", type=int, default=5_000)
    parser.add_argument("--items", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print("@@result " + json.dumps(measure(args.repeat)))
        return 0

    print(f"== postgres: {args.orders:,} orders, {args.urges:,} urges, {args.penalties:,} "
          f"penalties, {args.commissions:,} commissions, {args.items:,} assessment items, "
          f"{args.technicians:,} technicians; load average {os.getloadavg()[0]:.1f}", flush=True)
    if not args.reuse:
        fresh_schema()
        generate(args)
    done = subprocess.run([sys.executable, __file__, "--measure", "--repeat", str(args.repeat)],
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = next((l for l in done.stdout.splitlines() if l.startswith("@@result ")), None)
    if line is None:
        print(done.stdout, done.stderr)
        return 1
    result = json.loads(line[len("@@result "):])
    best = result["best"]
    ratio = best["baseline"] / best["service"]
    print(f"  pay sheet service      {best['service']:7.2f} s   (runs: "
          + ", ".join(f"{t:.2f}" for t in result["all"]["service"]) + ")")
    print(f"  hand-written SQL       {best['baseline']:7.2f} s   (runs: "
          + ", ".join(f"{t:.2f}" for t in result["all"]["baseline"]) + ")")
    print(f"  ratio baseline/service {ratio:7.2f}     (target >= {TARGET_RATIO}; service "
          f"target <= {TARGET_SECONDS:.0f} s)")
    print(f"  peak RSS               {result['rss_before_mb']:.0f} MB before, "
          f"{result['rss_peak_mb']:.0f} MB after {args.repeat} runs")
    print(f"  {result['technicians']} technicians on the sheet; totals {result['totals']}")
    print(f"  every technician's totals agree with the baseline: "
          f"{'yes' if result['agree'] else 'NO ' + str(result['differing'])}")
    print(f"  load average after: {os.getloadavg()[0]:.1f}")
    ok = result["agree"] and ratio >= TARGET_RATIO and best["service"] <= TARGET_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
