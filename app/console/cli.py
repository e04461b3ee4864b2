"""`flask user create|passwd|deactivate|list`: console staff accounts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.console import service
from app.console.models import STAFF_ROLES
from app.errors import AppError
from app.extensions import db


@click.group("user", help="后台人员账号 (console staff users).")
def user_cli():
    pass


def _run(action):
    try:
        result = action()
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    return result


@user_cli.command("create")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--username", required=True)
@click.option("--name", "display_name", default="", help="display name (中文姓名)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="prompted for when omitted")
@with_appcontext
def create(role: str, username: str, display_name: str, password: str):
    """Create a staff user who signs in at /console."""
    user = _run(lambda: service.create_user(username=username, role=role, password=password,
                                            display_name=display_name))
    click.echo(f"created staff user {user.username} role={user.role}")


@user_cli.command("passwd")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def passwd(username: str, password: str):
    """Set a new password (signs the user out everywhere)."""
    user = _run(lambda: service.set_password(username=username, password=password))
    click.echo(f"password changed for {user.username}")


@user_cli.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username: str):
    """Stop a user from signing in (their open sessions end at the next page)."""
    user = _run(lambda: service.deactivate_user(username=username))
    click.echo(f"deactivated {user.username}")


@user_cli.command("list")
@with_appcontext
def list_users():
    for user in service.list_users():
        state = "active" if user.active else "inactive"
        last = user.last_login_at.isoformat() if user.last_login_at else "-"
        click.echo(f"{user.username}\t{user.role}\t{state}\tlast sign-in {last}")
