"""`flask apikey create|revoke|list`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.auth import service
from app.auth.audit import audit_cli
from app.auth.models import ROLES
from app.errors import AppError
from app.extensions import db


@click.group("apikey", help="管理 API 密钥 (manage API keys).")
def apikey_cli():
    pass


@apikey_cli.command("create")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", required=True, help="who or what uses this key")
@with_appcontext
def create(role: str, name: str):
    """Create a key and print it as the last line (it is shown only once)."""
    key, raw = service.create_api_key(role=role, name=name)
    audit_cli("api_key_created", f"API key #{key.id}", role=role, name=name)
    db.session.commit()
    click.echo(f"created API key #{key.id} ({key.prefix}…) role={key.role} name={key.name!r}",
               err=True)
    click.echo(raw)


@apikey_cli.command("revoke")
@click.argument("key")
@with_appcontext
def revoke(key: str):
    """Revoke KEY, given as its id or its printed prefix (rk_xxxxxxxx)."""
    try:
        row = service.revoke_api_key(key_id=int(key)) if key.isdigit() else \
            service.revoke_api_key(prefix=key[:11])
    except AppError as exc:
        raise click.ClickException(exc.message) from exc
    audit_cli("api_key_revoked", f"API key #{row.id}", name=row.name)
    db.session.commit()
    click.echo(f"revoked API key #{row.id} ({row.prefix}…) {row.name!r}")


@apikey_cli.command("list")
@with_appcontext
def list_keys():
    """List keys (never the keys themselves)."""
    for key in service.list_api_keys():
        state = "revoked" if key.revoked_at else "active"
        click.echo(f"#{key.id}\t{key.prefix}…\t{key.role}\t{state}\t{key.name}")
