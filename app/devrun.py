"""Commands follow the running `bin/run`: it writes the addresses it serves on to
`instance/run.env` (and removes the file when it stops); `flask --app wsgi …` in another terminal
takes them for the variables its own environment leaves unset, so `flask demo scan`, `flask badge
print` and `flask wechat demo` print links to the app that is actually running (PORT=8000 bin/run
→ http://127.0.0.1:8000/…). Never in production, and a variable already set always wins."""
from __future__ import annotations

import os
from pathlib import Path

FOLLOWED = ("PUBLIC_BASE_URL", "WECHAT_API_BASE_URL", "WECHAT_OPEN_BASE_URL")


def follow_running_app(run_env: Path, environ=os.environ) -> dict[str, str]:
    """Set the unset FOLLOWED variables from `run_env`; what it set."""
    if environ.get("APP_ENV") == "production" or not run_env.is_file():
        return {}
    taken = {}
    for line in run_env.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if sep and name in FOLLOWED and value and not environ.get(name):
            environ[name] = taken[name] = value
    return taken
