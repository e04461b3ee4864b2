"""Does `POST /api/v1/bindings/sms` answer in the same time for an existing and an unknown
account? (Issue 17: with a provider answering in 300 ms, 313.6 ms against 7.3 ms.)

    . .venv/bin/activate && python bench/sms_timing.py [--requests 60] [--provider-ms 300]

gunicorn serves the app (the project's gunicorn.conf.py, 2 workers, no Redis: tasks run in the
worker after the response) on a scratch SQLite database with SMS_BACKEND=http pointed at a local
provider that takes --provider-ms per message. Requests alternate between a real account and an
unknown one; the answer times of each are summarised (median, p90) and compared with a rank test
(Mann-Whitney U, normal approximation): a leak shows as a median gap of about the provider's
delay and a tiny p-value. Sequential requests, so each one meets an idle worker.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SECRET_KEY = "bench-sms-timing-secret-key-0123456789"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from servers import free_port, wait_listening  # noqa: E402


class Provider(BaseHTTPRequestHandler):
    delay = 0.3
    sent = 0

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(Provider.delay)
        Provider.sent += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, no tie correction)."""
    ranked = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    rank_a = sum(i + 1 for i, (_, side) in enumerate(ranked) if side == 0)
    n1, n2 = len(a), len(b)
    u = rank_a - n1 * (n1 + 1) / 2
    mean, sd = n1 * n2 / 2, math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    z = (u - mean) / sd
    return math.erfc(abs(z) / math.sqrt(2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="per side")
    parser.add_argument("--provider-ms", type=int, default=300)
    args = parser.parse_args()
    Provider.delay = args.provider_ms / 1000
    provider = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()

    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "sms_timing.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    port = free_port()
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{db_path}",
           "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING", "WEB_CONCURRENCY": "2",
           "SMS_BACKEND": "http", "SMS_HTTP_URL": f"http://127.0.0.1:{provider.server_port}/send",
           "SMS_SENDS_PER_USER_PER_HOUR": "100000", "SMS_SENDS_PER_ACCOUNT_PER_HOUR": "100000",
           "GUNICORN_BIND": f"127.0.0.1:{port}"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "db", "upgrade"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.identity.models import WeChatUser
    from app.identity.tokens import issue_token
    from app.masterdata.models import BroadbandAccount

    app = create_app()
    with app.app_context():
        db.session.add(BroadbandAccount(account_no="0352SMS0001", holder_name="张三",
                                        phone="13900000001", address="城区", area="城区"))
        user = WeChatUser(token_version=0)
        db.session.add(user)
        db.session.commit()
        token = issue_token(SECRET_KEY, user.id, 0)

    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(server, port, "gunicorn wsgi:app")
        times: dict[str, list[float]] = {"existing": [], "unknown": []}
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for i in range(args.requests * 2 + 10):
            side = "existing" if i % 2 == 0 else "unknown"
            body = json.dumps({"account_no": "0352SMS0001" if side == "existing"
                               else f"0352NONE{i:04d}"})
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            connection.request("POST", "/api/v1/bindings/sms", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - began) * 1000
            connection.close()
            assert response.status == 202, response.status
            if i >= 10:                                  # the first few warm the workers up
                times[side].append(elapsed)
            time.sleep(Provider.delay * 1.2)             # the task finishes before the next
    finally:
        server.terminate()
        server.wait(timeout=30)
        provider.shutdown()
    load = os.getloadavg()
    print(f"provider {args.provider_ms} ms, {args.requests} requests per side, load average "
          f"{load[0]:.2f} on {os.cpu_count()} cores; SMS delivered: {Provider.sent}")
    for side, values in times.items():
        ordered = sorted(values)
        print(f"  {side:8} median {statistics.median(values):6.1f} ms  p90 "
              f"{ordered[int(len(ordered) * 0.9) - 1]:6.1f} ms  max {ordered[-1]:6.1f} ms")
    gap = statistics.median(times["existing"]) - statistics.median(times["unknown"])
    p = mann_whitney_p(times["existing"], times["unknown"])
    print(f"  median gap {gap:+.1f} ms; Mann-Whitney p = {p:.3f} "
          f"({'no' if p > 0.01 and abs(gap) < args.provider_ms / 10 else 'a'} measurable difference)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
