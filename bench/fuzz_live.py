"""schemathesis against a running server, as an outside attacker would: every JSON call of
/api/openapi.json with admin, customer and technician credentials, all phases including
stateful. Prints each run's summary and exits non-zero when any server error (5xx) was found.

    . .venv/bin/activate && python bench/fuzz_live.py [--max-examples 20] [--phases all]

A scratch SQLite database under bench/out/ gets the demo data (`flask demo seed`, small), an
admin API key, and a customer and a technician user with tokens; the server is gunicorn with the
project's gunicorn.conf.py and the loopback WeChat simulator. tests/fuzz/test_openapi_fuzz.py
runs the same idea in process on every test run; this is the heavier, out-of-process run that
SECURITY.md reports.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SECRET_KEY = "bench-fuzz-live-secret-key-0123456789"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from servers import free_port, wait_listening  # noqa: E402


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _credentials(env: dict) -> dict[str, str]:
    os.environ.update(env)
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.identity.models import AccountBinding, TechnicianBinding, WeChatUser
    from app.identity.tokens import issue_token
    from app.masterdata.models import BroadbandAccount, Technician

    app = create_app()
    with app.app_context():
        customer, technician = WeChatUser(token_version=0), WeChatUser(token_version=0)
        db.session.add_all([customer, technician])
        db.session.flush()
        account = db.session.scalar(select(BroadbandAccount).limit(1))
        tech = db.session.scalar(select(Technician).where(Technician.status == "active").limit(1))
        db.session.add(AccountBinding(user_id=customer.id, account_id=account.id,
                                      method="phone_code"))
        db.session.add(TechnicianBinding(user_id=technician.id, technician_id=tech.id,
                                         phone=tech.phone))
        db.session.commit()
        return {"customer": issue_token(SECRET_KEY, customer.id, 0),
                "technician": issue_token(SECRET_KEY, technician.id, 0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--who", default="admin,customer,technician")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "fuzz_live.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{db_path}",
           "SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "ERROR", "WEB_CONCURRENCY": "2"}
    env.pop("REDIS_URL", None)
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "seed", "--technicians", "20", "--accounts", "300", "--orders", "300")
    api_key = _flask(env, "apikey", "create", "--role", "admin", "--name", "fuzz").split()[-1]
    tokens = _credentials(env)
    port, sim_port = free_port(), free_port()
    # WeChat is the loopback simulator, as under bin/run: calls that reach WeChat get its real
    # answers (an invalid code is a 400), not "WeChat unreachable" 503s.
    env.update({"GUNICORN_BIND": f"127.0.0.1:{port}",
                "WECHAT_API_BASE_URL": f"http://127.0.0.1:{sim_port}/",
                "WECHAT_OPEN_BASE_URL": f"http://127.0.0.1:{sim_port}/"})
    simulator = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi",
                                  "wechat", "simulator", "--port", str(sim_port)], cwd=ROOT,
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_listening(simulator, sim_port, "the WeChat simulator")
        wait_listening(server, port, "gunicorn wsgi:app")
        failed = False
        secrets = {"admin": api_key, **tokens}
        for who in args.who.split(","):
            secret = secrets[who]
            print(f"=== schemathesis as {who} ===", flush=True)
            done = subprocess.run(
                [str(Path(sys.executable).with_name("schemathesis")), "run",
                 f"http://127.0.0.1:{port}/api/openapi.json", "--checks", "not_a_server_error",
                 "--phases", args.phases, "--max-examples", str(args.max_examples),
                 "-H", f"Authorization: Bearer {secret}", "--request-timeout", "30",
                 "--no-color"], cwd=ROOT, capture_output=True, text=True)
            (OUT / f"fuzz_live_{who}.log").write_text(done.stdout + done.stderr)
            tail = done.stdout.strip().splitlines()[-25:]
            print("\n".join(tail), flush=True)
            print(f"(full output: bench/out/fuzz_live_{who}.log)", flush=True)
            failed |= done.returncode != 0
        return 1 if failed else 0
    finally:
        for process in (server, simulator):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
