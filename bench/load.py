"""Evening load test: two gunicorn servers sharing PostgreSQL and Redis, an evening's mix of calls.

    . .venv/bin/activate && python bench/load.py [--steps 2,4,8,16] [--seconds 20] [--workers 2]

Everything runs on 127.0.0.1: a fresh PostgreSQL database `bench_load` (dropped and recreated with
psql), Redis database 5 (FLUSHDB of that database only), the loopback WeChat simulator, and two
`gunicorn wsgi:app` servers (gunicorn.conf.py, WEB_CONCURRENCY=--workers each) on ports 8101/8102,
spread round-robin as nginx would. Data: `flask demo seed` (50 technicians, 3,000 accounts, last
month's orders) plus one order completed an hour ago per account, so every customer can rate.

The mix, per virtual user loop: a customer journey (login with a wx.login code → badge landing
JSON → bind the account with a phone code → rate the order with an Idempotency-Key), with plain-QR
H5 landings (GET /b/<token>) and a manager reading last month's report in between. Each
concurrency step runs for --seconds (and at most --max-requests); the script prints throughput,
p50/p99 per call and errors per step, and writes bench/out/load.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG = "postgresql://postgres@127.0.0.1:5432/bench_load"
REDIS = "redis://127.0.0.1:6379/5"
PORTS = (8101, 8102)
SIM_PORT = 8109


def sh(*args: str, env=None, check=True) -> str:
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    sys.exit(f"{url} did not come up")


class Stack:
    """Database, Redis db, simulator and two gunicorn servers; stops what it started."""

    def __init__(self, workers: int):
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.env = {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS,
                    "SECRET_KEY": secrets.token_urlsafe(48), "APP_ENV": "development",
                    "PUBLIC_BASE_URL": "http://127.0.0.1:8101", "LOG_LEVEL": "INFO",
                    "WECHAT_API_BASE_URL": f"http://127.0.0.1:{SIM_PORT}/",
                    "WECHAT_OPEN_BASE_URL": f"http://127.0.0.1:{SIM_PORT}/",
                    "WEB_CONCURRENCY": str(workers), "FLASK_APP": "wsgi"}

    def prepare(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS bench_load")
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE bench_load")
        sh("redis-cli", "-h", "127.0.0.1", "-n", "5", "FLUSHDB")
        flask = [sys.executable, "-m", "flask"]
        sh(*flask, "db", "upgrade", "heads", env=self.env)
        sh(*flask, "demo", "seed", env=self.env)
        self.key = sh(*flask, "apikey", "create", "--role", "admin", "--name", "load test",
                      env=self.env).strip().splitlines()[-1]

    def start(self) -> None:
        log = open(OUT / "load_servers.log", "w")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "wechat", "simulator", "--port", str(SIM_PORT)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        for port in PORTS:
            metrics_dir = OUT / f"metrics_{port}"
            env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}",
                   "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT))
        wait_up(f"http://127.0.0.1:{SIM_PORT}/__sim/calls")
        for port in PORTS:
            wait_up(f"http://127.0.0.1:{port}/healthz")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def scenario_data(key: str) -> tuple[list[dict], dict[str, str], str]:
    """(customers: account, phone, order, technician), badge token per technician, report month."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/bench_load") as conn:
        accounts = conn.execute("SELECT account_no, phone FROM broadband_accounts "
                                "ORDER BY account_no").fetchall()
        technicians = [r[0] for r in conn.execute(
            "SELECT employee_no FROM technicians WHERE status = 'active' ORDER BY employee_no")]
    admin = {"Authorization": f"Bearer {key}"}
    done = datetime.now(timezone.utc) - timedelta(hours=1)
    rows, customers = [], []
    for i, (account_no, phone) in enumerate(accounts):
        employee_no = technicians[i % len(technicians)]
        order_no = f"LOAD{i:06d}"
        rows.append({"order_no": order_no, "account_no": account_no, "employee_no": employee_no,
                     "order_type": "repair", "product": "broadband", "area": "城区营业部",
                     "created_at": (done - timedelta(hours=2)).isoformat(),
                     "completed_at": done.isoformat(), "status": "completed"})
        customers.append({"account_no": account_no, "phone": phone, "order_no": order_no,
                          "employee_no": employee_no})
    base = f"http://127.0.0.1:{PORTS[0]}"
    answer = requests.post(base + "/api/v1/admin/imports/orders", json=rows, headers=admin,
                           timeout=300).json()
    assert answer.get("created") == len(rows), answer
    badges = {}
    for employee_no in technicians:
        badge = requests.get(f"{base}/api/v1/admin/technicians/{employee_no}/badge",
                             headers=admin, timeout=30).json()
        badges[employee_no] = badge["badge_token"]
    month = (datetime.now(timezone.utc).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return customers, badges, month


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def call(self, name: str, session: requests.Session, method: str, url: str, ok=(200,),
             **kw) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=30, **kw)
            outcome = None if response.status_code in ok else str(response.status_code)
        except requests.RequestException as exc:
            response, outcome = None, type(exc).__name__
        elapsed = time.perf_counter() - started
        with self.lock:
            self.times[name].append(elapsed)
            if outcome:
                self.errors[name][outcome] += 1
        return response if outcome is None else None


def run_step(concurrency: int, seconds: float, max_requests: int, customers: list[dict],
             badges: dict[str, str], month: str, key: str) -> dict:
    rec = Recorder()
    stop = threading.Event()
    counter = {"requests": 0}
    lock = threading.Lock()
    admin = {"Authorization": f"Bearer {key}"}

    def next_customer():
        with lock:
            return customers.pop() if customers else None

    def user(n: int):
        rng = random.Random(n)
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            base = f"http://127.0.0.1:{PORTS[(n + i) % 2]}"      # round-robin, as nginx would
            if rng.random() < 0.35:                                # a plain-QR scan (H5 landing)
                token = rng.choice(list(badges.values()))
                rec.call("GET /b/<token> (H5)", session, "GET", f"{base}/b/{token}")
            if rng.random() < 0.08:                                # a manager's report read
                rec.call("GET admin monthly report", session, "GET",
                         f"{base}/api/v1/admin/reports/monthly?month={month}", headers=admin)
            c = next_customer()
            if c is None:
                stop.set()
                break
            who = f"load{c['order_no']}"
            r = rec.call("POST /auth/login", session, "POST", base + "/api/v1/auth/login",
                         json={"code": f"demo:{who}:{uuid.uuid4().hex[:8]}"})
            if r is None:
                continue
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            rec.call("GET /badges/<token>", session, "GET",
                     f"{base}/api/v1/badges/{badges[c['employee_no']]}", headers=auth)
            r = rec.call("POST /bindings", session, "POST", base + "/api/v1/bindings",
                         ok=(201,), headers=auth,
                         json={"account_no": c["account_no"],
                               "phone_code": f"phone:{c['phone']}:{uuid.uuid4().hex[:8]}"})
            if r is None:
                continue
            rec.call("POST /ratings", session, "POST", base + "/api/v1/ratings", ok=(201,),
                     headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
                     json={"order_no": c["order_no"], "stars": rng.choice((5, 5, 5, 4, 4, 3)),
                           "tags": [], "comment": "师傅很专业"})
            with lock:
                counter["requests"] += 5
                if counter["requests"] >= max_requests:
                    stop.set()

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    wall = time.perf_counter() - started
    calls = {}
    total = 0
    for name, times in sorted(rec.times.items()):
        times.sort()
        total += len(times)
        calls[name] = {"n": len(times), "p50_ms": round(statistics.median(times) * 1000, 1),
                       "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))] * 1000, 1),
                       "errors": dict(rec.errors.get(name, {}))}
    return {"concurrency": concurrency, "seconds": round(wall, 1), "requests": total,
            "rps": round(total / wall, 1), "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="2,4,8,16")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=4000, help="per step")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    args = parser.parse_args()

    stack = Stack(args.workers)
    print("==> preparing bench_load (migrations, demo seed, orders to rate)", file=sys.stderr)
    stack.prepare()
    stack.start()
    results = []
    try:
        customers, badges, month = scenario_data(stack.key)
        random.Random(1).shuffle(customers)
        for step in [int(s) for s in args.steps.split(",")]:
            result = run_step(step, args.seconds, args.max_requests, customers, badges, month,
                              stack.key)
            results.append(result)
            print(f"\n== concurrency {step}: {result['requests']} requests in "
                  f"{result['seconds']} s = {result['rps']} req/s")
            for name, c in result["calls"].items():
                print(f"   {name:28} n={c['n']:5}  p50={c['p50_ms']:7.1f} ms  "
                      f"p99={c['p99_ms']:7.1f} ms  errors={c['errors'] or 0}")
            if not customers:
                print("   (ran out of customers to rate)")
                break
        scrape = requests.get(f"http://127.0.0.1:{PORTS[0]}/metrics",
                              headers={"Authorization": f"Bearer {stack.key}"}, timeout=10).text
        ratings = [line for line in scrape.splitlines()
                   if line.startswith("rating_ratings_submitted_total")]
        print("\n/metrics of server 1 (all its workers):", *ratings, sep="\n   ")
    finally:
        stack.stop()
    (OUT / "load.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
