"""Request values that calls of several domains take: a month `YYYY-MM`, a quarter `YYYYQn`, an
export format."""
from __future__ import annotations

from marshmallow import validate

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="month must look like YYYY-MM")
QUARTER = validate.Regexp(r"^\d{4}Q[1-4]$", error="quarter must look like YYYYQn")
FORMATS = validate.OneOf(["json", "csv", "xlsx"])
