"""The audit log (操作日志): what staff in the console, admin API keys and operators at the command
line changed. An entry is added to the transaction of the change it records, so it lands with the
change or not at all. The actor is the staff user, `api:<key name>` or `cli:<OS user>`; the console
lists every channel together; every domain's admin views and commands write it."""
from __future__ import annotations

import getpass
from datetime import datetime

from flask import g, request

from app.auth.models import AuditEntry
from app.db import utcnow
from app.extensions import db


def record(*, actor: str, action: str, target: str = "", details: dict | None = None,
           ip: str | None = None, now: datetime | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction (it lands with the change it records)."""
    entry = AuditEntry(actor=actor[:64], action=action, target=(target or "")[:120],
                       details=details or {}, ip=ip, at=now or utcnow())
    db.session.add(entry)
    return entry


def operator() -> str:
    """Who runs a command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):     # no login name in some containers
        return "unknown"


def audit_cli(action: str, target: str = "", **details) -> None:
    """The entry of a command-line change (`cli:<user>`), in the command's transaction."""
    record(actor=f"cli:{operator()}", action=action, target=target, details=details)


def audit_api_call(action: str, target: str = "", **details) -> None:
    """The entry of an admin API call that changed something: the API key's name is the actor."""
    record(actor=f"api:{g.api_key.name}", action=action, target=target, details=details,
           ip=request.remote_addr)
