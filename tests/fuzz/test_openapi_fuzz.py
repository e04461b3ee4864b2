"""Property-based API fuzzing with schemathesis against /api/openapi.json, in process (WSGI).

Every documented JSON call gets a few generated requests, authenticated as its `security` says
(an admin API key, a customer's token, or for /api/v1/technician/* a technician's token). Checks:
no 5xx, the status is one the document lists, and the body and content type match the documented
response. A failure here means either a bug or a view whose `@api_doc` does not say what it answers.
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from app.extensions import db
from app.identity.models import WeChatUser
from app.identity.tokens import issue_token
from tests import factories
from tests.conftest import TEST_SECRET

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", 5))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def credentials(api_key):
    """An admin key, a customer bound to an account, and a technician bound to a technician."""
    customer, technician = WeChatUser(token_version=0), WeChatUser(token_version=0)
    db.session.add_all([customer, technician])
    db.session.flush()
    factories.bind(customer, factories.account())
    factories.bind_technician(technician, factories.technician())
    return {"api_key": f"Bearer {api_key('admin')}",
            "user_token": f"Bearer {issue_token(TEST_SECRET, customer.id, 0)}",
            "technician_token": f"Bearer {issue_token(TEST_SECRET, technician.id, 0)}"}


def _document() -> dict:
    """The OpenAPI document, built at collection time from an app that touches no database
    (schemathesis' lazy fixture loader does not work with this pytest; requests go to the session
    app with its migrated database, passed to each call)."""
    from app import create_app
    from app.apidocs.openapi import build_openapi

    throwaway = create_app({"APP_ENV": "testing", "DATABASE_URL": "sqlite://",
                            "SECRET_KEY": TEST_SECRET, "LOG_LEVEL": "WARNING"})
    return build_openapi(throwaway)


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_openapi_fuzz(case, app, wechat, credentials):
    security = case.operation.definition.raw.get("security") or []
    headers = {}
    for requirement in security:
        for name in requirement:
            headers["Authorization"] = credentials[name]
    if case.operation.path.startswith("/api/v1/technician") and security:
        headers["Authorization"] = credentials["technician_token"]
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
