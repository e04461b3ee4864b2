"""What a worker recycle costs the requests around it, with and without preloading the app.

    . .venv/bin/activate && python bench/recycle_cost.py [--seconds 20] [--recycle-every 300]

gunicorn (the project's gunicorn.conf.py, 2 workers) serves `GET /readyz` (one database round
trip through the app) on a scratch SQLite database, with workers recycled every --recycle-every
requests so that a short run sees many recycles. Two modes: `preload` (the project's default: a
recycled worker is a fork of the master, which built the app once) and `no-preload` (the old
default: each new worker imports and builds the app itself). A closed loop of 4 Python threads
sends requests for --seconds; printed per mode: requests, recycles seen in gunicorn's log,
latency p50/p99/p99.9/max. The recycle cost is the tail: with no preload, requests that reach a
worker still building its app wait for it.
"""
from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

from servers import free_port, wait_listening  # noqa: E402

MODES = {"preload": "1", "no-preload": "0"}


def run(mode: str, env: dict, seconds: int, clients: int) -> dict:
    port = free_port()
    log = OUT / f"recycle_{mode}.log"
    env = {**env, "GUNICORN_PRELOAD": MODES[mode], "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app", "--workers", "2"],
                                cwd=ROOT, env=env, stdout=sink, stderr=sink,
                                start_new_session=True)
    wait_listening(proc, port, "gunicorn wsgi:app")
    time.sleep(2)                                   # both workers up
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + seconds

    def client():
        while time.monotonic() < stop_at:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            try:
                connection.request("GET", "/readyz")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
            latencies.append(time.perf_counter() - began)
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    proc.terminate()
    proc.wait(timeout=30)
    recycles = log.read_text().count("Autorestarting worker")
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    return {"mode": mode, "requests": len(ordered), "recycles": recycles, "errors": errors[0],
            "p50": pct(0.5), "p99": pct(0.99), "p999": pct(0.999), "max": ordered[-1] * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--recycle-every", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "recycle_cost.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{db_path}",
           "SECRET_KEY": "bench-recycle-cost-secret-key-0123456789", "LOG_LEVEL": "WARNING",
           "GUNICORN_MAX_REQUESTS": str(args.recycle_every), "GUNICORN_MAX_REQUESTS_JITTER": "0",
           "GUNICORN_LOG_LEVEL": "info"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} on {os.cpu_count()} cores; recycle every "
          f"{args.recycle_every} requests; {args.clients} clients for {args.seconds} s")
    for mode in MODES:
        r = run(mode, env, args.seconds, args.clients)
        print(f"  {r['mode']:10} {r['requests']:6d} requests, {r['recycles']:3d} recycles, "
              f"errors {r['errors']}: p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"p99.9 {r['p999']:7.1f} ms  max {r['max']:7.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
