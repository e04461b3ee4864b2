"""Console pages (/console). Each module adds its routes to the one blueprint in `base`."""
from app.console.views import admin, auth, people, reports, review, samples  # noqa: F401  (routes)
from app.console.views.base import bp

__all__ = ["bp"]
