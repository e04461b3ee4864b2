"""Console pages (/console). Each module adds its routes to the one blueprint in `base`."""
from app.console.views import (  # noqa: F401  (routes)
    admin, auth, pay, people, reports, review, samples, search, tasks)
from app.console.views.base import bp

__all__ = ["bp"]
