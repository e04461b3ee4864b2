"""`flask rating send-invitations` (cron) and `flask rating recovery-sync`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.rating import service
from app.tasks import jobs


@click.group("rating", help="评价 (ratings).")
def rating_cli():
    pass


@rating_cli.command("send-invitations")
@click.option("--limit", default=500, show_default=True, help="invitations per run")
@with_appcontext
def send_invitations(limit: int):
    """Send pending rating invitations now (imports also enqueue this as a task; safe to run
    from cron on several servers: each invitation is claimed before it leaves)."""
    counts = jobs.send_invitations(limit=limit)
    db.session.commit()
    click.echo(f"invitations: {counts.get('sent', 0)} sent, {counts.get('failed', 0)} failed")


@rating_cli.command("recovery-sync")
@with_appcontext
def recovery_sync():
    """Open recovery tasks for dissatisfied callbacks that have none yet."""
    opened = service.open_recovery_for_dissatisfied_callbacks(
        due_hours=current_app.config["RECOVERY_DUE_HOURS"])
    db.session.commit()
    click.echo(f"recovery tasks opened: {opened}")
