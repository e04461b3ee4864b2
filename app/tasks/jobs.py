"""The tasks of every domain: each a thin boundary around an existing service function.

Wiring a new one is one decorated function. The monthly bulletin (issue 15), for instance:

    @task("reports.monthly_bulletin", attempts=2)
    def monthly_bulletin(*, month: str):
        return {"sent": reports.send_monthly_bulletin(month=month, **_report_settings())}

and `tasks.enqueue("reports.monthly_bulletin", key=f"bulletin:{month}", month=month)` from the
view or CLI that triggers it (the key makes a double click send one bulletin).
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from app.extensions import db
from app.tasks.registry import current_task_id, progress, task


@task("identity.send_binding_sms", attempts=3, backoff=(5, 30, 120), timeout=60)
def send_binding_sms(*, user_id: int, account_no: str) -> dict:
    """Make and send an account-binding code: the request that asked answered at once, the
    same for every account_no, and nothing here is visible to it."""
    from app.identity import accounts
    from app.identity.sms import get_sms_backend

    sms = accounts.make_sms_code(user_id=user_id, account_no=account_no)
    db.session.commit()              # the code is valid before the message leaves
    if sms is not None:
        get_sms_backend().send(sms)
    return {"sent": sms is not None}


@task("rating.send_invitations", attempts=3, backoff=(30, 120, 600))
def send_invitations(*, limit: int = 500) -> dict:
    """Send pending rating invitations (subscribe messages); each is claimed before it leaves,
    so several workers, the cron and a retry never send one twice."""
    from app.rating import invitations

    config = current_app.config
    counts = {"sent": 0, "failed": 0}
    pending = invitations.pending_invitation_ids(limit)
    for done, invitation_id in enumerate(pending, start=1):
        if not invitations.claim(invitation_id):
            db.session.rollback()
            continue
        db.session.commit()      # the claim is durable before the message leaves
        try:
            status = invitations.send(invitation_id,
                                      template_id=config["WECHAT_RATING_TEMPLATE_ID"],
                                      page=config["MINIPROGRAM_RATE_PAGE"])
        finally:
            db.session.commit()  # sent, failed, or back to pending when WeChat was unreachable
        counts[status] = counts.get(status, 0) + 1
        progress(done, len(pending))
    return counts


@task("fraud.scan_month", attempts=2, backoff=(60,), timeout=3600)
def scan_month(*, month: str) -> dict:
    from app.fraud import service as fraud

    steps = list(fraud.SCAN_STEPS)
    done = []

    def on_step(label: str) -> None:
        done.append(label)
        progress(len(done), len(steps), label)

    result = fraud.scan_month(month=month, on_step=on_step, **fraud.settings(current_app.config))
    return {"month": month, "ratings_scanned": result.ratings_scanned,
            "flags_created": result.flags_created, "flags_total": result.flags_total}


@task("reports.close_month", attempts=2, backoff=(60,), timeout=3600)
def close_month(*, month: str, by: str, note: str = "") -> dict:
    from app.reports import service as reports

    version = reports.close_month(month=month, by=by, note=note,
                                  tariff=reports.load_tariff(current_app.config.get("TARIFF_FILE")),
                                  tz_name=current_app.config["TIMEZONE"],
                                  on_progress=lambda done, total: progress(done, total, "名装维人员"))
    return {"month": month, "version": version.version}


@task("badge.print_sheet", attempts=2, backoff=(30,), timeout=3600)
def print_sheet(*, team: str | None = None, area: str | None = None) -> dict:
    """All the cards of a team or area as one PDF, with no size limit (the web call has one)."""
    from app.badge import bulk

    printed = bulk.print_sheet(team=team, area=area, limit=None)
    db.session.commit()              # card images rendered on the way are kept
    return {"file": _save("pdf", printed.pdf), "printed": printed.printed,
            "skipped_revoked": printed.skipped_revoked}


@task("reports.export_monthly", attempts=2, backoff=(30,), timeout=3600)
def export_monthly(*, month: str) -> dict:
    """The monthly report as an Excel-ready CSV file, however many technicians."""
    from app.reports import exports
    from app.reports import service as reports

    report = reports.monthly_report(
        month=month, tariff=reports.load_tariff(current_app.config.get("TARIFF_FILE")),
        tz_name=current_app.config["TIMEZONE"])
    data = exports.to_csv(exports.MONTHLY_COLUMNS, report["items"])
    return {"file": _save("csv", data), "rows": len(report["items"])}


def output_dir() -> Path:
    return Path(current_app.instance_path) / "task_files"


def _save(extension: str, data: bytes) -> str:
    """A task's file, named by the task: the console offers it for download."""
    directory = output_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"task-{current_task_id.get()}.{extension}"
    (directory / name).write_bytes(data)
    return name
