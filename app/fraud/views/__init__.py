"""Fraud review API (SPEC flow 5). Each module adds its routes to the one blueprint in `base`."""
from app.fraud.views import cases, flags  # noqa: F401  (routes)
from app.fraud.views.base import bp

__all__ = ["bp"]
