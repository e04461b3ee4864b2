"""Staff accounts and sign-in: hashing, session cookie, fixation, rate limits, role checks, CSRF."""
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.console import service as console
from app.console.cli import user_cli
from app.console.models import AuditEntry, StaffUser
from app.errors import Conflict, Unprocessable
from app.extensions import db

from conftest import PASSWORD, csrf_of


def post_login(client, username, password, **extra):
    return client.post("/console/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_of(client), **extra})


def test_passwords_are_salted_scrypt_hashes_and_rules_hold(staff):
    one, two = staff("auditor", "alice"), staff("manager", "bob")
    assert one.password_hash.startswith("scrypt:") and PASSWORD not in one.password_hash
    assert one.password_hash != two.password_hash          # salted
    with pytest.raises(Conflict):
        console.create_user(username="ALICE", role="auditor", password=PASSWORD)
    with pytest.raises(Unprocessable):
        console.create_user(username="carol", role="auditor", password="short")
    with pytest.raises(Unprocessable):
        console.create_user(username="carol", role="integration", password=PASSWORD)


def test_sign_in_sets_a_hardened_session_and_clears_what_was_there(app, staff):
    staff("auditor", "alice")
    client = app.test_client()
    with client.session_transaction() as session:
        session["wx_user"] = 42                 # an H5 sign-in in the same browser
        session["planted"] = "attacker"
    response = post_login(client, "Alice", PASSWORD, next="/console/samples")
    assert response.status_code == 302 and response.headers["Location"] == "/console/samples"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as session:
        assert "planted" not in session and "wx_user" not in session
        assert session["console"]["sid"]
    page = client.get("/console/cases")
    assert page.status_code == 200 and "测试auditor" in page.get_data(as_text=True)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "alice"))
    assert user.last_login_at is not None


def test_production_cookies_are_secure(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    from app.config import load_config
    from flask import Flask
    prod = Flask(__name__)
    import os
    env = {"APP_ENV": "production", "SECRET_KEY": "Zq8vN3xL0pW7rT2yB5mK9cH4jF6gD1sA-e_u",
           "DATABASE_URL": "postgresql://u@h/db", "PUBLIC_BASE_URL": "https://r.example.cn"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        load_config(prod)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert prod.config["SESSION_COOKIE_SECURE"] is True


def test_wrong_password_and_unknown_user_answer_alike_and_are_audited(app, staff):
    staff("auditor", "alice")
    client = app.test_client()
    wrong = post_login(client, "alice", "wrong-password-1")
    unknown = post_login(client, "nobody", "wrong-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("sign_in_failed") == 2
    assert client.get("/console/cases").status_code == 302


def test_login_is_rate_limited_per_username_from_one_address(app, staff):
    staff("auditor", "alice")
    client = app.test_client()
    for _ in range(console.LOGIN_PER_USER.limit):
        assert post_login(client, "alice", "wrong-password-1").status_code == 401
    blocked = post_login(client, "alice", PASSWORD)        # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "次数过多" in blocked.get_data(as_text=True)


def test_a_guesser_elsewhere_cannot_lock_the_user_out(app, staff):
    # Issue 17: 5 wrong passwords from anywhere locked the user for 15 minutes.
    staff("auditor", "alice")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(console.LOGIN_PER_USER.limit + 2):
        assert post_login(attacker, "alice", "wrong-password-1").status_code in (401, 429)
    assert post_login(attacker, "alice", PASSWORD).status_code == 429
    assert post_login(app.test_client(), "alice", PASSWORD).status_code == 302


def test_sign_out_ends_the_session_on_the_server(app, sign_in):
    # Issue 17: sign in, keep the cookie, POST /console/logout, replay the cookie → was 200.
    auditor = sign_in("auditor")
    kept = auditor.client.get_cookie("session").value
    assert auditor.post("/console/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/console/flags").status_code == 302


def test_a_password_change_ends_every_session_on_the_server(app, sign_in):
    auditor = sign_in("auditor")
    kept = auditor.client.get_cookie("session").value
    console.set_password(username=auditor.user.username, password="another-password-2")
    db.session.flush()
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/console/flags").status_code == 302


def test_login_is_rate_limited_per_address(app, staff, monkeypatch):
    from app.ratelimit import Limit
    monkeypatch.setattr(console, "LOGIN_PER_IP", Limit("console_login_ip", 3, 900))
    client = app.test_client()
    for n in range(3):
        assert post_login(client, f"user{n}", "wrong-password-1").status_code == 401
    assert post_login(client, "someone-else", "wrong-password-1").status_code == 429


def test_forms_without_the_csrf_token_are_refused(app, staff):
    staff("auditor", "alice")
    client = app.test_client()
    client.get("/console/login")
    response = client.post("/console/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 403 and "页面已过期" in response.get_data(as_text=True)


def test_sign_out_and_password_change_end_sessions(app, sign_in):
    auditor = sign_in("auditor")
    assert auditor.get("/console/cases").status_code == 200
    console.set_password(username=auditor.user.username, password="another-password-2")
    db.session.flush()
    assert auditor.get("/console/cases").status_code == 302       # stamp no longer matches

    other = sign_in("auditor")
    response = other.post("/console/logout")
    assert response.status_code == 302 and other.get("/console/cases").status_code == 302


def test_deactivated_users_are_signed_out_and_cannot_sign_in(app, sign_in):
    auditor = sign_in("auditor")
    console.deactivate_user(username=auditor.user.username)
    db.session.flush()
    assert auditor.get("/console/cases").status_code == 302
    assert post_login(app.test_client(), auditor.user.username, PASSWORD).status_code == 401


@pytest.mark.parametrize("role, path, allowed", [
    ("auditor", "/console/cases", True), ("manager", "/console/cases", True),
    ("auditor", "/console/reports/month?month=2026-10", True),
    ("auditor", "/console/imports", False), ("manager", "/console/imports", True),
    ("auditor", "/console/audit", False), ("manager", "/console/audit", True),
    ("admin", "/console/cases", True), ("admin", "/console/audit", True),
    ("manager", "/console/samples", False), ("manager", "/console/technicians", True),
])
def test_every_page_checks_the_role(sign_in, role, path, allowed):
    response = sign_in(role).get(path)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "无权" in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/console/reports/month?month=2026-10")
    assert response.status_code == 302
    assert "/console/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/",
                                    "/\t/evil.example", "/console/\r\nSet-Cookie:x=1",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_console(app, staff, target):
    staff("auditor", "alice")
    response = post_login(app.test_client(), "alice", PASSWORD, next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/cases"


@pytest.mark.parametrize("query", ["next=/%09/evil.example", "next=/console%0d%0aX:1"])
def test_the_sign_in_page_survives_header_breaking_targets(app, staff, query):
    # Issue 17: CRLF in `next` was a 500.
    response = app.test_client().get(f"/console/login?{query}")
    assert response.status_code == 200
    assert "evil.example" not in response.get_data(as_text=True)


def test_user_cli_create_passwd_deactivate(app):
    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(user_cli, ["create", "--role", "auditor", "--username",
                                          "demo-auditor", "--password", "demo-password-1"])
        assert result.exit_code == 0, result.output
        assert "demo-password-1" not in result.output
        result = runner.invoke(user_cli, ["create", "--role", "auditor", "--username",
                                          "demo-auditor", "--password", "demo-password-1"])
        assert result.exit_code != 0 and "已存在" in result.output
        assert runner.invoke(user_cli, ["passwd", "demo-auditor", "--password",
                                        "demo-password-2"]).exit_code == 0
        assert runner.invoke(user_cli, ["deactivate", "demo-auditor"]).exit_code == 0
        listing = runner.invoke(user_cli, ["list"])
        assert re.search(r"demo-auditor\tauditor\tinactive", listing.output)
