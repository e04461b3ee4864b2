"""Customer pages run only their own scripts: a Content-Security-Policy with a per-request nonce
that the page's own inline script carries, and nothing else may execute."""
import re
from datetime import datetime, timedelta, timezone

from app.badge import service as badges
from app.identity.decorators import H5_SESSION_USER
from tests import factories
from tests.factories import bind, user


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_the_rating_form_script_carries_this_requests_nonce(app, client):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=3))
    person = user()
    bind(person, order.account)
    with client.session_transaction() as session:
        session[H5_SESSION_USER] = [person.id, person.token_version]

    nonces = []
    for _ in range(2):
        response = client.get(f"/h5/orders/{order.order_no}/rate")
        assert response.status_code == 200
        script_src = _policy(response)["script-src"]
        assert "'unsafe-inline'" not in script_src
        allowed = re.findall(r"'nonce-([^']+)'", script_src)
        tags = re.findall(r'<script nonce="([^"]+)"', response.get_data(as_text=True))
        assert len(allowed) == 1 and tags and set(tags) == set(allowed)
        nonces.append(allowed[0])
    assert nonces[0] != nonces[1]                 # a nonce is good for one page only


def test_a_page_without_scripts_allows_none_inline(client):
    response = client.get("/", headers={"Accept": "text/html"})
    policy = _policy(response)
    assert response.mimetype == "text/html"
    assert policy["script-src"] == "script-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_badge_landing_and_error_pages_have_the_policy(client):
    technician = factories.technician()
    token = badges.badge_token(badges.get_or_create_badge(technician))
    landing = client.get(f"/b/{token}")
    missing = client.get("/b/not-a-badge", headers={"Accept": "text/html"})
    for response in (landing, missing):
        assert response.mimetype == "text/html"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_json_answers_carry_no_page_policy(client):
    response = client.get("/api/v1/no-such-call")
    assert response.mimetype == "application/json"
    assert "Content-Security-Policy" not in response.headers
