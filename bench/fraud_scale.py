"""Scan time and peak memory of one big month on PostgreSQL, through the real CLI.

    . .venv/bin/activate && python bench/fraud_scale.py --database-url \
        postgresql://postgres@127.0.0.1:5432/h13 [--ratings 1000000] [--skip-load]

Builds a month of `--ratings` ratings (40 per technician, half of each technician's orders rated,
about 30% of orders with an IVR call, short praise comments, one WeChat user per rating except
families, 50 planted rings) and writes it with COPY (the imports' speed is not what is measured
here; bench/fraud_bench.py loads its months through them). Then it runs
`flask --app wsgi fraud scan --month 2026-10` as a child process (its progress bar on stderr) and
reports the wall time and the child's own peak resident memory (wait4), then a re-scan. The
month is built in a process of its own, so that its rows' memory is not counted as the scan's.
The database is recreated: give it one of its own.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fraud_bench import fresh_app  # noqa: E402
from fraud_world import PRAISES, STOCK, SUBJECTS, UAS  # noqa: E402

UTC = timezone.utc
START = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)        # 2026-10-01 00:00 +08:00
PER_TECHNICIAN = 40


def _praise(rng: random.Random) -> str:
    return rng.choice(SUBJECTS) + "，".join(rng.sample(PRAISES, rng.choice([1, 2, 3])))


def _ts(moment: datetime) -> str:
    return moment.isoformat()


def load(url: str, ratings: int, seed: int) -> dict:
    import psycopg

    fresh_app(url)
    rng = random.Random(seed)
    comments = [_praise(rng) for _ in range(5000)] + STOCK
    technicians = max(1, ratings // PER_TECHNICIAN)
    stamp = _ts(START - timedelta(days=60))
    counts = {"technicians": technicians}
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor() as cur:
            with cur.copy("COPY technicians (id, employee_no, name, phone, team, area, vendor, "
                          "status, created, updated) FROM STDIN") as copy:
                for t in range(1, technicians + 1):
                    copy.write_row((t, f"ZW{t:07d}", f"装维{t}", f"138{t:08d}", f"班组{t // 12}",
                                    f"区域{t // 400}", "自营", "active", stamp, stamp))
            order_id = user_id = rating_id = 0
            with cur.copy("COPY broadband_accounts (id, account_no, holder_name, phone, address, "
                          "area, created, updated) FROM STDIN") as copy:
                for a in range(1, technicians * PER_TECHNICIAN * 2 + 1):
                    copy.write_row((a, f"A{a:09d}", f"用户{a}", f"139{a % 10**8:08d}",
                                    f"街道{a % 900}号{a % 30}栋{a % 2800}室", f"区域{a % 60}",
                                    stamp, stamp))
            orders, rated, callbacks, users = [], [], [], []
            for t in range(1, technicians + 1):
                for k in range(PER_TECHNICIAN * 2):
                    order_id += 1
                    done = START + timedelta(minutes=rng.randint(0, 30 * 24 * 60 - 1))
                    orders.append((order_id, f"GD{order_id:010d}", order_id, t, "install",
                                   "broadband", f"区域{t // 400}", _ts(done - timedelta(hours=4)),
                                   _ts(done), "completed", stamp, stamp))
                    if rng.random() < 0.3:
                        callbacks.append((order_id, "ivr", rng.choices(
                            ["satisfied", "dissatisfied", "no_answer"], [84, 4, 12])[0],
                            _ts(done + timedelta(days=2)), stamp, stamp))
                    if k % 2 == 0:
                        if not users or rng.random() > 0.03:         # families reuse a user
                            user_id += 1
                            users.append((user_id, None, 0, stamp))
                        rating_id += 1
                        delay = timedelta(minutes=rng.uniform(1, 10) if rng.random() < 0.33
                                          else min(10_000, rng.lognormvariate(5.5, 1.3)))
                        rated.append((rating_id, order_id, t, user_id, f"o{user_id}", 5, "[]",
                                      rng.choice(comments) if rng.random() < 0.5 else "",
                                      "miniprogram", f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
                                      f"{rng.randint(1, 254)}", rng.choice(UAS), _ts(done + delay)))
            # Planted rings: four users rating four orders each of one technician.
            for ring in range(50):
                t = rng.randint(1, technicians)
                for _ in range(4):
                    user_id += 1
                    users.append((user_id, None, 0, stamp))
                    for _ in range(4):
                        order_id += 1
                        done = START + timedelta(minutes=rng.randint(0, 29 * 24 * 60))
                        orders.append((order_id, f"GD{order_id:010d}", rng.randint(1, technicians * 80),
                                       t, "install", "broadband", f"区域{t // 400}",
                                       _ts(done - timedelta(hours=4)), _ts(done), "completed",
                                       stamp, stamp))
                        rating_id += 1
                        rated.append((rating_id, order_id, t, user_id, f"o{user_id}", 5, "[]", "",
                                      "miniprogram", f"10.9.{ring}.{user_id % 250 + 1}",
                                      rng.choice(UAS), _ts(done + timedelta(hours=5))))
            for table, columns, rows in (
                    ("work_orders", "id, order_no, account_id, technician_id, order_type, product, "
                     "area, created_at, completed_at, status, created, updated", orders),
                    ("wechat_users", "id, unionid, token_version, created_at", users),
                    ("ratings", "id, order_id, technician_id, user_id, openid, stars, tags, comment, "
                     "channel, client_ip, user_agent, created_at", rated),
                    ("callback_results", "id, order_id, channel, result, called_at, created, updated",
                     [(i + 1, *row) for i, row in enumerate(callbacks)])):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                counts[table] = len(rows)
            for table in ("technicians", "broadband_accounts", "work_orders", "wechat_users",
                          "ratings", "callback_results"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return counts


def scan(url: str) -> tuple[float, int, str]:
    """The scan's wall time, its own peak RSS and its summary line."""
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development",
           "SECRET_KEY": secrets.token_hex(32), "LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "fraud",
                                  "scan", "--month", "2026-10"], cwd=ROOT, env=env, stdout=out,
                                 stderr=err)
        # wait4: this child's usage alone (RUSAGE_CHILDREN keeps the largest child's so far).
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise SystemExit(out.read() + err.read())
        return seconds, usage.ru_maxrss, out.read().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--ratings", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-load", action="store_true", help="scan what is there")
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql") or "127.0.0.1" not in args.database_url:
        sys.exit("a local PostgreSQL database of its own (postgresql://…@127.0.0.1/…)")
    if args.load_only:
        t = time.perf_counter()
        counts = load(args.database_url, args.ratings, args.seed)
        print(f"loaded {counts} in {time.perf_counter() - t:.0f} s")
        return
    if not args.skip_load:
        # In a process of its own: a child started from a process that once held the month's
        # rows inherits that high-water mark as its own peak RSS (the kernel keeps it at exec).
        subprocess.run([sys.executable, __file__, "--load-only", "--database-url",
                        args.database_url, "--ratings", str(args.ratings), "--seed",
                        str(args.seed)], check=True)
    seconds, peak_kb, summary = scan(args.database_url)
    print(f"scan:    {summary}\n         wall {seconds:.1f} s (process start included), peak RSS "
          f"{peak_kb / 1024:.0f} MB")
    seconds, peak_kb, summary = scan(args.database_url)
    print(f"re-scan: {summary}\n         wall {seconds:.1f} s, peak RSS "
          f"{peak_kb / 1024:.0f} MB")


if __name__ == "__main__":
    main()
