"""Import benchmark: `flask import orders` against a bare SQLAlchemy Core baseline, same run.

    . .venv/bin/activate && python bench/import_orders.py [--rows 1000000] [--db sqlite|postgres|both]

For each database, in a fresh schema built by `flask db upgrade heads` and seeded (untimed, through
Core) with ~5,000 technicians and ~200,000 accounts:

  (a) the real CLI `flask --app wsgi import orders FILE --quiet` in a subprocess: wall time and
      peak RSS, then the same command again on the same file (must report 0 created, 0 updated);
  (b) in another fresh schema, the baseline: the same CSV read with `csv` and inserted with Core
      `executemany` in batches of the same size, one commit per batch, foreign keys from
      in-memory dicts, no validation.

The ratio is (a) rows/s over (b) rows/s; the foundation issue asks for >= 0.3 and < 300 MB peak.
Input files are generated deterministically and cached under bench/out/ (git-ignored).
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_import"
PROTECTED_DATABASES = {"test", "test_wechat", "test_badge"}   # other engineers' databases
ORDER_HEADER = ("order_no", "account_no", "employee_no", "order_type", "product", "area",
                "created_at", "completed_at", "status")
SUMMARY = re.compile(r"(\d+) rows read, (\d+) created, (\d+) updated, (\d+) unchanged, "
                     r"(\d+) rejected")
TARGET_RATIO, TARGET_PEAK_MB = 0.3, 300

# Runs a command and reports its wall time and peak RSS; a fresh process per measurement, because
# RUSAGE_CHILDREN keeps the maximum over every child a process has ever waited for.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:]).returncode
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"@@measure {seconds:.3f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.3f}",
      file=sys.stderr)
sys.exit(code)
"""


# --- input files ---------------------------------------------------------------------------------

def generate(rows: int, technicians: int, accounts: int, seed: int) -> tuple[Path, Path, Path]:
    """Technician, account and order CSVs; the same arguments always give the same bytes."""
    from app.demo import generator as gen

    OUT.mkdir(parents=True, exist_ok=True)
    techs_path = OUT / f"technicians_{technicians}_s{seed}.csv"
    accts_path = OUT / f"accounts_{accounts}_s{seed}.csv"
    orders_path = OUT / f"orders_{rows}_t{technicians}_a{accounts}_s{seed}.csv"
    if all(p.exists() for p in (techs_path, accts_path, orders_path)):
        return techs_path, accts_path, orders_path

    rng = random.Random(seed)
    techs = gen.technicians(rng, technicians)
    accts = gen.accounts(rng, accounts)
    _write_csv(techs_path, list(techs[0]), (t.values() for t in techs))
    _write_csv(accts_path, list(accts[0]), (a.values() for a in accts))
    print(f"generating {orders_path.relative_to(ROOT)} …", flush=True)
    _write_csv(orders_path, ORDER_HEADER, _orders(rng, techs, accts, rows))
    return techs_path, accts_path, orders_path


def _orders(rng: random.Random, techs: list[dict], accts: list[dict], rows: int):
    """Orders spread over a year, each by a technician of the account's area (as upstream does)."""
    by_area: dict[str, list[str]] = {}
    for tech in techs:
        by_area.setdefault(tech["area"], []).append(tech["employee_no"])
    start = datetime.fromisoformat("2025-10-01T00:00:00+08:00")
    types = ("install",) * 45 + ("move",) * 10 + ("repair",) * 45
    products = ("broadband",) * 60 + ("iptv_bundled",) * 15 + ("iptv",) * 8 + \
        ("landline",) * 10 + ("campus",) * 7
    for i in range(rows):
        account = accts[rng.randrange(len(accts))]
        created = start + timedelta(seconds=rng.randrange(365 * 86400))
        roll = rng.random()
        status = "completed" if roll < 0.92 else "open" if roll < 0.97 else "cancelled"
        completed = ""
        if status == "completed":
            completed = (created + timedelta(seconds=rng.randrange(3600, 30 * 3600))).isoformat()
        yield (f"GD{i + 1:010d}", account["account_no"], rng.choice(by_area[account["area"]]),
               rng.choice(types), rng.choice(products), account["area"], created.isoformat(),
               completed, status)


def _write_csv(path: Path, header, rows) -> None:
    partial = path.with_suffix(".partial")
    with open(partial, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(path)


# --- databases -----------------------------------------------------------------------------------

def fresh_database(kind: str, label: str, rows: int) -> str:
    """An empty database of `kind` migrated to heads; returns its URL."""
    if kind == "sqlite":
        path = OUT / f"import_{label}_{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        assert PG_DATABASE not in PROTECTED_DATABASES
        for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
                    f"CREATE DATABASE {PG_DATABASE}"):
            subprocess.run(["psql", f"{PG_SERVER}/postgres", "-q", "-v", "ON_ERROR_STOP=1",
                            "-c", sql], check=True)
        url = f"{PG_SERVER}/{PG_DATABASE}"
    flask(url, "db", "upgrade", "heads")
    return url


def flask(url: str, *args: str, measure: bool = False) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args]
    if measure:
        command = [sys.executable, "-c", MEASURE, *command]
    return run(command, url)


def run(command: list[str], url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-not-secret",
           "LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return done


def measured(done: subprocess.CompletedProcess) -> tuple[float, float, float]:
    """(wall seconds, peak MB, client CPU seconds) reported by MEASURE."""
    match = re.search(r"@@measure ([\d.]+) (\d+) ([\d.]+)", done.stderr)
    return float(match[1]), int(match[2]) / 1024, float(match[3])


def summary(done: subprocess.CompletedProcess) -> dict[str, int]:
    match = SUMMARY.search(done.stdout)
    if not match:
        sys.exit(f"no import summary in CLI output:\n{done.stdout}\n{done.stderr}")
    return dict(zip(("read", "created", "updated", "unchanged", "rejected"), map(int, match.groups())))


def fingerprint(url: str) -> tuple:
    """Aggregates over work_orders that two correct loads of the same file must share."""
    from sqlalchemy import create_engine, text

    from app.config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*), count(DISTINCT order_no), count(completed_at), sum(account_id), "
            "sum(technician_id), min(created_at), max(completed_at), "
            "sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) FROM work_orders")).one()
    engine.dispose()
    return tuple(str(v) for v in row)


def seed(url: str, *paths: Path) -> None:
    """Technicians and accounts straight through Core (untimed set-up; the files are clean)."""
    from sqlalchemy import create_engine, insert

    from app.config import normalize_database_url
    from app.db import configure_engine_events
    from app.masterdata.models import BroadbandAccount, Technician

    engine = create_engine(normalize_database_url(url))
    configure_engine_events(engine)
    with engine.begin() as conn:
        for table, path in zip((Technician.__table__, BroadbandAccount.__table__), paths):
            with open(path, newline="", encoding="utf-8") as source:
                conn.execute(insert(table), list(csv.DictReader(source)))
        if engine.dialect.name == "postgresql":
            # Production has autovacuum for this; the shared test server runs with it off.
            conn.exec_driver_sql("ANALYZE technicians, broadband_accounts")
    engine.dispose()


# --- the baseline (runs in its own process) ------------------------------------------------------

def baseline(url: str, path: Path, batch_size: int) -> None:
    """The same rows through Core `executemany`: no validation, ids from dicts, commit per batch."""
    from sqlalchemy import create_engine, insert, select

    from app.config import normalize_database_url
    from app.db import configure_engine_events
    from app.masterdata.models import BroadbandAccount, Technician, WorkOrder

    engine = create_engine(normalize_database_url(url))
    configure_engine_events(engine)        # the app's SQLite pragmas (WAL, synchronous=NORMAL)
    accounts, technicians = BroadbandAccount.__table__, Technician.__table__
    with engine.connect() as conn:
        account_ids = dict(conn.execute(select(accounts.c.account_no, accounts.c.id)).all())
        technician_ids = dict(conn.execute(select(technicians.c.employee_no, technicians.c.id)).all())

    statement = insert(WorkOrder.__table__)
    parse = datetime.fromisoformat
    with open(path, newline="", encoding="utf-8") as source, engine.connect() as conn:
        reader = csv.reader(source)
        next(reader)
        batch = []
        for order_no, account_no, employee_no, order_type, product, area, created_at, \
                completed_at, status in reader:
            batch.append({"order_no": order_no, "account_id": account_ids[account_no],
                          "technician_id": technician_ids[employee_no], "order_type": order_type,
                          "product": product, "area": area, "created_at": parse(created_at),
                          "completed_at": parse(completed_at) if completed_at else None,
                          "status": status})
            if len(batch) >= batch_size:
                with conn.begin():
                    conn.execute(statement, batch)
                batch = []
        if batch:
            with conn.begin():
                conn.execute(statement, batch)
    engine.dispose()


# --- the benchmark -------------------------------------------------------------------------------

def bench(kind: str, files: tuple[Path, Path, Path], rows: int, batch_size: int) -> dict:
    techs_path, accts_path, orders_path = files
    print(f"\n== {kind}: {rows:,} orders, batch size {batch_size}; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs", flush=True)

    def seeded(label: str) -> str:
        url = fresh_database(kind, label, rows)
        seed(url, techs_path, accts_path)
        return url

    batch = ["--batch-size", str(batch_size)]
    url = seeded("cli")
    first = flask(url, "import", "orders", str(orders_path), "--quiet", *batch, measure=True)
    cli_seconds, cli_peak, cli_cpu = measured(first)
    cli_counts = summary(first)
    again = flask(url, "import", "orders", str(orders_path), "--quiet", *batch, measure=True)
    reimport_seconds, reimport_peak, reimport_cpu = measured(again)
    reimport_counts = summary(again)
    cli_print = fingerprint(url)

    url = seeded("baseline")
    done = run([sys.executable, "-c", MEASURE, sys.executable, __file__, "--baseline-of",
                str(orders_path), "--url", url, "--batch-size", str(batch_size)], url)
    base_seconds, base_peak, base_cpu = measured(done)
    base_print = fingerprint(url)

    checks = {
        "import: rows read = N, created = N, rejected 0":
            (cli_counts["read"], cli_counts["created"], cli_counts["rejected"]) == (rows, rows, 0),
        "import: work_orders has N distinct rows": cli_print[:2] == (str(rows), str(rows)),
        "re-import: created 0, updated 0, unchanged N":
            (reimport_counts["created"], reimport_counts["updated"],
             reimport_counts["unchanged"]) == (0, 0, rows),
        "baseline: work_orders has N rows": base_print[0] == str(rows),
        "import and baseline stored the same rows (aggregates)": cli_print == base_print,
    }
    result = {"kind": kind, "cli_rps": rows / cli_seconds, "base_rps": rows / base_seconds,
              "cli_seconds": cli_seconds, "base_seconds": base_seconds, "cli_peak": cli_peak,
              "base_peak": base_peak, "reimport_seconds": reimport_seconds,
              "reimport_peak": reimport_peak, "cli_cpu": cli_cpu, "base_cpu": base_cpu,
              "reimport_cpu": reimport_cpu, "checks": checks}
    result["ratio"] = result["cli_rps"] / result["base_rps"]
    report(result, rows)
    return result


def report(r: dict, rows: int) -> None:
    print(f"  import (CLI)    {r['cli_seconds']:8.1f} s  {r['cli_rps']:9,.0f} rows/s  "
          f"peak {r['cli_peak']:6.1f} MB  client CPU {r['cli_cpu']:6.1f} s")
    print(f"  baseline (Core) {r['base_seconds']:8.1f} s  {r['base_rps']:9,.0f} rows/s  "
          f"peak {r['base_peak']:6.1f} MB  client CPU {r['base_cpu']:6.1f} s")
    print(f"  ratio import/baseline {r['ratio']:.2f} (target >= {TARGET_RATIO})   "
          f"peak {r['cli_peak']:.0f} MB (target < {TARGET_PEAK_MB})")
    print(f"  re-import (0 created, 0 updated) {r['reimport_seconds']:8.1f} s  "
          f"{rows / r['reimport_seconds']:9,.0f} rows/s  peak {r['reimport_peak']:6.1f} MB  "
          f"client CPU {r['reimport_cpu']:6.1f} s")
    for name, ok in r["checks"].items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--technicians", type=int, default=5_000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=2000,
                        help="rows per batch for both sides (the IMPORT_BATCH_SIZE default)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--baseline-of", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.baseline_of:
        baseline(args.url, args.baseline_of, args.batch_size)
        return 0
    if args.db != "sqlite" and not shutil.which("psql"):
        sys.exit("psql not found: needed to drop and create the PostgreSQL database")

    files = generate(args.rows, args.technicians, args.accounts, args.seed)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = [bench(kind, files, args.rows, args.batch_size) for kind in kinds]

    print(f"\n{'db':9} {'import r/s':>11} {'base r/s':>10} {'ratio':>6} {'peak MB':>8} "
          f"{'re-import s':>12}")
    for r in results:
        print(f"{r['kind']:9} {r['cli_rps']:11,.0f} {r['base_rps']:10,.0f} {r['ratio']:6.2f} "
              f"{r['cli_peak']:8.1f} {r['reimport_seconds']:12.1f}")
    ok = all(all(r["checks"].values()) and r["ratio"] >= TARGET_RATIO
             and r["cli_peak"] < TARGET_PEAK_MB for r in results)
    print("PASS" if ok else "FAIL: see the checks and targets above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
