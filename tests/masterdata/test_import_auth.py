"""Every admin call checks the caller's API key and role."""
import pytest

from app.auth.service import revoke_api_key
from app.extensions import db

URL = "/api/v1/admin/imports/technicians"
BODY = b"employee_no,name,phone,team,area,vendor,status\n"


def post(client, key=None, scheme="Bearer"):
    headers = {"Content-Type": "text/csv"}
    if key:
        headers["Authorization"] = f"{scheme} {key}"
    return client.post(URL, data=BODY, headers=headers)


def test_no_key_is_401(client):
    response = post(client)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_api_key"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("key", ["rk_forged", "nonsense", "rk_" + "A" * 43])
def test_unknown_key_is_401(client, key):
    assert post(client, key).status_code == 401


def test_wrong_scheme_is_401(client, api_key):
    assert post(client, api_key("admin"), scheme="Basic").status_code == 401


@pytest.mark.parametrize("role", ["admin", "manager", "integration"])
def test_allowed_roles(client, api_key, role):
    assert post(client, api_key(role)).status_code == 200


def test_auditor_may_not_import(client, api_key):
    response = post(client, api_key("auditor"))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "role_not_allowed"


def test_revoked_key_is_401_at_once(client, api_key):
    raw = api_key("manager")
    assert post(client, raw).status_code == 200
    revoke_api_key(prefix=raw[:11])
    db.session.flush()
    assert post(client, raw).status_code == 401
