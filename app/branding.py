"""The operator's branding on every customer page and on the badge card: neutral defaults,
configurable per deployment (BADGE_BRAND_TITLE, BADGE_BRAND_SUBTITLE, BADGE_BRAND_COLOR)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Branding:
    """Operator branding; neutral defaults, configurable per deployment."""

    title: str = "智慧装维"
    subtitle: str = "电子工牌 · 扫码评价服务"
    color: str = "#0B5CAD"


def branding() -> Branding:
    config, default = current_app.config, Branding()
    return Branding(title=config.get("BADGE_BRAND_TITLE") or default.title,
                    subtitle=config.get("BADGE_BRAND_SUBTITLE") or default.subtitle,
                    color=config.get("BADGE_BRAND_COLOR") or default.color)
