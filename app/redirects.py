"""The one rule for `?next=` redirect targets (H5 sign-in and binding, console sign-in).

A target is followed only when it is a plain path on this site. Everything a browser could read as
another host is refused: `//host`, `/\\host`, a scheme (`javascript:`, `https:`), and any control
character — browsers drop tab, CR and LF inside URLs, so `/\\t/evil.example` becomes `//evil.example`,
and CR/LF in a Location header would split the response.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from app.guards import has_control


def safe_next(target: str | None, *, default: str | None, prefix: str = "/") -> str | None:
    """`target` when it is a same-site path under `prefix`, else `default`."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or has_control(target, in_line=True):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix):
        return default
    return target
