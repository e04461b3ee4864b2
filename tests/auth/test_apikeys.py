from sqlalchemy import select

from app.auth.models import ApiKey
from app.auth.service import authenticate_api_key, hash_key
from app.extensions import db


def test_create_prints_the_key_last_and_stores_only_its_hash(app):
    result = app.test_cli_runner().invoke(args=["apikey", "create", "--role", "manager",
                                                "--name", "运营部 张经理"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("rk_") and len(raw) > 40
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "运营部 张经理"))
    assert key.role == "manager"
    assert key.key_hash == hash_key(raw)
    assert raw not in (key.key_hash, key.prefix, key.name)
    assert authenticate_api_key(raw).id == key.id


def test_unknown_role_is_refused(app):
    result = app.test_cli_runner().invoke(args=["apikey", "create", "--role", "root",
                                                "--name", "x"])
    assert result.exit_code != 0


def test_revoke_by_prefix_and_by_id(app, api_key):
    runner = app.test_cli_runner()
    first, second = api_key("integration"), api_key("auditor")
    assert runner.invoke(args=["apikey", "revoke", first[:11]]).exit_code == 0
    key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(second)))
    assert runner.invoke(args=["apikey", "revoke", str(key_id)]).exit_code == 0
    assert authenticate_api_key(first) is None and authenticate_api_key(second) is None
    listing = runner.invoke(args=["apikey", "list"]).output
    assert listing.count("revoked") == 2 and first not in listing


def test_revoke_unknown_key_fails(app):
    result = app.test_cli_runner().invoke(args=["apikey", "revoke", "rk_nothere"])
    assert result.exit_code != 0 and "no such API key" in result.output
