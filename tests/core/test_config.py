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


def test_amounts_and_hours_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAUD_FINE_FIRST", "4000")
    monkeypatch.setenv("FRAUD_FINE_REPEAT", "800")
    monkeypatch.setenv("FRAUD_SUSPENSION_DAYS", "14")
    monkeypatch.setenv("RECOVERY_DUE_HOURS", "24")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x"})
    assert (app.config["FRAUD_FINE_FIRST"], app.config["FRAUD_FINE_REPEAT"],
            app.config["FRAUD_SUSPENSION_DAYS"], app.config["RECOVERY_DUE_HOURS"]) == (4000, 800, 14, 24)


def test_unset_amounts_and_hours_are_the_spec_defaults(monkeypatch, tmp_path):
    for name in ("FRAUD_FINE_FIRST", "FRAUD_FINE_REPEAT", "FRAUD_SUSPENSION_DAYS",
                 "RECOVERY_DUE_HOURS"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/a.db", "SECRET_KEY": "x"})
    # SPEC flow 5 (fines 5000 then 1000, 30 days of 待岗培训); 48 h to recover a 1–2★ visit.
    assert (app.config["FRAUD_FINE_FIRST"], app.config["FRAUD_FINE_REPEAT"],
            app.config["FRAUD_SUSPENSION_DAYS"], app.config["RECOVERY_DUE_HOURS"]) == (5000, 1000, 30, 48)


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
