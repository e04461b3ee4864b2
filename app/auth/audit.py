"""The audit log entry of an admin API call or a command that changed something: the API key's
name (`api:…`) or the operating-system user (`cli:…`) is the actor, so the console's 操作日志 shows
every channel beside the console's own."""
from __future__ import annotations

import getpass

from flask import g, request

from app.console import service as audit_log


def operator() -> str:
    """Who runs a command, as the operating system knows them."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):     # no login name in some containers
        return "unknown"


def audit_cli(action: str, target: str = "", **details) -> None:
    """The entry of a command-line change (`cli:<user>`), in the command's transaction."""
    audit_log.record(actor=f"cli:{operator()}", action=action, target=target, details=details)


def audit_api_call(action: str, target: str = "", **details) -> None:
    """Add the entry to the request's transaction (it lands with the change or not at all)."""
    audit_log.record(actor=f"api:{g.api_key.name}", action=action, target=target,
                     details=details, ip=request.remote_addr)
