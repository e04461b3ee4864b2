from zoneinfo import ZoneInfoNotFoundError

import pytest

from app import create_app
from app.config import ConfigError, normalize_database_url


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_production_refuses_missing_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "DATABASE_URL": "postgresql://u@h/db"})


def test_production_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        create_app({"APP_ENV": "production", "DATABASE_URL": "sqlite:///x.db"})


def test_environment_is_read(monkeypatch, tmp_path):
    monkeypatch.setenv("RATING_WINDOW_DAYS", "10")
    monkeypatch.setenv("TRUSTED_PROXY_COUNT", "2")
    monkeypatch.setenv("TIMEZONE", "Asia/Urumqi")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x"})
    assert (app.config["RATING_WINDOW_DAYS"], app.config["TRUSTED_PROXY_COUNT"],
            app.config["TIMEZONE"]) == (10, 2, "Asia/Urumqi")


def test_bad_timezone_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    with pytest.raises(ZoneInfoNotFoundError):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x"})


PROD = {"APP_ENV": "production", "DATABASE_URL": "postgresql://u@h/db",
        "PUBLIC_BASE_URL": "https://rating.example.cn"}
GOOD_SECRET = "q8Zr2mT5vXw1yB4nK7pL0sD3fG6hJ9aC"


@pytest.mark.parametrize("secret, reason", [
    ("short-but-random-Zx81", "at least 32"),
    ("changeme-changeme-changeme-changeme", "placeholder"),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "distinct"),
])
def test_production_refuses_a_weak_secret(monkeypatch, secret, reason):
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=reason):
        create_app(PROD)


def test_production_refuses_plain_http_public_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    with pytest.raises(ConfigError, match="https"):
        create_app({**PROD, "PUBLIC_BASE_URL": "http://rating.example.cn"})


def test_production_refuses_a_short_metrics_token(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("METRICS_TOKEN", "short")
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        create_app(PROD)


def test_production_starts_with_sound_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    app = create_app(PROD)      # no connection is made at start-up
    assert app.config["SESSION_COOKIE_SECURE"] is True
