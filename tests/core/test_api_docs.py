"""/api/docs is Swagger UI served from this server (no CDN) over an OpenAPI document in which every
operation lists its error codes with their messages and examples; the static scan that finds
them follows calls through modules; an error a view answers without documenting it is caught."""
import re
import textwrap

import pytest
from flask import Flask

from app.apidocs.errorscan import Scan
from app.apidocs.openapi import build_openapi, documented_codes
from app.apidocs.registry import api_doc
from app.errors import Conflict, register_error_handlers
from tests import apidoc_check


def test_docs_page_is_swagger_ui_served_locally(client):
    page = client.get("/api/docs").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert "/api/docs/assets/swagger-ui-bundle.js" in sources
    for source in sources:
        if source.startswith("/api/docs/"):
            response = client.get(source)
            assert response.status_code == 200 and len(response.data) > 100, source
    assert client.get("/api/docs/assets/index.html").status_code == 404
    assert "already_rated" in page               # the plain list, for readers without JS


def test_every_operation_lists_codes_with_messages_and_examples(client):
    document = client.get("/api/openapi.json").json
    rating = document["paths"]["/api/v1/ratings"]["post"]
    conflict = rating["responses"]["409"]
    assert {"already_rated", "rating_window_closed"} <= set(conflict["x-error-codes"])
    example = conflict["content"]["application/json"]["examples"]["already_rated"]["value"]
    assert example["error"]["code"] == "already_rated"
    assert re.search(r"[\u4e00-\u9fff].*\(.*[a-z]", example["error"]["message"])
    assert "`already_rated`" in conflict["description"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            errors = {s: r for s, r in operation["responses"].items()
                      if "#/components/schemas/Error" in str(r)}
            assert "422" in errors, (method, path)            # the guards: every call
            for status, response in errors.items():
                assert response["x-error-codes"], (method, path, status)
                assert set(response["content"]["application/json"]["examples"]) == \
                       set(response["x-error-codes"])
            if operation.get("security") == [{"api_key": []}]:
                assert "角色 (roles)" in operation["description"], (method, path)
                assert {"invalid_api_key"} <= set(errors["401"]["x-error-codes"])


def test_scan_follows_imports_reexports_and_helpers(tmp_path):
    root = tmp_path / "pkg"
    (root / "shop" / "service").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "errors.py": """
            class AppError(Exception):
                status, code, message = 400, "bad_request", "请求有误 (bad request)"
            class Conflict(AppError):
                status, code, message = 409, "conflict", "冲突 (conflict)"
            class SoldOut(Conflict):
                code = "sold_out"
                message = "已售罄 (sold out)"
        """,
        "shop/__init__.py": "",
        "shop/service/__init__.py": "from pkg.shop.service.orders import place\n",
        "shop/service/orders.py": """
            from pkg.errors import Conflict, SoldOut
            def _gone():
                return Conflict("已下架 (withdrawn)", code="withdrawn")
            def place(n):
                if n > 3:
                    raise SoldOut()
                raise _gone()
            def unused():
                raise Conflict("从不 (never)", code="never_reached")
        """,
        "shop/views.py": """
            from pkg.shop import service
            def create():
                return service.place(1)
        """,
    }
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    scan = Scan(root)
    codes = {(m.status, m.code, m.message) for m in scan.reachable("pkg.shop.views:create")}
    assert codes == {(409, "sold_out", "已售罄 (sold out)"), (409, "withdrawn", "已下架 (withdrawn)")}


def test_an_error_a_view_does_not_document_is_reported():
    app = Flask(__name__)
    register_error_handlers(app)

    @app.post("/surprise")
    @api_doc("a view the scan cannot read (it lives outside the app package)")
    def surprise():
        raise Conflict("意外 (surprise)", code="surprise")

    apidoc_check.install(app)
    document = build_openapi(app)
    app.extensions["openapi_document"] = document
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/surprise")
    assert "surprise" not in documented_codes(document, rule, "POST")
    apidoc_check.take()
    assert app.test_client().post("/surprise").status_code == 409
    expected = "POST /surprise answered 409 surprise, not in its documented codes"
    assert apidoc_check.take() == [expected]


@pytest.mark.parametrize("path", ["/api/v1/admin/imports/{kind}"])
def test_declared_codes_stay_documented(client, path):
    operation = client.get("/api/openapi.json").json["paths"][path]["post"]
    assert "unsupported_media_type" in operation["responses"]["415"]["x-error-codes"]
