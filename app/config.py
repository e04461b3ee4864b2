"""Configuration from the environment (names fixed by SPEC "Interfaces"), with development defaults.

Secrets come only from the environment. In development a missing SECRET_KEY is replaced by a random
key kept in `instance/` so sessions survive restarts; production refuses to start without one.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from app.fraud import rules as fraud_rules
from app.fraud.detectors import combine as fraud_combine
from app.rating import rules as rating_rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# Outside production, unset WeChat secrets fall back to these; the loopback simulator knows them
# too, so a fresh checkout logs in with no setup (docs/wechat.md). Never valid on the real platform.
WECHAT_DEMO_SECRETS = {
    "WECHAT_MP_SECRET": "demo-mp-secret",
    "WECHAT_OA_SECRET": "demo-oa-secret",
    "WECHAT_OA_TOKEN": "demo-oa-token",
    "WECHAT_OA_AES_KEY": "ZGVtby1hZXMta2V5LWZvci13ZWNoYXQtc2ltdWxhdHI",  # 43 chars, base64 w/o '='
}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _json_object(name: str) -> dict:
    raw = _env(name)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object, got {type(value).__name__}")
    return value


def normalize_database_url(url: str) -> str:
    """Accept the `postgres://` spelling many platforms hand out and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _dev_secret_key(instance: Path) -> str:
    path = instance / "dev_secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


MIN_SECRET_LENGTH = 32
# Placeholders seen in example files and tutorials: a key containing one of these was not generated.
_PLACEHOLDER_WORDS = ("changeme", "change-me", "change_me", "secret", "password", "example",
                      "dev-key", "not-for-production", "xxxx", "1234")


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign production tokens, or None. Generate one with
    `python -c "import secrets; print(secrets.token_urlsafe(48))"`."""
    if len(key) < MIN_SECRET_LENGTH:
        return f"is {len(key)} characters; at least {MIN_SECRET_LENGTH} are needed"
    lowered = key.lower()
    if any(word in lowered for word in _PLACEHOLDER_WORDS):
        return "looks like a placeholder, not a generated secret"
    if len(set(key)) < 12:
        return "uses too few distinct characters to be random"
    return None


def check_production(config: dict) -> None:
    """Refuse settings that only make sense on a developer's machine (SPEC "Interfaces")."""
    problem = secret_key_problem(config["SECRET_KEY"])
    if problem:
        raise ConfigError(f"SECRET_KEY {problem}")
    if not config["PUBLIC_BASE_URL"].startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be an https:// URL in production "
                          f"(customers' QR codes and WeChat links point there), got "
                          f"{config['PUBLIC_BASE_URL']!r}")
    live_secret = config.get("LIVE_BADGE_SECRET")
    if live_secret and (problem := secret_key_problem(live_secret)):
        raise ConfigError(f"LIVE_BADGE_SECRET {problem}")
    token = config.get("METRICS_TOKEN")
    if token and len(token) < 24:
        raise ConfigError("METRICS_TOKEN must be at least 24 characters")


def load_config(app: Flask, overrides: dict | None = None) -> None:
    overrides = dict(overrides or {})
    instance = Path(app.instance_path)
    env = overrides.get("APP_ENV") or _env("APP_ENV", "development")
    database_url = overrides.get("DATABASE_URL") or _env(
        "DATABASE_URL", f"sqlite:///{instance / 'app.db'}")

    config = {
        "APP_ENV": env,
        "SECRET_KEY": _env("SECRET_KEY"),
        "PUBLIC_BASE_URL": (_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")).rstrip("/"),
        "REDIS_URL": _env("REDIS_URL"),
        "TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "TRUSTED_PROXY_COUNT": _int("TRUSTED_PROXY_COUNT", 0),
        "RATING_WINDOW_DAYS": _int("RATING_WINDOW_DAYS", 7),
        "RATING_TAGS_FILE": _env("RATING_TAGS_FILE"),           # JSON tag catalogue; see rating/tags.py
        "RECOVERY_DUE_HOURS": _int("RECOVERY_DUE_HOURS", rating_rules.RECOVERY_DUE_HOURS),
        # JSON overriding SPEC's unit prices, area coefficients, grade cut-offs and bonuses;
        # see reports/tariff.py. Unset: SPEC's defaults.
        "TARIFF_FILE": _env("TARIFF_FILE"),
        # Fraud review: per-detector weights as a JSON object overriding the defaults in
        # app/fraud/detectors/combine.py, the score from which a rating is flagged, the fines and
        # the days of 待岗培训 a repeat offence brings (SPEC flow 5).
        "FRAUD_WEIGHTS": _json_object("FRAUD_WEIGHTS"),
        # Defaults live with the rules they parameterize (one home each).
        "FRAUD_FLAG_THRESHOLD": _float("FRAUD_FLAG_THRESHOLD", fraud_combine.DEFAULT_THRESHOLD),
        "FRAUD_FINE_FIRST": _int("FRAUD_FINE_FIRST", fraud_rules.FIRST_FINE),
        "FRAUD_FINE_REPEAT": _int("FRAUD_FINE_REPEAT", fraud_rules.REPEAT_FINE),
        "FRAUD_SUSPENSION_DAYS": _int("FRAUD_SUSPENSION_DAYS", fraud_rules.SUSPENSION_DAYS),
        # Subscribe-message template and mini-program page of the rating invitation.
        "WECHAT_RATING_TEMPLATE_ID": _env("WECHAT_RATING_TEMPLATE_ID", "demo_rating_invitation"),
        "MINIPROGRAM_RATE_PAGE": _env("MINIPROGRAM_RATE_PAGE", "pages/rate/index"),
        # The monthly bulletin after a month close (flask reports send-bulletins): its template,
        # the mini-program page it opens, and how often a send that surely failed is retried.
        "WECHAT_BULLETIN_TEMPLATE_ID": _env("WECHAT_BULLETIN_TEMPLATE_ID", "demo_monthly_bulletin"),
        "MINIPROGRAM_MONTH_PAGE": _env("MINIPROGRAM_MONTH_PAGE", "pages/month/index"),
        "BULLETIN_MAX_ATTEMPTS": _int("BULLETIN_MAX_ATTEMPTS", 5),
        "WECHAT_MP_APPID": _env("WECHAT_MP_APPID", "wx_demo_miniprogram"),
        "WECHAT_MP_SECRET": _env("WECHAT_MP_SECRET"),
        "WECHAT_OA_APPID": _env("WECHAT_OA_APPID", "wx_demo_official"),
        "WECHAT_OA_SECRET": _env("WECHAT_OA_SECRET"),
        "WECHAT_OA_TOKEN": _env("WECHAT_OA_TOKEN"),
        "WECHAT_OA_AES_KEY": _env("WECHAT_OA_AES_KEY"),
        "WECHAT_API_BASE_URL": _env("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/"),
        "WECHAT_OPEN_BASE_URL": _env("WECHAT_OPEN_BASE_URL", "https://open.weixin.qq.com/"),
        "WECHAT_TOKEN_STORE": _env("WECHAT_TOKEN_STORE", "auto"),  # auto|redis|database|memory
        "WECHAT_CONNECT_TIMEOUT": float(_env("WECHAT_CONNECT_TIMEOUT", "3.05")),
        "WECHAT_READ_TIMEOUT": float(_env("WECHAT_READ_TIMEOUT", "4")),
        "WECHAT_TOKEN_RETRIES": _int("WECHAT_TOKEN_RETRIES", 1),
        # Mini-program user tokens (POST /api/v1/auth/login).
        "USER_TOKEN_TTL": _int("USER_TOKEN_TTL", 7 * 24 * 3600),
        # Account binding: failed proofs allowed per openid and per account within the window.
        "BIND_MAX_FAILURES_PER_USER": _int("BIND_MAX_FAILURES_PER_USER", 5),
        "BIND_MAX_FAILURES_PER_ACCOUNT": _int("BIND_MAX_FAILURES_PER_ACCOUNT", 10),
        "BIND_FAILURE_WINDOW": _int("BIND_FAILURE_WINDOW", 3600),
        # SMS codes for account binding: backend `log` (development) or `http` (a provider).
        "SMS_BACKEND": _env("SMS_BACKEND", "http" if env == "production" else "log"),
        "SMS_HTTP_URL": _env("SMS_HTTP_URL"),
        "SMS_HTTP_TOKEN": _env("SMS_HTTP_TOKEN"),
        "SMS_SIGN_NAME": _env("SMS_SIGN_NAME", "中国电信"),
        "SMS_CODE_TTL": _int("SMS_CODE_TTL", 300),
        "SMS_SENDS_PER_ACCOUNT_PER_HOUR": _int("SMS_SENDS_PER_ACCOUNT_PER_HOUR", 5),
        "SMS_SENDS_PER_USER_PER_HOUR": _int("SMS_SENDS_PER_USER_PER_HOUR", 10),
        # A new code for the same account no sooner than this (the page counts it down).
        "SMS_RESEND_SECONDS": _int("SMS_RESEND_SECONDS", 60),
        # H5 login keeps the WeChat user in Flask's signed session cookie.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": env == "production",
        # Badge cards and pages: operator branding, the CJK font, the mini-program page a code opens.
        "BADGE_BRAND_TITLE": _env("BADGE_BRAND_TITLE"),
        "BADGE_BRAND_SUBTITLE": _env("BADGE_BRAND_SUBTITLE"),
        "BADGE_BRAND_COLOR": _env("BADGE_BRAND_COLOR"),
        "BADGE_FONT_PATH": _env("BADGE_FONT_PATH"),
        "BADGE_QR_MEMO_SECONDS": float(_env("BADGE_QR_MEMO_SECONDS", "10")),
        "BADGE_WXACODE_PAGE": _env("BADGE_WXACODE_PAGE"),
        # Customer pages: the operator's hotline (every page offers it as a next step) and the
        # official account's name (said on pages when set).
        "CUSTOMER_HOTLINE": _env("CUSTOMER_HOTLINE", "10000"),
        "OFFICIAL_ACCOUNT_NAME": _env("OFFICIAL_ACCOUNT_NAME"),
        # Technician photos (admin upload): larger files are refused before they are decoded.
        "TECHNICIAN_PHOTO_MAX_BYTES": _int("TECHNICIAN_PHOTO_MAX_BYTES", 8 * 1024 * 1024),
        # Live badge (在场扫码): the token's step, the clock error allowed to each app server, an
        # optional key of its own (else derived from SECRET_KEY), how long a scan counts as
        # presence, and how long a browser that scanned before signing in may still record it.
        "LIVE_BADGE_STEP_SECONDS": _int("LIVE_BADGE_STEP_SECONDS", 30),
        "LIVE_BADGE_SKEW_SECONDS": _int("LIVE_BADGE_SKEW_SECONDS", 10),
        "LIVE_BADGE_SECRET": _env("LIVE_BADGE_SECRET"),
        "PRESENCE_HOURS": _int("PRESENCE_HOURS", 24),
        "PRESENCE_SIGNIN_SECONDS": _int("PRESENCE_SIGNIN_SECONDS", 120),
        # How long an app (each worker has its own) reuses the last quarter's ranking for badge grades.
        "GRADE_MEMO_SECONDS": float(_env("GRADE_MEMO_SECONDS", "600")),
        # Uploads larger than this are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024),
        # Every other route takes far less (app/guards.py): a call with credentials up to
        # BODY_LIMIT, an anonymous one (login, WeChat push) up to ANONYMOUS_BODY_LIMIT.
        "BODY_LIMIT": _int("BODY_LIMIT", 256 * 1024),
        "ANONYMOUS_BODY_LIMIT": _int("ANONYMOUS_BODY_LIMIT", 16 * 1024),
        "IMPORT_BATCH_SIZE": _int("IMPORT_BATCH_SIZE", 2000),
        # Tasks (app/tasks): `auto` = RQ on REDIS_URL when set, else in process after the
        # response; `inline` keeps them in process even with Redis. TASKS_EAGER (tests) runs
        # them before the response instead of after it.
        "TASKS_BACKEND": _env("TASKS_BACKEND", "auto"),
        "TASKS_QUEUE": _env("TASKS_QUEUE", "rating-tasks"),
        "TASKS_EAGER": False,
        # GET /metrics: a static bearer for the Prometheus scraper (works while the database is
        # down); without it, an API key of any role. See app/health/metrics_views.py.
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        "LOG_FORMAT": _env("LOG_FORMAT", "json"),
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        # JSON access lines are written in batches at most this late (0: each at once).
        "ACCESS_LOG_FLUSH_MS": _int("ACCESS_LOG_FLUSH_MS", 250),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MIGRATIONS_DIR": str(PROJECT_ROOT / "migrations"),
        "JSON_AS_ASCII": False,
    }
    config.update(overrides)
    if "DATABASE_URL" in overrides:
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(overrides["DATABASE_URL"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "pool_size": _int("DB_POOL_SIZE", 5),
            "max_overflow": _int("DB_MAX_OVERFLOW", 5),
            "pool_recycle": 1800,
        }

    if env != "production":
        for key, demo_value in WECHAT_DEMO_SECRETS.items():
            config[key] = config[key] or demo_value
    ZoneInfo(config["TIMEZONE"])  # fails loudly on a misspelt zone
    if not config["SECRET_KEY"]:
        if env == "production":
            raise ConfigError("SECRET_KEY must be set in production")
        config["SECRET_KEY"] = _dev_secret_key(instance)
    if env == "production" and config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigError("production needs a server database: set DATABASE_URL to PostgreSQL")
    if config["LIVE_BADGE_STEP_SECONDS"] < 1 or config["LIVE_BADGE_SKEW_SECONDS"] < 0:
        raise ConfigError("LIVE_BADGE_STEP_SECONDS must be at least 1 and LIVE_BADGE_SKEW_SECONDS "
                          "not negative")
    if env == "production":
        check_production(config)
    app.config.from_mapping(config)
    app.json.ensure_ascii = False
