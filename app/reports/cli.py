"""`flask report close|reopen|recompute|versions|monthly|pay|ranking|quarterly|send-bulletins` —
the same services as the API. The group answers to `flask reports …` too."""
from __future__ import annotations

import getpass
import json
import re
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth.audit import audit_cli
from app.errors import AppError
from app.extensions import db
from app.reports import bulletins, exports, service
from app.reports.queries import TechnicianFilter

MONTH_HELP = "calendar month in TIMEZONE, YYYY-MM"
MONTH_RE, QUARTER_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), re.compile(r"^\d{4}Q[1-4]$")


def _month(ctx, param, value):
    if value is not None and not MONTH_RE.match(value):
        raise click.BadParameter("use YYYY-MM")
    return value


def _quarter(ctx, param, value):
    if value is not None and not QUARTER_RE.match(value):
        raise click.BadParameter("use YYYYQn")
    return value


def _tariff():
    return service.load_tariff(current_app.config.get("TARIFF_FILE"))


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _fail(exc: AppError):
    raise click.ClickException(f"{exc.code}: {exc.message}")


@click.group("report", help="定星核算报表与月结 (reports, pay and month close).")
def report_cli():
    pass


def _print_version(version) -> None:
    pay = version.totals.get("pay") or {}
    click.echo(f"{version.month} version {version.version} ({version.kind}) "
               f"tariff {version.tariff_version}: {version.totals.get('technicians')} technicians, "
               f"{version.totals.get('orders_completed')} orders, "
               f"install pay {version.totals.get('install_pay')} yuan"
               + (f", total pay {pay['total_pay']} yuan" if pay else "")
               + (f", {version.bulletins_queued} bulletins queued"
                  if version.bulletins_queued is not None else ""))
    if version.changes is not None:
        changes = version.changes
        click.echo(f"  vs version {changes['previous_version']}: "
                   f"{len(changes['changed'])} changed, {len(changes['added'])} added, "
                   f"{len(changes['removed'])} removed"
                   + (", tariff changed" if changes.get("tariff_changed") else ""))
        for entry in changes["changed"]:
            fields = ", ".join(f"{name} {c['old']}→{c['new']}"
                               for name, c in entry["changes"].items())
            click.echo(f"    {entry['employee_no']}: {fields}")


def _progress_printer():
    """Ledger progress on stderr, at most every 2 seconds (a million orders take minutes)."""
    last = [time.monotonic()]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 2:
            last[0] = now
            click.echo(f"  … 账本 {done}/{total} 名装维人员", err=True)
    return show


@report_cli.command("close")
@click.option("--month", required=True, help=MONTH_HELP, callback=_month)
@click.option("--note", default="")
@click.option("--by", default=None, help="who closes (default: the OS user)")
@with_appcontext
def close(month: str, note: str, by: str | None):
    """Freeze MONTH's report and pay ledger as a new version."""
    try:
        version = service.close_month(month=month, by=by or f"cli:{getpass.getuser()}",
                                      note=note, tariff=_tariff(), tz_name=_tz(),
                                      on_progress=_progress_printer())
    except AppError as exc:
        _fail(exc)
    audit_cli("month_closed", month, version=version.version, note=note)
    db.session.commit()
    _print_version(version)


@report_cli.command("recompute")
@click.option("--month", required=True, help=MONTH_HELP, callback=_month)
@click.option("--note", default="")
@click.option("--by", default=None)
@with_appcontext
def recompute(month: str, note: str, by: str | None):
    """Recompute a closed MONTH as a new version and list what changed per technician."""
    try:
        version = service.close_month(month=month, by=by or f"cli:{getpass.getuser()}",
                                      note=note, tariff=_tariff(), tz_name=_tz(),
                                      recompute=True, on_progress=_progress_printer())
    except AppError as exc:
        _fail(exc)
    db.session.commit()
    _print_version(version)


@report_cli.command("reopen")
@click.option("--month", required=True, help=MONTH_HELP, callback=_month)
@click.option("--reason", required=True)
@click.option("--by", default=None)
@with_appcontext
def reopen(month: str, reason: str, by: str | None):
    """Reopen a closed MONTH (it answers live figures until closed again)."""
    try:
        version = service.reopen_month(month=month, by=by or f"cli:{getpass.getuser()}",
                                       reason=reason)
    except AppError as exc:
        _fail(exc)
    audit_cli("month_reopened", month, version=version.version, reason=reason)
    db.session.commit()
    click.echo(f"{month} reopened (version {version.version} no longer in force)")


@report_cli.command("versions")
@click.option("--month", required=True, help=MONTH_HELP, callback=_month)
@with_appcontext
def versions(month: str):
    """List MONTH's closed versions with what changed."""
    for version in service.month_versions(month):
        _print_version(version)
        if version.is_open:
            click.echo(f"  reopened {version.reopened_at:%Y-%m-%d %H:%M} by "
                       f"{version.reopened_by}: {version.reopen_reason}")


def _export_options(command):
    for option in reversed((
            click.option("--month", required=True, help=MONTH_HELP, callback=_month),
            click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]),
                         default="csv"),
            click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
                         help="file to write (default: stdout; xlsx needs a file)"),
            click.option("--live", is_flag=True,
                         help="ignore a close and compute from current data"))):
        command = option(command)
    return with_appcontext(command)


def _export(report: dict, fmt: str, output: str | None, columns, make_workbook) -> None:
    if fmt == "csv":
        data = exports.to_csv(columns, report["items"])
    elif fmt == "xlsx":
        if not output:
            raise click.UsageError("--output is required for xlsx")
        data = make_workbook(report)
    else:
        data = json.dumps(report, ensure_ascii=False, default=str, indent=1).encode()
    _write(data, output)


@report_cli.command("monthly")
@_export_options
def monthly(month: str, fmt: str, output: str | None, live: bool):
    """Export MONTH's report (CSV with BOM, XLSX or JSON)."""
    report = service.monthly_report(month=month, tariff=_tariff(), tz_name=_tz(), live=live)
    _export(report, fmt, output, exports.MONTHLY_COLUMNS, lambda r: exports.to_xlsx(
        [("人员明细", exports.MONTHLY_COLUMNS, r["items"]),
         ("班组汇总", exports.TEAM_COLUMNS, r["teams"]),
         ("区域汇总", exports.AREA_COLUMNS, r["areas"])]))
    click.echo(f"{month}: {report['source']} (version {report['version'] or '-'}), tariff "
               f"{report['tariff_version']}, install pay {report['totals']['install_pay']}",
               err=True)


@report_cli.command("pay")
@_export_options
def pay(month: str, fmt: str, output: str | None, live: bool):
    """Export MONTH's whole pay sheet (装维酬金核算表)."""
    report = service.pay_sheet(month=month, tariff=_tariff(), tz_name=_tz(), live=live)
    _export(report, fmt, output, exports.PAY_COLUMNS, lambda r: exports.pay_workbook(
        r, [("期间", month), ("酬金标准版本", r["tariff_version"])]))
    click.echo(f"{month}: {report['source']} (version {report['version'] or '-'}), "
               f"{report['totals']['technicians']} technicians, total pay "
               f"{report['totals']['total_pay']} yuan", err=True)


@report_cli.command("ranking")
@click.option("--month", required=True, help=MONTH_HELP, callback=_month)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None)
@with_appcontext
def ranking(month: str, output: str | None):
    """Export MONTH's assessment ranking as CSV (UTF-8 with BOM)."""
    report = service.monthly_ranking(month=month, tariff=_tariff(), tz_name=_tz())
    _write(exports.to_csv(exports.RANKING_COLUMNS, report["items"]), output)
    click.echo(f"{month}: {report['ranked']} ranked, {len(report['stars'])} stars, "
               f"{sum(1 for i in report['bottom'] if i['recommendation'])} recommendations",
               err=True)


@report_cli.command("send-bulletins")
@click.option("--month", default=None, help=MONTH_HELP + " (default: every month)",
              callback=_month)
@click.option("--limit", default=1000, show_default=True, help="bulletins per run")
@with_appcontext
def send_bulletins(month: str | None, limit: int):
    """Send the monthly bulletins queued by month closes (cron; safe on several servers)."""
    config = current_app.config
    tally: dict[str, int] = {}
    for bulletin_id in bulletins.pending_ids(month=month, limit=limit):
        if not bulletins.claim(bulletin_id):
            db.session.rollback()
            continue
        db.session.commit()      # the claim is durable before the message leaves
        status = bulletins.send(
            bulletin_id, template_id=config["WECHAT_BULLETIN_TEMPLATE_ID"],
            page=config["MINIPROGRAM_MONTH_PAGE"],
            h5_url=f"{config['PUBLIC_BASE_URL']}/h5/technician/report",
            max_attempts=config["BULLETIN_MAX_ATTEMPTS"])
        db.session.commit()
        tally[status] = tally.get(status, 0) + 1
    click.echo("bulletins: " + ", ".join(f"{tally.get(s, 0)} {s}" for s in
                                         ("sent", "pending", "failed", "no_recipient")))


@report_cli.command("quarterly")
@click.option("--quarter", required=True, help="YYYYQn", callback=_quarter)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None)
@with_appcontext
def quarterly(quarter: str, output: str | None):
    """Export QUARTER's grades as CSV (UTF-8 with BOM)."""
    report = service.quarterly_grades(quarter=quarter, tariff=_tariff(), tz_name=_tz(),
                                      who=TechnicianFilter())
    _write(exports.to_csv(exports.QUARTERLY_COLUMNS, report["items"]), output)
    click.echo(f"{quarter}: {report['ranked']} ranked, boundaries {report['boundaries']}",
               err=True)


def _write(data: bytes, output: str | None) -> None:
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
