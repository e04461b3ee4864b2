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
    with pytest.raises(Exception):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x"})
