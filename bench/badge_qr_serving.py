"""Serving a cached badge QR PNG vs a bare Flask endpoint returning the same bytes, same run.

    . .venv/bin/activate && python bench/badge_qr_serving.py [--seconds 4] [--rounds 5] [--app-log-level INFO]

Both apps run under gunicorn with identical settings (2 gthread workers × 4 threads, loopback
only). Ours is the real `wsgi:app` on a fresh SQLite database built by `flask db upgrade heads`,
serving `GET /b/<token>.png` for a badge whose PNG is already stored (one token check and one
query per request, request-id and access logging on, as in production). The baseline is a
six-line Flask app returning the same bytes from memory. For scale, our app's `/healthz` is
measured too: it is the floor every request of our app pays (request id, JSON access log). The load comes from `wrk` when it is
installed (Debian package wrk), else from Python threads with keep-alive http.client
connections; each run is bounded by --seconds. Rounds alternate baseline/ours, and the ratio of
the sums and the median of the per-round ratios are printed (rounds are short and alternate
because the machine is shared: a neighbour's burst then spoils one round, not one side); the
e-badge issue asks for >= 0.7. Because throughput on a shared machine swings with whatever
else runs, the CPU time the two gunicorn process trees used per request (from /proc) is printed
too: its ratio is the same comparison, and it is stable under load from other processes.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4",
            "--keep-alive", "5", "--log-level", "warning"]

BARE_APP = '''
from pathlib import Path
from flask import Flask, Response
PNG = Path(__file__).with_name("qr.png").read_bytes()
app = Flask(__name__)

@app.get("/qr.png")
def qr():
    return Response(PNG, mimetype="image/png")
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(workdir: Path) -> tuple[dict, str]:
    """A migrated database with one technician whose QR PNG is stored; returns (env, path)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
           "SECRET_KEY": "bench-secret", "PUBLIC_BASE_URL": "https://pj.example.com.cn",
           "APP_ENV": "development", "LOG_LEVEL": "INFO"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL")})
    from app import create_app
    from app.badge import service
    from app.extensions import db
    from app.masterdata.models import Technician

    app = create_app({"LOG_LEVEL": "WARNING"})
    with app.app_context():
        technician = Technician(employee_no="B0001", name="张伟", phone="13800000001",
                                team="城东装维一班", area="城区营业部", vendor="自营")
        db.session.add(technician)
        db.session.flush()
        badge = service.get_or_create_badge(technician)
        image = service.badge_image(badge, "qr_png")
        token = service.badge_token(badge)
        db.session.commit()
        db.engine.dispose()
    (workdir / "qr.png").write_bytes(image.data)
    (workdir / "bare_app.py").write_text(BARE_APP)
    return env, f"/b/{token}.png"


def start(module: str, cwd: Path, env: dict, port: int, config: Path,
          ready_path: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", str(config), *GUNICORN,
                             "--bind", f"127.0.0.1:{port}", module],
                            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    # The master accepts connections before its workers have built the app (seconds on a
    # loaded machine): wait until both workers answer quickly, or round 1 measures their start.
    deadline, quick = time.monotonic() + 120, 0
    while time.monotonic() < deadline and quick < 20:
        began = time.perf_counter()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", ready_path)
            connection.getresponse().read()
            connection.close()
        except OSError:
            time.sleep(0.2)
            continue
        quick = quick + 1 if time.perf_counter() - began < 0.1 else 0
    if quick < 20:
        proc.kill()
        raise RuntimeError(f"{module} did not start")
    return proc


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU of a gunicorn master and its workers, from /proc (Linux)."""
    pids = [proc.pid]
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])      # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def connection_owners(port: int) -> list[int]:
    """How many of the established connections to `port` each server process holds (from `ss`),
    or [] when that cannot be told."""
    if shutil.which("ss") is None:
        return []
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    owners: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        owners[pid] = owners.get(pid, 0) + 1
    return sorted(owners.values(), reverse=True)


LOPSIDED_RUNS = []
ATTEMPTS = 6
LAST_CPU = [0.0]        # the server's CPU seconds when the run that counts began


def load_wrk(port: int, path: str, seconds: int, proc: subprocess.Popen | None = None) -> float:
    # gthread workers keep their keep-alive connections for the whole run, and the kernel now
    # and then hands all 8 to one worker (seen on bare Flask alone: 3 runs of 7 at a third of
    # the throughput, `ss` showing 8 connections on one pid). Such a run measures one worker,
    # not the server, whichever app it is: it is run again (up to 5 more times) and counted.
    for attempt in range(ATTEMPTS):
        LAST_CPU[0] = cpu_seconds(proc) if proc is not None else 0.0
        wrk = subprocess.Popen(["wrk", "-t1", "-c8", f"-d{seconds}s",
                                f"http://127.0.0.1:{port}{path}"],
                               stdout=subprocess.PIPE, text=True)
        time.sleep(min(1.0, seconds / 3))
        owners = connection_owners(port)
        out = wrk.communicate()[0]
        if wrk.returncode:
            raise RuntimeError(f"wrk failed:\n{out}")
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if non2xx:
            raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
        if len(owners) != 1 or attempt == ATTEMPTS - 1:
            if len(owners) == 1:
                print(f"  (every connection on one worker in all {ATTEMPTS} tries: {path} "
                      f"measured that way)", flush=True)
            return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        LOPSIDED_RUNS.append((port, path))
    raise AssertionError("unreachable")


def load_threads(port: int, path: str, seconds: int, proc: subprocess.Popen | None = None,
                 threads: int = 8) -> float:
    LAST_CPU[0] = cpu_seconds(proc) if proc is not None else 0.0
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def worker(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            counts[i] += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--app-log-level", default="INFO",
                        help="our app's LOG_LEVEL; INFO writes the JSON access log line per request")
    args = parser.parse_args()
    load = load_wrk if shutil.which("wrk") else load_threads
    with tempfile.TemporaryDirectory(prefix="badge-bench-") as tmp:
        workdir = Path(tmp)
        env, ours_path = prepare(workdir)
        env["LOG_LEVEL"] = args.app_log_level
        bare_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        bare_port, ours_port = _free_port(), _free_port()
        # An explicit, empty config for both: otherwise gunicorn would read the project's own
        # gunicorn.conf.py for ours only (worker recycling, other worker class and count).
        config = workdir / "gunicorn_bench.conf.py"
        config.write_text("# identical settings for both servers: see GUNICORN\n")
        bare = start("bare_app:app", workdir, bare_env, bare_port, config, "/qr.png")
        ours = start("wsgi:app", ROOT, env, ours_port, config, ours_path)
        try:
            # Warm both (imports, every thread's first connection), longer than any pause.
            load(ours_port, ours_path, 3)
            load(bare_port, "/qr.png", 3)
            totals = {"bare": 0.0, "ours": 0.0, "healthz": 0.0}
            per_cpu = {"bare": [], "ours": [], "healthz": []}
            ratios = []
            for round_no in range(1, args.rounds + 1):
                rps = {}
                for name, proc, port, path in (("bare", bare, bare_port, "/qr.png"),
                                               ("ours", ours, ours_port, ours_path),
                                               ("healthz", ours, ours_port, "/healthz")):
                    rps[name] = load(port, path, args.seconds, proc)
                    used = cpu_seconds(proc) - LAST_CPU[0]
                    totals[name] += rps[name]
                    per_cpu[name].append(rps[name] * args.seconds / used if used else 0.0)
                ratios.append(rps["ours"] / rps["bare"])
                print(f"round {round_no}: bare {rps['bare']:6.0f} req/s, ours {rps['ours']:6.0f} "
                      f"req/s, ratio {ratios[-1]:.2f}; requests per server CPU-second: bare "
                      f"{per_cpu['bare'][-1]:.0f}, ours {per_cpu['ours'][-1]:.0f}, our /healthz "
                      f"{per_cpu['healthz'][-1]:.0f}", flush=True)
        finally:
            stop(bare)
            stop(ours)
    ratio = totals["ours"] / totals["bare"]
    print(f"load generator: {load.__name__}; gunicorn {' '.join(GUNICORN)}; "
          f"our LOG_LEVEL={args.app_log_level}; runs repeated because every connection went "
          f"to one worker: {len(LOPSIDED_RUNS)}")
    print(f"bare Flask {totals['bare'] / args.rounds:.0f} req/s, badge QR PNG "
          f"{totals['ours'] / args.rounds:.0f} req/s, ratio of sums {ratio:.2f}, "
          f"median round ratio {statistics.median(ratios):.2f} (target >= 0.7)")
    cpu_ratio = statistics.median(per_cpu["ours"]) / statistics.median(per_cpu["bare"])
    print(f"server CPU cost: bare {1e6 / statistics.median(per_cpu['bare']):.0f} us/request, "
          f"ours {1e6 / statistics.median(per_cpu['ours']):.0f} us/request, ratio {cpu_ratio:.2f} "
          f"(the same comparison, insensitive to other load on the machine)")
    print(f"for scale: our app's /healthz (no database; request id and access log only) costs "
          f"{1e6 / statistics.median(per_cpu['healthz']):.0f} us/request, "
          f"{statistics.median(per_cpu['healthz']) / statistics.median(per_cpu['bare']):.2f} of bare")


if __name__ == "__main__":
    main()
