"""Monthly report benchmark: the report service against one hand-written SQL aggregate, same run.

    . .venv/bin/activate && python bench/report_monthly.py [--db sqlite|postgres|both]
        [--orders 1000000] [--ratings 300000] [--technicians 5000] [--reuse]

For each database, a scratch schema is built by the real migrations (SQLite: bench/out/
report_bench.db; PostgreSQL: database `bench_reports` on 127.0.0.1) and filled quickly (SQLite
executemany, PostgreSQL COPY) with ~5,000 technicians, 1,000,000 orders completed in 2026-10
(Asia/Shanghai), 300,000 WeChat ratings (5% voided), callbacks on ~40% of the orders (some twice)
and a few confirmed-fraud sanctions. Then, in a fresh process per database:

  (a) `app.reports.service.monthly_report(month="2026-10", live=True)` — the whole report: every
      technician's figures, install pay, team/area roll-ups;
  (b) the baseline: one hand-written SQL query computing the same per-technician counts (orders,
      WeChat ratings, satisfied ratings, effective-star counts). On PostgreSQL two formulations
      are timed (a window-function subquery and DISTINCT ON) and the faster is the baseline, so
      the ratio is not flattered by a slow baseline; on SQLite a correlated LIMIT 1 lookup.

Each is run `--repeat` times alternately; the best time counts. Ratio = baseline / service
(target >= 0.3; PostgreSQL target <= 15 s). Peak RSS of the measuring process is printed before and
after the report (memory must stay flat: no Python object per order). The counts of (a) and (b)
are compared and must agree.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_reports"
SQLITE_FILE = OUT / "report_bench.db"
MONTH = "2026-10"
MONTH_START = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)      # 2026-10-01 00:00 +08:00
MONTH_SECONDS = 31 * 86400
AREAS = ["城区营业部", "南郊区", "新荣区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县", "云州区"]
PRODUCTS = (["broadband"] * 60 + ["iptv_bundled"] * 15 + ["iptv"] * 8 + ["landline"] * 10
            + ["campus"] * 7)
TYPES = ["install"] * 45 + ["move"] * 10 + ["repair"] * 45
BATCH = 50_000
TARGET_RATIO, TARGET_PG_SECONDS = 0.3, 15.0


def url_for(kind: str) -> str:
    return f"sqlite:///{SQLITE_FILE}" if kind == "sqlite" else f"{PG_SERVER}/{PG_DATABASE}"


def make_app(url: str):
    from app import create_app
    return create_app({"APP_ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
                       "LOG_LEVEL": "WARNING"})


# --- data ----------------------------------------------------------------------------------------

def fresh_schema(kind: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(SQLITE_FILE) + suffix).unlink(missing_ok=True)
    else:
        for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
                    f"CREATE DATABASE {PG_DATABASE}"):
            subprocess.run(["psql", f"{PG_SERVER}/postgres", "-q", "-v", "ON_ERROR_STOP=1",
                            "-c", sql], check=True)
    from flask_migrate import upgrade
    app = make_app(url_for(kind))
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"], revision="heads")


def _ts(kind: str, value: datetime):
    # SQLite stores naive UTC text in SQLAlchemy's format; PostgreSQL takes the aware value.
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if kind == "sqlite" else value


def generate(kind: str, orders: int, ratings: int, technicians: int, seed: int) -> None:
    """Fill the schema; deterministic for the same arguments."""
    from sqlalchemy import insert
    from app.extensions import db
    rng = random.Random(seed)
    app = make_app(url_for(kind))
    now = datetime(2026, 11, 20, tzinfo=timezone.utc)
    started = time.perf_counter()
    with app.app_context():
        tables = db.metadata.tables
        conn = db.engine.connect()
        with conn.begin():
            conn.execute(insert(tables["technicians"]), [
                {"id": i, "employee_no": f"ZW{100000 + i}", "name": f"装维{i}",
                 "phone": f"139{i:08d}", "team": f"{AREAS[i % 10]}{i % 7 + 1}班",
                 "area": AREAS[i % 10], "vendor": ["自营", "华通代维", "信达代维"][i % 3],
                 "status": "active" if i % 50 else "left", "created": now, "updated": now}
                for i in range(1, technicians + 1)])
            conn.execute(insert(tables["broadband_accounts"]), [
                {"id": i, "account_no": f"0352{i:08d}", "holder_name": "用户", "phone": "13900000000",
                 "address": "地址", "area": AREAS[i % 10], "created": now, "updated": now}
                for i in range(1, 50_001)])
            conn.execute(insert(tables["wechat_users"]), [{"id": 1, "token_version": 0,
                                                            "created_at": now}])
        raw = conn.connection.dbapi_connection

        def rows_orders():
            for i in range(1, orders + 1):
                tech = rng.randint(1, technicians)
                completed = MONTH_START + timedelta(seconds=rng.randrange(MONTH_SECONDS))
                yield (i, f"GD{i:010d}", rng.randint(1, 50_000), tech, rng.choice(TYPES),
                       rng.choice(PRODUCTS), AREAS[tech % 10],
                       _ts(kind, completed - timedelta(hours=3)), _ts(kind, completed),
                       "completed", _ts(kind, now), _ts(kind, now))

        # Ratings get their technician from their order in SQL afterwards (denormalized column).
        rated = rng.sample(range(1, orders + 1), ratings)

        def rows_ratings():
            for n, order_id in enumerate(rated, start=1):
                stars = rng.choices([1, 2, 3, 4, 5], [3, 3, 10, 30, 54])[0]
                voided = _ts(kind, now) if rng.random() < 0.05 else None
                yield (n, order_id, 1, 1, stars, "[]", "", "miniprogram",
                       _ts(kind, MONTH_START + timedelta(days=3)), voided)

        def rows_callbacks():
            n = 0
            for order_id in range(1, orders + 1):
                r = rng.random()
                if r > 0.40:
                    continue
                calls = [("ivr", 0)] if r > 0.05 else [("ivr", 0), (rng.choice(["ivr", "manual"]), 1)]
                for channel, k in calls:
                    n += 1
                    result = rng.choices(["satisfied", "no_answer", "dissatisfied"], [80, 14, 6])[0]
                    when = MONTH_START + timedelta(days=2, hours=k, seconds=order_id % 86400)
                    yield (n, order_id, channel, result, _ts(kind, when), _ts(kind, now),
                           _ts(kind, now))

        plan = [
            ("work_orders", "id, order_no, account_id, technician_id, order_type, product, area, "
                            "created_at, completed_at, status, created, updated", rows_orders()),
            ("ratings", "id, order_id, technician_id, user_id, stars, tags, comment, channel, "
                        "created_at, voided_at", rows_ratings()),
            ("callback_results", "id, order_id, channel, result, called_at, created, updated",
             rows_callbacks()),
        ]
        for table, columns, rows in plan:
            _load(kind, raw, table, columns, rows)
            print(f"  loaded {table} ({time.perf_counter() - started:.0f} s)", flush=True)
        with conn.begin():
            conn.exec_driver_sql("UPDATE ratings SET technician_id = (SELECT technician_id FROM "
                                 "work_orders WHERE work_orders.id = ratings.order_id)")
            flags = [{"id": i, "rating_id": i, "order_id": rated[i - 1], "technician_id": (i * 97) % technicians + 1,
                      "score": 0.9, "reasons": [], "status": "confirmed", "detectors": "",
                      "created_at": now, "updated_at": now} for i in range(1, 21)]
            conn.execute(insert(tables["fraud_flags"]), flags)
            conn.execute(insert(tables["sanctions"]), [
                {"id": f["id"], "flag_id": f["id"], "technician_id": f["technician_id"],
                 "month": MONTH, "offence_no": 1, "fine": 5000, "suspension": False,
                 "created_at": now} for f in flags])
            if kind == "sqlite":
                conn.exec_driver_sql("ANALYZE")
        conn.close()
    if kind == "postgres":
        subprocess.run(["psql", f"{PG_SERVER}/{PG_DATABASE}", "-q", "-c", "VACUUM ANALYZE"],
                       check=True)
    print(f"  data ready in {time.perf_counter() - started:.0f} s", flush=True)


def _load(kind: str, raw, table: str, columns: str, rows) -> None:
    if kind == "postgres":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
        return
    marks = ", ".join("?" * len(columns.split(",")))
    cursor = raw.cursor()
    cursor.execute("BEGIN")
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            batch = []
    if batch:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
    cursor.execute("COMMIT")


# --- the baseline: one hand-written aggregate query ------------------------------------------------

_COUNTS = """
SELECT o.technician_id,
       count(*) AS orders,
       count(r.id) AS wechat,
       sum(CASE WHEN r.stars >= 4 THEN 1 ELSE 0 END) AS satisfied,
       {star_counts}
FROM work_orders o
LEFT JOIN ratings r ON r.order_id = o.id AND r.voided_at IS NULL
{callback_join}
WHERE o.status = 'completed' AND o.completed_at >= :start AND o.completed_at < :end
GROUP BY o.technician_id
"""
_STAR = ("CASE WHEN r.id IS NOT NULL THEN r.stars WHEN cb.result = 'dissatisfied' THEN 1 "
         "ELSE 3 END")
_WINDOW_JOIN = """
LEFT JOIN (
  SELECT order_id, result FROM (
    SELECT c.order_id, c.result, row_number() OVER (
      PARTITION BY c.order_id
      ORDER BY CASE c.channel WHEN 'manual' THEN 2 ELSE 1 END DESC, c.called_at DESC, c.result DESC) AS pick
    FROM callback_results c
    WHERE c.order_id IN (SELECT id FROM work_orders WHERE status = 'completed'
                         AND completed_at >= :start AND completed_at < :end)) ranked
  WHERE pick = 1) cb ON cb.order_id = o.id
"""
_PG_DISTINCT_ON_JOIN = """
LEFT JOIN (
  SELECT DISTINCT ON (c.order_id) c.order_id, c.result
  FROM callback_results c
  ORDER BY c.order_id, CASE c.channel WHEN 'manual' THEN 2 ELSE 1 END DESC, c.called_at DESC,
           c.result DESC) cb ON cb.order_id = o.id
"""
_CORRELATED_JOIN = """
LEFT JOIN callback_results cb ON cb.id = (
  SELECT c.id FROM callback_results c WHERE c.order_id = o.id
  ORDER BY CASE c.channel WHEN 'manual' THEN 2 ELSE 1 END DESC, c.called_at DESC, c.result DESC
  LIMIT 1)
"""


def baseline_queries(kind: str) -> dict[str, str]:
    """PostgreSQL: a window-function CTE and DISTINCT ON. SQLite: a correlated LIMIT 1 lookup
    (SQLite joins into a window subquery by rescanning it per order: minutes at 1M orders)."""
    stars = ",\n       ".join(f"sum(CASE WHEN ({_STAR}) = {s} THEN 1 ELSE 0 END) AS s{s}"
                              for s in range(1, 6))
    joins = ((("window", _WINDOW_JOIN), ("distinct_on", _PG_DISTINCT_ON_JOIN))
             if kind == "postgres" else (("correlated", _CORRELATED_JOIN),))
    return {name: _COUNTS.format(star_counts=stars, callback_join=join) for name, join in joins}


# --- measuring -------------------------------------------------------------------------------------

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, repeat: int) -> dict:
    """Runs in its own process: time (a) and (b) alternately, compare their counts."""
    from sqlalchemy import text
    from app.extensions import db
    from app.reports import service
    from app.timeutil import month_bounds
    app = make_app(url_for(kind))
    with app.app_context():
        start, end = month_bounds(MONTH, "Asia/Shanghai")
        params = {"start": _ts(kind, start), "end": _ts(kind, end)}
        tariff = service.load_tariff(None)
        db.session.execute(text("SELECT 1"))
        rss_before = _rss_mb()
        times: dict[str, list[float]] = {"service": []}
        report = baseline_rows = None
        for _ in range(repeat):
            for name, sql in baseline_queries(kind).items():
                began = time.perf_counter()
                rows = db.session.execute(text(sql), params).all()
                times.setdefault(f"baseline_{name}", []).append(time.perf_counter() - began)
                baseline_rows = rows
                db.session.rollback()
            began = time.perf_counter()
            report = service.monthly_report(month=MONTH, tariff=tariff, tz_name="Asia/Shanghai",
                                            live=True)
            times["service"].append(time.perf_counter() - began)
            db.session.rollback()
        rss_after = _rss_mb()
        by_tech = {r[0]: tuple(int(x) for x in r[1:]) for r in baseline_rows}
        agree = all(
            by_tech.get(item["technician_id"], (0,) * 8) == (
                item["orders_completed"], item["wechat_ratings"], item["wechat_satisfied"],
                *(item["stars"][str(s)] for s in range(1, 6)))
            for item in report["items"]) and \
            sum(v[0] for v in by_tech.values()) == report["totals"]["orders_completed"]
        return {"best": {k: min(v) for k, v in times.items()}, "all": times,
                "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(rss_after, 1),
                "technicians": len(report["items"]),
                "orders": report["totals"]["orders_completed"],
                "wechat": report["totals"]["wechat_ratings"],
                "install_pay": report["totals"]["install_pay"],
                "tariff_version": report["tariff_version"], "counts_agree": agree}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--ratings", type=int, default=300_000)
    parser.add_argument("--technicians", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print("@@result " + json.dumps(measure(args.measure, args.repeat)))
        return 0

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ok = True
    for kind in kinds:
        print(f"== {kind}: {args.orders:,} completed orders, {args.ratings:,} ratings, "
              f"{args.technicians:,} technicians", flush=True)
        if not args.reuse:
            fresh_schema(kind)
            generate(kind, args.orders, args.ratings, args.technicians, args.seed)
        done = subprocess.run([sys.executable, __file__, "--measure", kind,
                               "--repeat", str(args.repeat)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        line = next((l for l in done.stdout.splitlines() if l.startswith("@@result ")), None)
        if line is None:
            print(done.stdout, done.stderr)
            return 1
        result = json.loads(line[len("@@result "):])
        best = result["best"]
        baseline_name = min((k for k in best if k.startswith("baseline_")), key=best.get)
        ratio = best[baseline_name] / best["service"]
        print(f"  report service         {best['service']:7.2f} s   (runs: "
              + ", ".join(f"{t:.2f}" for t in result["all"]["service"]) + ")")
        for name in sorted(k for k in best if k.startswith("baseline_")):
            print(f"  hand-written SQL {name[9:]:<7} {best[name]:7.2f} s"
                  + ("   <- baseline" if name == baseline_name else ""))
        print(f"  ratio baseline/service {ratio:7.2f}     (target >= {TARGET_RATIO})")
        print(f"  peak RSS               {result['rss_before_mb']:.0f} MB before the report, "
              f"{result['rss_peak_mb']:.0f} MB after {args.repeat} runs")
        print(f"  {result['technicians']} technicians, {result['orders']:,} orders, "
              f"{result['wechat']:,} WeChat ratings, install pay {result['install_pay']} yuan, "
              f"tariff {result['tariff_version']}; counts agree with the baseline: "
              f"{'yes' if result['counts_agree'] else 'NO'}")
        ok &= result["counts_agree"] and ratio >= TARGET_RATIO
        if kind == "postgres":
            ok &= best["service"] <= TARGET_PG_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
