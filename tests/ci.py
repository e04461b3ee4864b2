"""Whether the tests run in CI (CI=1): there a missing tool is a failure, not a skip."""
from __future__ import annotations

import os

IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
ALLOWED_CI_SKIP = "postgresql only"
