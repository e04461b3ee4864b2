"""`flask wechat simulator|demo`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.masterdata.models import BroadbandAccount, Technician


@click.group("wechat", help="微信 (WeChat): loopback simulator and demo hints.")
def wechat_cli():
    pass


@wechat_cli.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@with_appcontext
def simulator(host: str, port: int):
    """Run the loopback WeChat platform with this app's appids and secrets (in-memory state)."""
    from werkzeug.serving import run_simple

    from app.wechat.simulator import simulator_for

    cfg = current_app.config
    if cfg["APP_ENV"] == "production":
        raise click.ClickException("the simulator is for development and tests, not production")
    sim = simulator_for(cfg)
    base = f"http://{host}:{port}/"
    click.echo(f"WeChat simulator on {base} — run the app with WECHAT_API_BASE_URL={base} "
               f"WECHAT_OPEN_BASE_URL={base}", err=True)
    if cfg["WECHAT_API_BASE_URL"].rstrip("/") != base.rstrip("/"):
        click.echo(f"note: this app's WECHAT_API_BASE_URL is {cfg['WECHAT_API_BASE_URL']}", err=True)
    run_simple(host, port, sim, threaded=True, use_reloader=False)


@wechat_cli.command("demo")
@with_appcontext
def demo():
    """Print a ready-to-paste demo: log in, bind a demo account, bind a demo technician, scan
    the technician's live badge."""
    api = current_app.config["PUBLIC_BASE_URL"]
    account = db.session.scalar(select(BroadbandAccount).order_by(BroadbandAccount.id).limit(1))
    technician = db.session.scalar(select(Technician).where(Technician.status == "active")
                                   .order_by(Technician.id).limit(1))
    if account is None or technician is None:
        raise click.ClickException("no demo data yet: run `flask --app wsgi demo seed` first")
    j = "-H 'Content-Type: application/json'"
    click.echo(f"""set -e
# Stops at the first refusal with the service's own message (never a Python traceback).
field() {{ python3 -c 'import json, sys
try:
    body = json.load(sys.stdin)
except ValueError:
    sys.exit("停止：{api} 没有返回 JSON，bin/run 在运行吗？(no JSON from the service: is it running?)")
value = body.get(sys.argv[1]) if isinstance(body, dict) else None
if value is None:
    sys.exit("停止 (stopped): " + json.dumps(body.get("error", body), ensure_ascii=False))
print(value)' "$1"; }}
# 1. customer login: code 'demo:alice:<anything>' = demo person alice (codes are single use)
TOKEN=$(curl -s -XPOST {api}/api/v1/auth/login {j} -d '{{"code":"demo:alice:'$RANDOM'"}}' | field token)
# 2. bind account {account.account_no} with a phone code for its registered phone
curl -s -XPOST {api}/api/v1/bindings {j} -H "Authorization: Bearer $TOKEN" -d '{{"account_no":"{account.account_no}","phone_code":"phone:{account.phone}:'$RANDOM'"}}'; echo
curl -s {api}/api/v1/bindings -H "Authorization: Bearer $TOKEN"; echo
# 3. technician {technician.employee_no}: log in as another person, bind with the registered phone
TECH=$(curl -s -XPOST {api}/api/v1/auth/login {j} -d '{{"code":"demo:tech1:'$RANDOM'"}}' | field token)
curl -s -XPOST {api}/api/v1/technician/bind {j} -H "Authorization: Bearer $TECH" -d '{{"employee_no":"{technician.employee_no}","phone_code":"phone:{technician.phone}:'$RANDOM'"}}'; echo
# 4. live badge (在场扫码): the technician's token changes every LIVE_BADGE_STEP_SECONDS; alice scans it
LIVE=$(curl -s {api}/api/v1/technician/badge/live -H "Authorization: Bearer $TECH" | field token)
curl -s {api}/api/v1/badges/$LIVE -H "Authorization: Bearer $TOKEN"; echo     # "presence": true
# the technician's full-screen live page in a browser: on any {api} page run
#   document.cookie = "sim_user=tech1; path=/"   (the simulator signs the browser in as tech1)
# then open {api}/h5/technician/badge""")
