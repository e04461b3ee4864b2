"""Role checks for admin calls: `@require_roles("admin", "manager")` on every admin view."""
from __future__ import annotations

from functools import wraps

from flask import g, request

from app.auth import service
from app.errors import Forbidden, Unauthorized


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def require_roles(*roles: str):
    """Allow the call only with an active API key of one of `roles` (`admin` is always allowed)."""
    allowed = set(roles) | {"admin"}

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            key = service.authenticate_api_key(token) if token else None
            if key is None:
                raise Unauthorized("需要有效的 API 密钥 (a valid API key is required)",
                                   code="invalid_api_key",
                                   headers={"WWW-Authenticate": 'Bearer realm="admin"'})
            if key.role not in allowed:
                raise Forbidden("该密钥的角色无权调用此接口 (role not allowed)",
                                code="role_not_allowed",
                                details={"role": key.role, "allowed": sorted(allowed)})
            g.api_key = key
            return view(*args, **kwargs)

        wrapper.required_roles = tuple(sorted(allowed))
        return wrapper

    return decorator
