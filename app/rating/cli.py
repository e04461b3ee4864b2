"""`flask rating send-invitations` (cron) and `flask rating recovery-sync`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.rating import invitations, service


@click.group("rating", help="评价 (ratings).")
def rating_cli():
    pass


@rating_cli.command("send-invitations")
@click.option("--limit", default=500, show_default=True, help="invitations per run")
@with_appcontext
def send_invitations(limit: int):
    """Send pending rating invitations (run every minute from cron; safe on several servers)."""
    config = current_app.config
    sent = failed = 0
    for invitation_id in invitations.pending_invitation_ids(limit):
        if not invitations.claim(invitation_id):
            db.session.rollback()
            continue
        db.session.commit()      # the claim is durable before the message leaves
        status = invitations.send(invitation_id, template_id=config["WECHAT_RATING_TEMPLATE_ID"],
                                  page=config["MINIPROGRAM_RATE_PAGE"])
        db.session.commit()
        sent += status == "sent"
        failed += status == "failed"
    click.echo(f"invitations: {sent} sent, {failed} failed")


@rating_cli.command("recovery-sync")
@with_appcontext
def recovery_sync():
    """Open recovery tasks for dissatisfied callbacks that have none yet."""
    opened = service.open_recovery_for_dissatisfied_callbacks(
        due_hours=current_app.config["RECOVERY_DUE_HOURS"])
    db.session.commit()
    click.echo(f"recovery tasks opened: {opened}")
