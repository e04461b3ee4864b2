"""Build the OpenAPI 3 document from the URL map and the `@api_doc` declarations."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import IntegerConverter

from app.apidocs.errordocs import documented_errors, error_responses

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "message": {"type": "string"},
            "details": {"type": "object"},
        },
    }},
}
_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 302: "Redirect",
                400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                405: "Method not allowed", 409: "Conflict", 410: "Gone", 413: "Payload too large",
                415: "Unsupported media type", 422: "Validation error", 429: "Too many requests",
                503: "Service unavailable"}
_PATH_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule) -> str:
    return _PATH_PARAM.sub(r"{\1}", rule.rule)


def documented_codes(document: dict, rule, method: str) -> set[str]:
    """The error codes `document` lists for `method` on `rule`."""
    operation = document["paths"].get(openapi_path(rule), {}).get(method.lower(), {})
    return {code for response in operation.get("responses", {}).values()
            for code in response.get("x-error-codes", ())}


def build_openapi(app: Flask) -> dict:
    spec = APISpec(
        title="装维服务评价 API (technician rating service)",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "All errors: {\"error\": {\"code\", \"message\", \"details\"}}. "
                             "Admin calls: `Authorization: Bearer <API key>`; mini-program calls: "
                             "`Authorization: Bearer <token from /api/v1/auth/login>`. "
                             "Every call: a control character in the path, query, headers or "
                             "body is 422 `invalid_characters`; JSON nested deeper than 32 "
                             "levels is 422 `json_too_deep`; bodies over 16 KiB without "
                             "credentials, 256 KiB with them (imports: 64 MiB) are 413 "
                             "`payload_too_large`."},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("api_key", {"type": "http", "scheme": "bearer",
                                                "description": "API key (flask apikey create)"})
    spec.components.security_scheme("user_token", {"type": "http", "scheme": "bearer",
                                                   "description": "token from POST /api/v1/auth/login"})
    spec.components.response("Error", {"description": "error",
                                       "content": {"application/json": {"schema": "Error"}}})

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        doc = getattr(view, "api_doc", None)
        if doc is None:
            continue
        path = openapi_path(rule)
        operations = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(doc, view, rule, method)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


ROLE_NAMES = {"admin": "管理员", "manager": "运营经理", "auditor": "稽核员",
              "integration": "系统对接", "technician": "装维人员"}


def _who_may_call(auth: str | None, roles) -> str:
    if auth == "api_key":
        listed = ", ".join(f"{r} ({ROLE_NAMES.get(r, r)})" for r in roles or ())
        return (f"认证 (auth): `Authorization: Bearer <API key>`. 角色 (roles): {listed}; "
                "admin 可调用一切 (admin may call everything).")
    if auth == "user_token":
        return "认证 (auth): `Authorization: Bearer <token from POST /api/v1/auth/login>`."
    return "无需认证 (no authentication)."


def _operation(doc, view, rule, method: str) -> dict:
    operation: dict = {"summary": doc.summary, "tags": list(doc.tags) or ["misc"],
                       "operationId": f"{rule.endpoint}.{method.lower()}", "responses": {}}
    parameters = []
    for name in rule.arguments:
        parameters.append({"name": name, "in": "path", "required": True,
                           "schema": doc.path_params.get(name, {"type": "string"})})
    if doc.query is not None:
        parameters.append({"in": "query", "schema": doc.query})
    for header, description in doc.headers.items():
        parameters.append({"name": header, "in": "header", "required": False,
                           "description": description, "schema": {"type": "string"}})
    if parameters:
        operation["parameters"] = parameters

    content = {}
    if doc.body is not None:
        content["application/json"] = {"schema": doc.body}
    for media_type, schema in doc.request_bodies.items():
        content[media_type] = {"schema": schema}
    if content:
        operation["requestBody"] = {"required": True, "content": content}

    auth = doc.auth or ("api_key" if getattr(view, "required_roles", None) else None)
    if auth:
        operation["security"] = [{auth: []}]
    operation["description"] = _who_may_call(auth, getattr(view, "required_roles", None))

    for status, schema in doc.responses.items():
        response = {"description": _STATUS_TEXT.get(status, "OK")}
        if schema is not None:
            if isinstance(schema, dict) and "content" in schema:
                response.update(schema)
            else:
                response["content"] = {"application/json": {"schema": schema}}
        operation["responses"][str(status)] = response
    # Every call passes the request guards (app/guards.py): a control character anywhere is a
    # 422 `invalid_characters`, a body over the route's limit a 413, an id no column can hold 404.
    has_int_path = any(isinstance(converter, IntegerConverter)
                       for converter in rule._converters.values())
    by_status = documented_errors(doc, view, has_body=bool(content), has_int_path=has_int_path,
                                  auth=auth)
    for status, response in error_responses(by_status).items():
        declared = operation["responses"].get(status)
        if declared is None:
            operation["responses"][status] = response
        else:       # the view answers this status its own way (an HTML page): keep it, name codes
            declared["x-error-codes"] = response["x-error-codes"]
            declared["description"] = response["description"]
    return operation
