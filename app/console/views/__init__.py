"""Console pages (/console). Each module adds its routes to the one blueprint in `base`."""
from app.console.views import admin, auth, pay, people, reports, review  # noqa: F401
from app.console.views.base import bp

__all__ = ["bp"]
