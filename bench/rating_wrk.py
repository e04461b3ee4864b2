"""`POST /api/v1/ratings` under sustained load, driven by wrk, against the reference endpoint.

    . .venv/bin/activate && python bench/rating_wrk.py [--db sqlite|postgres|both] [--seconds 60]
        [--connections 16] [--modes preload,legacy,rare]

wrk (Debian package `wrk`, installed by `WITH_TEST_TOOLS=1 bin/setup`) is a C load generator: unlike a
Python client it takes little of the 2 cores, so the ratio is not flattered by a client that
slows both sides alike. Each database gets the scratch schema and data of bench/rating_submit.py
(enough orders that no order is rated twice in the run), then for each mode two gunicorn servers
run with the project's gunicorn.conf.py and 2 workers — the real `wsgi:app` and
bench/ref_insert_app.py — and wrk loads the reference for --seconds, then ours for --seconds.
A wrk Lua script gives every request a different order and its customer's token.

Modes (worker recycling is what made the tail: a recycled worker rebuilt the app for ~0.5 s):
  preload  the project's defaults: app preloaded in the master, recycled every ~50,000 requests
  legacy   the old defaults: no preload, recycled every 2,000 ± 200 requests
  rare     no preload, recycled every ~50,000 requests

Printed per mode: requests/s of both sides, the ratio ours/reference, ours' p50/p99/max, and
non-2xx answers. Targets (issue 17): p99 <= 50 ms and ratio >= 0.5 on both databases.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import rating_submit as rs  # noqa: E402  (scratch databases, seeding, server helpers)
from servers import free_port, wait_listening  # noqa: E402

# A database of its own: rating_submit.py's may be in use by another run.
rs.PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "bench_ratings_wrk")

TARGET_RATIO, TARGET_P99_MS = 0.5, 50.0
WARM_ORDERS = 5000          # rated in the unmeasured warm-up of ours
MODES = {
    "preload": {"GUNICORN_PRELOAD": "1"},
    "legacy": {"GUNICORN_PRELOAD": "0", "GUNICORN_MAX_REQUESTS": "2000",
               "GUNICORN_MAX_REQUESTS_JITTER": "200"},
    "rare": {"GUNICORN_PRELOAD": "0"},
}

WRK_SCRIPT = r"""
local jobs, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(os.getenv("WRK_JOBS")) do jobs[#jobs + 1] = line end
  step = tonumber(os.getenv("WRK_THREADS"))
  index = id
end
function request()
  local line = jobs[(index % #jobs) + 1]
  index = index + step
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. line:sub(1, tab - 1),
                                  ["Content-Type"] = "application/json"}, line:sub(tab + 1))
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
                         "non2xx=%d socket_errors=%d\n", summary.requests, summary.duration,
                         latency:percentile(50), latency:percentile(99), latency.max,
                         summary.errors.status, summary.errors.connect + summary.errors.read +
                         summary.errors.write + summary.errors.timeout))
end
"""


def start(target: str, cwd: Path, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                             "--workers", "2", "--log-level", "warning",
                             "--bind", f"127.0.0.1:{port}", target],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    wait_listening(proc, port, target)
    return proc, port


def wrk(port: int, path: str, jobs_file: Path, seconds: int, connections: int,
        threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {**os.environ, "WRK_JOBS": str(jobs_file), "WRK_THREADS": str(threads)}
    done = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                           "--timeout", "10s", "-s", script.name, f"http://127.0.0.1:{port}{path}"],
                          env=env, capture_output=True, text=True)
    os.unlink(script.name)
    if done.returncode != 0:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    line = next(l for l in done.stdout.splitlines() if l.startswith("RESULT"))
    values = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    values["rps"] = values["requests"] / (values["duration_us"] / 1e6)
    return values


def run_mode(kind: str, url: str, mode: str, files: tuple[Path, Path], args) -> dict:
    warm_file, jobs_file = files
    env = {**rs.server_env(url), **MODES[mode], "WEB_CONCURRENCY": "2"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    ref_proc, ref_port = start("ref_insert_app:create_ref_app()", ROOT / "bench", env)
    try:
        wrk(ref_port, "/ref", jobs_file, 3, args.connections, args.threads)       # warm-up
        ref = wrk(ref_port, "/ref", jobs_file, args.seconds, args.connections, args.threads)
    finally:
        rs.stop(ref_proc)
    ours_proc, ours_port = start("wsgi:app", ROOT, env)
    try:
        # Every worker up and warm (imports, pools, first statements) before the measured run:
        # what is measured is sustained load, not the server's start.
        wrk(ours_port, "/api/v1/ratings", warm_file, 3, args.connections, args.threads)
        ours = wrk(ours_port, "/api/v1/ratings", jobs_file, args.seconds, args.connections,
                   args.threads)
    finally:
        rs.stop(ours_proc)
    return {"kind": kind, "mode": mode, "ref": ref, "ours": ours,
            "ratio": ours["rps"] / ref["rps"]}


def report(r: dict) -> None:
    ref, ours = r["ref"], r["ours"]
    p99 = ours["p99_us"] / 1000
    ok = r["ratio"] >= TARGET_RATIO and p99 <= TARGET_P99_MS
    print(f"  {r['kind']:8} {r['mode']:8} reference {ref['rps']:6.0f} req/s (p99 "
          f"{ref['p99_us'] / 1000:5.1f} ms) | ratings {ours['rps']:6.0f} req/s p50 "
          f"{ours['p50_us'] / 1000:5.1f} ms p99 {p99:6.1f} ms max {ours['max_us'] / 1000:6.1f} ms "
          f"non-2xx {ours['non2xx']} | ratio {r['ratio']:.2f} -> {'met' if ok else 'NOT met'}",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--modes", default="preload,legacy",
                        help=f"comma-separated, of {', '.join(MODES)}")
    parser.add_argument("--orders", type=int, default=0,
                        help="orders to seed per mode (default: enough for 1,500 req/s)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: WITH_TEST_TOOLS=1 bin/setup (Debian package wrk)")
    modes = [m for m in args.modes.split(",") if m]
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    orders = WARM_ORDERS + (args.orders or args.seconds * 1500)
    load = os.getloadavg()
    print(f"wrk {args.connections} connections, {args.seconds} s per side; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores", flush=True)
    results = []
    for kind in kinds:
        for mode in modes:
            url = rs.fresh_database(kind)
            jobs = rs.seed(url, orders, random.Random(args.seed), technicians=5000)
            files = (rs.OUT / f"wrk_warm_{kind}.tsv", rs.OUT / f"wrk_jobs_{kind}.tsv")
            for path, part in zip(files, (jobs[:WARM_ORDERS], jobs[WARM_ORDERS:])):
                path.write_text("".join(f"{j.token}\t{j.body.decode()}\n" for j in part))
            r = run_mode(kind, url, mode, files, args)
            report(r)
            results.append(r)
    print("summary:")
    for r in results:
        report(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
