import pytest
from openapi_spec_validator import validate


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == "ok"


@pytest.mark.real_commits   # uses its own app and engine, not the per-test transaction
def test_readyz_says_unavailable_when_the_database_is_down(tmp_path):
    from app import create_app
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": "x",
                      "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable"


def test_openapi_document_is_valid_and_complete(app, client):
    document = client.get("/api/openapi.json").json
    validate(document)
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        is_json_api = rule.rule.startswith("/api/v1/") or rule.rule in ("/healthz", "/readyz")
        if not is_json_api:
            continue
        assert getattr(view, "api_doc", None), f"{rule.rule} has no @api_doc"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert any(p == _openapi_path(rule.rule) and m == method.lower()
                       for p, m in documented), (rule.rule, method)


def _openapi_path(rule: str) -> str:
    import re
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_import_call_is_documented_with_its_answer(client):
    document = client.get("/api/openapi.json").json
    operation = document["paths"]["/api/v1/admin/imports/{kind}"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "text/csv", "application/json",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert operation["security"] == [{"api_key": []}]
    assert "ImportResultOut" in str(operation["responses"]["200"])
    assert {"400", "401", "403", "413", "415"} <= set(operation["responses"])


def test_docs_page_is_human_readable(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/admin/imports/{kind}" in page.get_data(as_text=True)
