"""GET /metrics: protected, Prometheus text, request and domain counters."""
from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY

from app.extensions import db
from app.identity.models import AccountBinding, WeChatUser
from app.identity.tokens import issue_token
from tests import factories
from tests.conftest import TEST_SECRET


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_need_a_token_or_an_api_key(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_api_key"
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_metrics_accept_an_api_key_of_any_role(client, api_key):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {api_key('auditor')}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "rating_http_requests_total" in response.get_data(as_text=True)


def test_metrics_accept_the_metrics_token(app, client):
    app.config["METRICS_TOKEN"] = "scraper-token-0123456789abcdef"
    try:
        ok = client.get("/metrics", headers={"Authorization": "Bearer scraper-token-0123456789abcdef"})
        wrong = client.get("/metrics", headers={"Authorization": "Bearer scraper-token-0123456789abcdeX"})
    finally:
        app.config["METRICS_TOKEN"] = None
    assert ok.status_code == 200 and wrong.status_code == 401


def test_requests_are_counted_by_endpoint_method_and_status(client):
    before = _value("rating_http_requests_total", endpoint="health.healthz", method="GET",
                    status="200")
    unmatched = _value("rating_http_requests_total", endpoint="unmatched", method="GET",
                       status="404")
    client.get("/healthz")
    client.get("/no/such/page/123")
    assert _value("rating_http_requests_total", endpoint="health.healthz", method="GET",
                  status="200") == before + 1
    # Unknown paths share one label value: a scanner cannot blow up the series count.
    assert _value("rating_http_requests_total", endpoint="unmatched", method="GET",
                  status="404") == unmatched + 1
    assert _value("rating_http_request_duration_seconds_count", endpoint="health.healthz",
                  method="GET", status="200") >= 1


def test_a_committed_rating_is_counted_by_channel(client):
    order = factories.order(completed_at=datetime.now(timezone.utc) - timedelta(hours=1))
    customer = WeChatUser(token_version=0)
    db.session.add(customer)
    db.session.flush()
    db.session.add(AccountBinding(user_id=customer.id, account_id=order.account.id,
                                  method="phone_code"))
    db.session.flush()
    headers = {"Authorization": f"Bearer {issue_token(TEST_SECRET, customer.id, 0)}"}
    before = _value("rating_ratings_submitted_total", channel="miniprogram")
    response = client.post("/api/v1/ratings", headers=headers,
                           json={"order_no": order.order_no, "stars": 5, "tags": [], "comment": ""})
    assert response.status_code == 201, response.json
    assert _value("rating_ratings_submitted_total", channel="miniprogram") == before + 1
    again = client.post("/api/v1/ratings", headers=headers,
                        json={"order_no": order.order_no, "stars": 4, "tags": [], "comment": ""})
    assert again.status_code == 409
    assert _value("rating_ratings_submitted_total", channel="miniprogram") == before + 1
