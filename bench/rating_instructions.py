"""Instructions per `POST /api/v1/ratings` against the reference endpoint, counted by callgrind.

    . .venv/bin/activate && python bench/rating_instructions.py [--db postgres|sqlite] [--requests 300]

rating_submit.py measures requests/s on a shared machine, where neighbours move every figure by a
few percent. This counts what one request costs our worker in CPU instructions, which does not
depend on the neighbours: valgrind's callgrind runs each side's WSGI app in-process (no gunicorn,
no sockets), first for 100 requests and then for 100 + --requests on a fresh copy of the same
seeded database, and the difference divided by --requests is the cost of one request with
startup and imports cancelled out. The database server's own work is not counted (on PostgreSQL
it is another process). Data: bench/rating_submit.py's seed, so the bodies, tokens and spread of
orders over technicians are the same as there. Needs valgrind.
"""
from __future__ import annotations

import argparse
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import rating_submit  # noqa: E402

WARM = 100
PG_TEMPLATE, PG_COPY = "bench_ratings", "bench_ratings_run"


def child(side: str, url: str, jobs_file: str, count: int) -> None:
    """Runs under valgrind: `count` requests through the app's WSGI callable."""
    os.environ.update(rating_submit.server_env(url))
    from werkzeug.test import EnvironBuilder
    if side == "ours":
        sys.path.insert(0, str(ROOT))
        from wsgi import app
        path = "/api/v1/ratings"
    else:
        from ref_insert_app import create_ref_app
        app, path = create_ref_app(), "/ref"
    for order_no, token, body in pickle.loads(Path(jobs_file).read_bytes())[:count]:
        environ = EnvironBuilder(path=path, method="POST", data=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"}).get_environ()
        status = []
        b"".join(app(environ, lambda s, h, e=None, status=status: status.append(s)))
        if not status[0].startswith("201"):
            sys.exit(f"{side}: {order_no} answered {status[0]}")


def fresh_copy(kind: str, seeded: str) -> str:
    if kind == "sqlite":
        copy = rating_submit.OUT / "rating_instructions.db"
        shutil.copyfile(seeded.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    for sql in (f"DROP DATABASE IF EXISTS {PG_COPY} WITH (FORCE)",
                f"CREATE DATABASE {PG_COPY} TEMPLATE {PG_TEMPLATE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q",
                        "-v", "ON_ERROR_STOP=1", "-c", sql], check=True)
    return f"{rating_submit.PG_SERVER}/{PG_COPY}"


def instructions(kind: str, seeded: str, side: str, jobs_file: str, count: int) -> int:
    url = fresh_copy(kind, seeded)
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           sys.executable, __file__, "--child", side, url, jobs_file, str(count)],
                          capture_output=True, text=True, cwd=ROOT)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"valgrind run of {side} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")

    seeded = rating_submit.fresh_database(args.db)
    jobs = rating_submit.seed(seeded, WARM + args.requests, random.Random(args.seed))
    jobs_file = rating_submit.OUT / "rating_instructions.jobs"
    jobs_file.write_bytes(pickle.dumps([(j.order_no, j.token, j.body) for j in jobs]))
    per_request = {}
    for side in ("reference", "ours"):
        name = "ref" if side == "reference" else "ours"
        base = instructions(args.db, seeded, name, str(jobs_file), WARM)
        total = instructions(args.db, seeded, name, str(jobs_file), WARM + args.requests)
        per_request[side] = (total - base) / args.requests
        print(f"  {side:9} {per_request[side] / 1e6:6.2f} M instructions per request", flush=True)
    print(f"{args.db}: reference/ours {per_request['reference'] / per_request['ours']:.2f} "
          f"(instructions of the worker, {args.requests} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
