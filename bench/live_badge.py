"""Issuing live badge tokens: GET /api/v1/technician/badge/live vs the reference, same run, wrk.

    . .venv/bin/activate && python bench/live_badge.py [--seconds 5] [--rounds 5]
        [--technicians 10000] [--database-url postgresql://…] [--app-log-level WARNING]
        [--instructions]

Every technician's phone asks for a new token every step (30 s), so 10,000 technicians are
~333 requests/s at steady state, more when shifts start together. The issue's target: ours at
>= 0.7 of the reference's requests/s.

- Ours: the real `wsgi:app` on a fresh database (SQLite under bench/out/, or the PostgreSQL
  database given, whose public schema is dropped and rebuilt by `flask db upgrade heads`),
  seeded with --technicians technicians, each bound to a WeChat user with a user token, badges
  issued. Every request carries a different technician's token (a wrk Lua script picks one at
  random), so nothing is served from a per-user cache.
- Reference (bench/ref_live_app.py): the work the call cannot do without (the same user-token
  check, the same one statement, the same token encoder) and no framework around it: no ORM
  session, request id, logs, metrics or schema. Its `/hello` (a constant JSON) is measured too,
  for scale.
- --instructions: instead of wrk, count what one request costs each side's worker in CPU
  instructions with valgrind's callgrind, in-process (no gunicorn, no sockets; the database
  server's work is not counted): 100 requests, then 400, the difference over 300. That figure does
  not move with the neighbours' load. Needs valgrind; takes ~15 minutes on a busy machine.
- Both under gunicorn with identical settings (2 gthread workers × 4 threads, an explicit empty
  config), wrk -t1 -c8 with keep-alive. Rounds alternate reference/ours/hello, because the
  machine is shared: a neighbour's burst then spoils one round, not one side. The CPU the two
  gunicorn process trees used per request (from /proc) is printed too: its ratio is the same
  comparison and moves much less with other load on the machine.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from badge_qr_serving import GUNICORN, _free_port, cpu_seconds, start, stop  # noqa: E402

SECRET = "bench-secret-live-badge-0123456789abcdef"
BASE_URL = "https://pj.example.com.cn"
OUT = ROOT / "bench" / "out"


def seed(url: str, technicians: int) -> list[str]:
    """A migrated database with `technicians` bound technicians; their user tokens."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "APP_ENV": "development"}
    if url.startswith("postgres"):
        from app.config import normalize_database_url
        engine = create_engine(normalize_database_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    from app import create_app
    from app.badge.models import Badge
    from app.db import utcnow
    from app.extensions import db
    from app.identity.models import TechnicianBinding, WeChatUser
    from app.identity.tokens import issue_token
    from app.masterdata.models import Technician

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"})
    now = utcnow()
    ids = range(1, technicians + 1)
    with app.app_context():
        conn = db.session.connection()
        conn.execute(insert(Technician.__table__), [
            {"id": n, "employee_no": f"B{n:05d}", "name": f"装维{n}", "phone": f"138{n:08d}",
             "team": f"班组{n % 40}", "area": "城区营业部", "vendor": "自营", "status": "active",
             "created": now, "updated": now} for n in ids])
        conn.execute(insert(WeChatUser.__table__), [
            {"id": n, "token_version": 0, "created_at": now} for n in ids])
        conn.execute(insert(TechnicianBinding.__table__), [
            {"technician_id": n, "user_id": n, "phone": f"138{n:08d}", "created_at": now}
            for n in ids])
        conn.execute(insert(Badge.__table__), [
            {"technician_id": n, "version": 1, "issued_at": now} for n in ids])
        if url.startswith("postgres"):
            conn.execute(text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return [issue_token(SECRET, n, 0) for n in ids]


def lua_script(path: Path, tokens: list[str], route: str) -> Path:
    """A wrk script sending each request with a random technician's bearer token."""
    body = ",\n".join(f'"{token}"' for token in tokens)
    path.write_text(f"""
tokens = {{
{body}
}}
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "{route}", {{["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]}})
end
""")
    return path


def wait_ready(port: int, path: str, token: str, timeout: float = 120) -> None:
    """Until a worker answers: gunicorn listens before its workers have built the app."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"nothing answered {path} on port {port}")


def wrk(port: int, path: str, seconds: int, script: Path | None) -> float:
    command = ["wrk", "-t1", "-c8", f"-d{seconds}s"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True,
                         text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{non2xx.group(1)} failed responses:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def child(side: str, url: str, count: int) -> None:
    """Runs under valgrind (--instructions): `count` requests through one side's WSGI app."""
    from werkzeug.test import EnvironBuilder
    from app.identity.tokens import issue_token
    os.environ.update(DATABASE_URL=url, SECRET_KEY=SECRET, PUBLIC_BASE_URL=BASE_URL,
                      APP_ENV="development", LOG_LEVEL="WARNING")
    if side in ("ours", "healthz"):
        from wsgi import app
    else:
        from ref_live_app import create_ref_app
        app = create_ref_app()
    path = {"ours": "/api/v1/technician/badge/live", "healthz": "/healthz", "ref": "/ref/live",
            "hello": "/hello"}[side]
    for n in range(count):
        environ = EnvironBuilder(path=path, headers={
            "Authorization": f"Bearer {issue_token(SECRET, 1 + n % 400, 0)}"}).get_environ()
        status = []
        b"".join(app(environ, lambda s, h, e=None, status=status: status.append(s)))
        if not status[0].startswith("200"):
            sys.exit(f"{side} answered {status[0]}")


def instructions(url: str) -> None:
    def count(side: str, requests: int) -> int:
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                              sys.executable, __file__, "--child", side, url, str(requests)],
                             capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", out.stderr).group(1))
    cost = {}
    for side in ("ref", "ours", "hello", "healthz"):
        cost[side] = (count(side, 400) - count(side, 100)) / 300
        print(f"{side}: {cost[side] / 1e6:.3f} M instructions per request", flush=True)
    print(f"ratio reference/ours {cost['ref'] / cost['ours']:.2f} (target >= 0.7); our app's "
          f"fixed cost per request (/healthz - bare hello) {(cost['healthz'] - cost['hello']) / 1e6:.3f} M")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--technicians", type=int, default=10000)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL to use (its public schema is rebuilt); default SQLite")
    parser.add_argument("--app-log-level", default="WARNING",
                        help="our app's LOG_LEVEL; INFO writes the JSON access log per request")
    parser.add_argument("--instructions", action="store_true",
                        help="count CPU instructions per request with callgrind instead of wrk")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / 'live_badge.db'}"
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(OUT / "live_badge.db") + suffix).unlink(missing_ok=True)
    tokens = seed(url, args.technicians)
    if args.instructions:
        return instructions(url)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed (Debian package wrk)")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PUBLIC_BASE_URL": BASE_URL,
           "APP_ENV": "development", "LOG_LEVEL": args.app_log_level}
    with tempfile.TemporaryDirectory(prefix="live-bench-") as tmp:
        workdir = Path(tmp)
        ours_script = lua_script(workdir / "ours.lua", tokens, "/api/v1/technician/badge/live")
        ref_script = lua_script(workdir / "ref.lua", tokens, "/ref/live")
        config = workdir / "gunicorn_bench.conf.py"
        config.write_text("# identical settings for both servers: see GUNICORN\n")
        ref_port, ours_port = _free_port(), _free_port()
        ref = start("ref_live_app:create_ref_app()", ROOT / "bench", env, ref_port, config, "/hello")
        ours = start("wsgi:app", ROOT, env, ours_port, config, "/healthz")
        sides = {"ref": (ref, ref_port, "/ref/live", ref_script),
                 "ours": (ours, ours_port, "/api/v1/technician/badge/live", ours_script),
                 "hello": (ref, ref_port, "/hello", None)}
        try:
            for _proc, port, path, script in sides.values():
                wait_ready(port, path, tokens[0])
                wrk(port, path, 3, script)      # then warm up every thread and connection
            rps = {name: [] for name in sides}
            cpu = {name: [] for name in sides}
            for round_no in range(1, args.rounds + 1):
                for name, (proc, port, path, script) in sides.items():
                    before = cpu_seconds(proc)
                    rate = wrk(port, path, args.seconds, script)
                    used = cpu_seconds(proc) - before
                    rps[name].append(rate)
                    cpu[name].append(used / (rate * args.seconds) if rate else 0.0)
                print(f"round {round_no}: reference {rps['ref'][-1]:6.0f} req/s, ours "
                      f"{rps['ours'][-1]:6.0f} req/s, ratio {rps['ours'][-1] / rps['ref'][-1]:.2f}"
                      f"; bare hello {rps['hello'][-1]:6.0f} req/s", flush=True)
        finally:
            stop(ref)
            stop(ours)
    ratio = sum(rps["ours"]) / sum(rps["ref"])
    median = statistics.median(o / r for o, r in zip(rps["ours"], rps["ref"]))
    us = {name: 1e6 * statistics.median(values) for name, values in cpu.items()}
    print(f"database {url.split(':')[0]}, {args.technicians} technicians; gunicorn "
          f"{' '.join(GUNICORN)}; wrk -t1 -c8; our LOG_LEVEL={args.app_log_level}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"reference {statistics.mean(rps['ref']):.0f} req/s, ours "
          f"{statistics.mean(rps['ours']):.0f} req/s: ratio of sums {ratio:.2f}, median round "
          f"ratio {median:.2f} (target >= 0.7)")
    print(f"server CPU per request: reference {us['ref']:.0f} us, ours {us['ours']:.0f} us, "
          f"ratio {us['ref'] / us['ours']:.2f}; bare hello {us['hello']:.0f} us "
          f"(ours/hello throughput {statistics.mean(rps['ours']) / statistics.mean(rps['hello']):.2f})")
    if ratio < 0.7:
        sys.exit(1)


if __name__ == "__main__":
    main()
