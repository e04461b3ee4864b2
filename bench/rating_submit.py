"""`POST /api/v1/ratings` under gunicorn vs a bare Core-insert Flask endpoint, same run.

    . .venv/bin/activate && python bench/rating_submit.py [--db sqlite|postgres|both] [--requests N]
        [--concurrency 16] [--workers sync|gthread|both]

For each database, a scratch schema is built by `flask db upgrade heads` (SQLite file under
bench/out/, PostgreSQL database `bench_ratings`) and seeded with SQLAlchemy Core, untimed:
technicians (--technicians, 5,000 by default), broadband accounts, work orders completed an hour
ago (inside the rating window), one WeChat user per order bound to the order's account, and a
user token per user from `app.identity.tokens.issue_token`. Every request rates a different
order, once, with a realistic body: mostly 5★, some low ratings (1–2★ also open a
service-recovery task), tags that fit the stars, a Chinese comment. The run rates a day's
orders within seconds, so a technician whose orders are rated twice in it is rated twice inside
the fraud burst window: those ratings take the submission-time burst check's slower path (it
loads the technician's recent ratings), more often than a real day would.

Two servers run under the same gunicorn settings (2 workers, loopback only): the real `wsgi:app`
(APP_ENV=development, LOG_LEVEL=WARNING) and bench/ref_insert_app.py, one view that parses the
same body, inserts one row with SQLAlchemy Core and commits on the same database with the same
engine settings. The load is a closed loop of --concurrency Python threads, each with its own
http.client connection (kept alive when the worker class allows it), sending a fixed number of
requests after an unmeasured warm-up. Rounds alternate reference/ours so that a neighbour's burst
on the shared machine spoils one round, not one side. Printed: requests/s of both, the ratio
ours/reference, p50/p99 latency of both, errors (any non-201). At the end the database must hold
exactly one rating per order answered 201 and none for the others. The ratings issue asks for
ratio >= 0.5 and p99 <= 50 ms.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_ratings"
PROTECTED_DATABASES = {"test", "bench_import", "bench_reports", "postgres"}
SECRET_KEY = "bench-rating-submit-not-secret"
TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0
WORKER_CLASSES = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", "4"],
}
GUNICORN_COMMON = ["--workers", "2", "--keep-alive", "5", "--log-level", "warning"]

# What customers write, by stars: (weight, comments). Tags are drawn from the catalogue.
STAR_WEIGHTS = {5: 70, 4: 14, 3: 7, 2: 4, 1: 5}
COMMENTS = {
    5: ["师傅准时上门，装得又快又好，还教我们怎么用路由器，非常满意！", "服务很专业，穿着鞋套进门，走之前还把地扫干净了。",
        "态度特别好，网速测了好几遍才走，点赞👍"],
    4: ["整体不错，就是比约定时间晚了十分钟。", "装得挺快，讲解也清楚，线走得稍微有点乱。"],
    3: ["一般吧，装好了但没怎么解释。", "来得有点晚，其他还行。"],
    2: ["约了上午结果下午才来，也没提前打电话。", "问题没彻底解决，晚上又断了两次。"],
    1: ["态度很差，还让我给好评，不然不给装。", "私自收了五十块材料费，也没有收据。"],
}


# --- the scratch database ------------------------------------------------------------------------

def fresh_database(kind: str) -> str:
    """An empty database of `kind` migrated to heads; returns its URL."""
    if kind == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "rating_submit.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        assert PG_DATABASE not in PROTECTED_DATABASES and not PG_DATABASE.startswith("test")
        for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)",
                    f"CREATE DATABASE {PG_DATABASE}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q",
                            "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)
        url = f"{PG_SERVER}/{PG_DATABASE}"
    done = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db",
                           "upgrade", "heads"], cwd=ROOT, env=server_env(url),
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask db upgrade heads failed:\n{done.stdout}\n{done.stderr}")
    return url


def server_env(url: str) -> dict:
    return {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}


def engine_for(url: str):
    from sqlalchemy import create_engine

    from app.config import normalize_database_url
    from app.db import configure_engine_events

    engine = create_engine(normalize_database_url(url))
    configure_engine_events(engine)
    return engine


@dataclass
class Job:
    order_no: str
    token: str
    body: bytes


def seed(url: str, orders: int, rng: random.Random, technicians: int = 5000) -> list[Job]:
    """Technicians, accounts, completed orders and a bound user per order; one Job per order."""
    from sqlalchemy import insert

    from app.identity.models import AccountBinding, WeChatIdentity, WeChatUser
    from app.identity.tokens import issue_token
    from app.masterdata.models import BroadbandAccount, Technician, WorkOrder
    from app.rating.tags import DEFAULT_TAGS
    from ref_insert_app import metadata as ref_metadata

    now = datetime.now(timezone.utc)
    tech_rows = [{"id": i, "employee_no": f"T{i:05d}", "name": f"装维{i:05d}",
                  "phone": f"139{i:08d}", "team": f"城东装维{i % 12 + 1}班",
                  "area": ("城区营业部", "开发区营业部", "县城营业部")[i % 3], "vendor": "自营",
                  "status": "active", "created": now, "updated": now}
                 for i in range(1, technicians + 1)]
    account_rows, order_rows, user_rows, identity_rows, binding_rows, jobs = [], [], [], [], [], []
    for i in range(1, orders + 1):
        account_rows.append({"id": i, "account_no": f"A{i:011d}", "holder_name": f"客户{i}",
                             "phone": f"138{i:08d}", "address": f"幸福路{i % 300 + 1}号{i % 30 + 1}栋",
                             "area": "城区营业部", "created": now, "updated": now})
        order_no = f"WO{i:010d}"
        order_rows.append({"id": i, "order_no": order_no, "account_id": i,
                           "technician_id": rng.randint(1, technicians),
                           "order_type": rng.choice(("install", "install", "move", "repair")),
                           "product": "broadband", "area": "城区营业部",
                           "created_at": now - timedelta(hours=3),
                           "completed_at": now - timedelta(hours=1), "status": "completed",
                           "created": now, "updated": now})
        user_rows.append({"id": i, "unionid": f"union-bench-{i}", "token_version": 0,
                          "created_at": now, "last_login_at": now})
        identity_rows.append({"user_id": i, "app": "mp", "appid": "wx_demo_miniprogram",
                              "openid": f"o-bench-{i:08d}", "created_at": now, "last_seen_at": now})
        binding_rows.append({"user_id": i, "account_id": i, "method": "phone_code",
                             "created_at": now})
        stars = rng.choices(list(STAR_WEIGHTS), weights=list(STAR_WEIGHTS.values()))[0]
        fitting = [t.code for t in DEFAULT_TAGS if stars in t.stars]
        body = {"order_no": order_no, "stars": stars,
                "tags": rng.sample(fitting, rng.randint(0, 3)),
                "comment": rng.choice(COMMENTS[stars])}
        jobs.append(Job(order_no, issue_token(SECRET_KEY, i, 0),
                        json.dumps(body, ensure_ascii=False).encode()))

    engine = engine_for(url)
    with engine.begin() as conn:
        for model, rows in ((Technician, tech_rows), (BroadbandAccount, account_rows),
                            (WorkOrder, order_rows), (WeChatUser, user_rows),
                            (WeChatIdentity, identity_rows), (AccountBinding, binding_rows)):
            conn.execute(insert(model.__table__), rows)
        if engine.dialect.name == "postgresql":
            # Explicit ids above; move the sequences past them as an import would.
            for table in ("technicians", "broadband_accounts", "work_orders", "wechat_users"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
    ref_metadata.create_all(engine)
    engine.dispose()
    return jobs


def verify(url: str, sent: set[str], rated: set[str]) -> list[str]:
    """Problems with the ratings of the orders in `sent` after the run (empty when right)."""
    from sqlalchemy import func, select

    from app.masterdata.models import WorkOrder
    from app.rating.models import Rating

    engine = engine_for(url)
    with engine.connect() as conn:
        rows = conn.execute(select(WorkOrder.order_no, func.count(Rating.id))
                            .join(Rating, Rating.order_id == WorkOrder.id)
                            .group_by(WorkOrder.order_no)).all()
    engine.dispose()
    counts = {order_no: n for order_no, n in rows if order_no in sent}
    problems = []
    if any(n != 1 for n in counts.values()):
        problems.append("an order has more than one rating")
    if missing := rated - counts.keys():
        problems.append(f"{len(missing)} orders answered 201 have no rating")
    if extra := counts.keys() - rated:
        problems.append(f"{len(extra)} orders not answered 201 have a rating")
    return problems


# --- servers -------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(target: str, cwd: Path, env: dict, worker_class: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", *GUNICORN_COMMON,
                             *WORKER_CLASSES[worker_class], "--bind", f"127.0.0.1:{port}", target],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{target} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port
        except OSError:
            time.sleep(0.2)
    stop(proc)
    sys.exit(f"{target} did not start")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def cpu_seconds_of(wanted) -> float:
    """User + system CPU seconds used so far by the processes for which `wanted(name, ppid)` is
    true (Linux, from /proc/<pid>/stat)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = rest.split()
        if wanted(name, int(fields[1])):
            total += int(fields[11]) + int(fields[12])    # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def workers_cpu_seconds(master: subprocess.Popen) -> float:
    """CPU seconds of the gunicorn master's worker processes."""
    return cpu_seconds_of(lambda _name, ppid: ppid == master.pid)


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL server process on this machine: the server runs here, so
    its backends' work is part of each request's cost."""
    return cpu_seconds_of(lambda name, _ppid: name.startswith("postgres"))


# --- load ----------------------------------------------------------------------------------------

@dataclass
class Run:
    seconds: float = 0.0
    cpu_seconds: float = 0.0                                  # of the server's workers
    db_cpu_seconds: float = 0.0                               # of PostgreSQL's processes
    latencies: list[float] = field(default_factory=list)     # of every request, seconds
    statuses: dict[int, int] = field(default_factory=dict)
    rated: set[str] = field(default_factory=set)

    def add(self, other: Run) -> None:
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        self.db_cpu_seconds += other.db_cpu_seconds
        self.latencies += other.latencies
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.rated |= other.rated

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / len(self.latencies) * 1000

    @property
    def db_cpu_ms(self) -> float:
        return self.db_cpu_seconds / len(self.latencies) * 1000

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 201)

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def load(port: int, path: str, jobs: list[Job], concurrency: int) -> Run:
    """Send every job once from `concurrency` threads, each on its own connection."""
    run = Run()
    pending = iter(jobs)
    lock = threading.Lock()
    results: list[list[tuple[float, int, str]]] = [[] for _ in range(concurrency)]
    start_line = threading.Barrier(concurrency + 1)

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = results[slot]
        start_line.wait()
        while True:
            with lock:
                job = next(pending, None)
            if job is None:
                break
            headers = {"Authorization": f"Bearer {job.token}",
                       "Content-Type": "application/json"}
            began = time.perf_counter()
            try:
                conn.request("POST", path, body=job.body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()        # reconnects on the next request
                status = 0
            mine.append((time.perf_counter() - began, status, job.order_no))
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - began
    for latency, status, order_no in (r for rs in results for r in rs):
        run.latencies.append(latency)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status == 201:
            run.rated.add(order_no)
    return run


# --- the benchmark -------------------------------------------------------------------------------

def measured(proc: subprocess.Popen, port: int, path: str, jobs: list[Job],
             concurrency: int) -> Run:
    before, db_before = workers_cpu_seconds(proc), postgres_cpu_seconds()
    run = load(port, path, jobs, concurrency)
    run.cpu_seconds = workers_cpu_seconds(proc) - before
    run.db_cpu_seconds = postgres_cpu_seconds() - db_before
    return run


def bench(kind: str, worker_class: str, url: str, jobs: list[Job], args) -> dict:
    env = server_env(url)
    ours_proc, ours_port = start("wsgi:app", ROOT, env, worker_class)
    ref_proc, ref_port = start("ref_insert_app:create_ref_app()", ROOT / "bench", env, worker_class)
    ours, ref = Run(), Run()
    try:
        warm, jobs = jobs[:args.warmup], jobs[args.warmup:]
        # Imports, first queries, pools filled; its orders are rated too and checked below.
        warm_ours = load(ours_port, "/api/v1/ratings", warm, args.concurrency)
        load(ref_port, "/ref", warm, args.concurrency)
        share = -(-len(jobs) // args.rounds)
        for round_no in range(args.rounds):
            chunk = jobs[round_no * share:(round_no + 1) * share]
            r = measured(ref_proc, ref_port, "/ref", chunk, args.concurrency)
            o = measured(ours_proc, ours_port, "/api/v1/ratings", chunk, args.concurrency)
            ref.add(r)
            ours.add(o)
            print(f"  round {round_no + 1}: ref {r.rps:6.0f} req/s, ours {o.rps:6.0f} req/s, "
                  f"ratio {o.rps / r.rps:.2f}", flush=True)
    finally:
        stop(ours_proc)
        stop(ref_proc)
    problems = verify(url, {job.order_no for job in warm + jobs}, ours.rated | warm_ours.rated)
    if warm_ours.errors:
        problems.append(f"warm-up errors {dict(sorted(warm_ours.statuses.items()))}")
    return {"kind": kind, "workers": worker_class, "ours": ours, "ref": ref,
            "ratio": ours.rps / ref.rps, "problems": problems}


def report(r: dict) -> None:
    ours, ref = r["ours"], r["ref"]
    for name, run in (("reference", ref), ("ratings", ours)):
        print(f"  {name:9} {run.rps:7.0f} req/s  p50 {run.percentile_ms(50):6.1f} ms  "
              f"p99 {run.percentile_ms(99):6.1f} ms  max {max(run.latencies) * 1000:6.1f} ms  "
              f"worker CPU {run.cpu_ms:5.2f} ms/req  "
              + (f"PostgreSQL CPU {run.db_cpu_ms:5.2f} ms/req  " if r["kind"] == "postgres" else "")
              + f"errors {run.errors}/{len(run.latencies)}"
              + (f" {dict(sorted(run.statuses.items()))}" if run.errors else ""))
    ok = r["ratio"] >= TARGET_RATIO and ours.percentile_ms(99) <= TARGET_P99_MS
    print(f"  ratio {r['ratio']:.2f} (target >= {TARGET_RATIO}), p99 {ours.percentile_ms(99):.1f} ms "
          f"(target <= {TARGET_P99_MS:.0f}) -> {'met' if ok else 'NOT met'}; worker CPU per "
          f"request ref/ours {ref.cpu_ms / ours.cpu_ms:.2f}")
    print(f"  [{'ok' if not r['problems'] else 'FAIL'}] one rating per order answered 201"
          + "".join(f"; {p}" for p in r["problems"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per side")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests per side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", choices=("sync", "gthread", "both"), default="both",
                        help="gunicorn worker class: sync, or gthread with 4 threads per worker")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--technicians", type=int, default=5000,
                        help="technicians the orders are spread over (5,000: the operator's "
                             "workforce, as in report_monthly.py)")
    args = parser.parse_args()

    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    classes = ("sync", "gthread") if args.workers == "both" else (args.workers,)
    print(f"uptime:{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    results = []
    for kind in kinds:
        url = fresh_database(kind)
        per_class = args.warmup + args.requests
        jobs = seed(url, per_class * len(classes), random.Random(args.seed), args.technicians)
        for i, worker_class in enumerate(classes):
            print(f"\n== {kind}, gunicorn {' '.join(GUNICORN_COMMON + WORKER_CLASSES[worker_class])}"
                  f", {args.concurrency} clients, {args.requests} requests + {args.warmup} warm-up",
                  flush=True)
            result = bench(kind, worker_class, url, jobs[i * per_class:(i + 1) * per_class], args)
            report(result)
            results.append(result)

    print(f"\n{'db':8} {'workers':8} {'ref r/s':>8} {'ours r/s':>8} {'ratio':>6} "
          f"{'ref p50':>8} {'ref p99':>8} {'p50':>7} {'p99':>7} {'cpu ref/ours':>12} "
          f"{'errors':>6}  checks")
    for r in results:
        ours, ref = r["ours"], r["ref"]
        print(f"{r['kind']:8} {r['workers']:8} {ref.rps:8.0f} {ours.rps:8.0f} {r['ratio']:6.2f} "
              f"{ref.percentile_ms(50):8.1f} {ref.percentile_ms(99):8.1f} "
              f"{ours.percentile_ms(50):7.1f} {ours.percentile_ms(99):7.1f} "
              f"{ref.cpu_ms / ours.cpu_ms:12.2f} {ours.errors + ref.errors:6d}  {'ok' if not r['problems'] else 'FAIL'}")
    print(f"uptime:{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    return 0 if all(not r["problems"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
