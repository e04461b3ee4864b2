"""The audit log entry of an admin API call that changed something: the API key's name is the
actor, so the console's 操作日志 shows API decisions beside the console's own."""
from __future__ import annotations

from flask import g, request

from app.console import service as audit_log


def audit_api_call(action: str, target: str = "", **details) -> None:
    """Add the entry to the request's transaction (it lands with the change or not at all)."""
    audit_log.record(actor=f"api:{g.api_key.name}", action=action, target=target,
                     details=details, ip=request.remote_addr)
