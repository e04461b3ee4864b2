"""`flask fraud scan --month YYYY-MM` and `flask fraud sample --month YYYY-MM`: the same services as
the API, one commit each, for cron and operators."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.fraud import service
from app.timeutil import month_bounds


def _month(_ctx, _param, value: str) -> str:
    try:
        month_bounds(value, "UTC")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.group("fraud", help="虚假评价稽核 (fraud review).")
def fraud_cli():
    pass


@fraud_cli.command("scan", help="扫描某月工单的评价并生成/更新稽核标记 (flag a month's ratings).")
@click.option("--month", required=True, callback=_month, help="YYYY-MM (TIMEZONE)")
@with_appcontext
def scan(month: str):
    steps = service.SCAN_STEPS
    with click.progressbar(length=len(steps), label=f"{month} 扫描", show_eta=False,
                           file=sys.stderr,
                           item_show_func=lambda label: label) as bar:
        def advance(label: str):
            bar.update(1, label)
        result = service.scan_month(month=month, on_step=advance,
                                    **service.settings(current_app.config))
        db.session.commit()
    click.echo(f"{month}: {result.ratings_scanned} ratings scanned, {result.flags_created} flags "
               f"created, {result.flags_updated} updated, {result.flags_removed} removed, "
               f"{result.flags_total} in total ({result.seconds:.2f} s)")


@fraud_cli.command("sample", help="抽取回访样本 (draw a callback sample); prints it as JSON.")
@click.option("--month", required=True, callback=_month)
@click.option("--per-band", type=int, default=20, show_default=True)
@click.option("--unflagged", type=int, default=30, show_default=True)
@click.option("--seed", type=int, default=None)
@click.option("--by", default="cli", show_default=True, help="who draws it (kept on the sample)")
@with_appcontext
def sample(month: str, per_band: int, unflagged: int, seed: int | None, by: str):
    drawn = service.draw_sample(month=month, per_band=per_band, unflagged=unflagged, seed=seed,
                                by=by, tz_name=current_app.config["TIMEZONE"])
    db.session.commit()
    report = service.sample_report(drawn.id)
    click.echo(json.dumps({"id": report["id"], "populations": report["populations"],
                           "calls": len(report["items"])}, ensure_ascii=False))


@fraud_cli.command("regroup", help="重新归并稽核案件 (regroup undecided flags into cases; "
                                   "decided cases keep their flags).")
@with_appcontext
def regroup():
    result = service.regroup()
    db.session.commit()
    click.echo(f"{result.cases_created} cases created, {result.cases_removed} removed, "
               f"{result.flags_moved} flags moved")
