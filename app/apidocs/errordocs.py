"""The error responses of one operation: every stable code it can answer, by status, each with
its Chinese/English message and an example body.

Codes come from three places: what every call can meet (the request guards, authentication,
validation), what the view declares (`@api_doc(errors=…, error_codes=…)`), and what the static
scan (`errorscan`) finds the view can make through the functions it calls.
"""
from __future__ import annotations

from app.apidocs.errorscan import Made, errors_of_view, scan
from app.errors import HTTP_CODES

STATUS_TEXT = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
               405: "Method not allowed", 409: "Conflict", 410: "Gone",
               413: "Payload too large", 415: "Unsupported media type", 422: "Validation error",
               429: "Too many requests", 502: "Bad gateway", 503: "Service unavailable"}
GUARDS = [
    Made(422, "invalid_characters", "请求含有不允许的控制字符 (control characters are not allowed)"),
    Made(422, "validation_error", "输入校验失败 (validation failed); details 列出每个字段的问题 "
                                  "(details name each field)"),
    # Any call can meet the database restarting or failing over (app/errors.py); Retry-After 5.
    Made(503, "database_unavailable", "数据库暂时不可用，请稍后重试 (database temporarily "
                                      "unavailable; retry after the Retry-After seconds)"),
]
JSON_GUARD = Made(422, "json_too_deep", "JSON 嵌套过深 (JSON nested too deeply)")
BODY_LIMIT = Made(413, "payload_too_large", "请求体过大 (the body is larger than this call takes)")
ID_TOO_LARGE = Made(404, "not_found", "资源不存在 (not found): 编号超出范围 (an id no column can hold)")
API_KEY = [Made(401, "invalid_api_key", "API 密钥无效或缺失 (missing or invalid API key)"),
           Made(403, "role_not_allowed", "该角色无权执行此操作 (this key's role may not call this)")]
PERIOD = Made(422, "period_out_of_range",
              "月份或季度超出可处理的年份范围 (the month or quarter is outside the years held)")
PERIOD_FIELDS = {"month", "quarter", "period", "from_month", "to_month"}
USER_TOKEN = [Made(401, "invalid_token", "登录凭证无效或已过期 (invalid or expired token)")]


def documented_errors(doc, view, *, has_body: bool, has_int_path: bool,
                      auth: str | None) -> dict[int, list[Made]]:
    """status → the errors the operation documents, each code once."""
    made = list(GUARDS)
    if has_body:
        made += [BODY_LIMIT, JSON_GUARD]
    if has_int_path:
        made.append(ID_TOO_LARGE)
    if _takes_a_period(doc.query) or _takes_a_period(doc.body):
        made.append(PERIOD)        # raised while parsing the period (app/timeutil.py)
    made += API_KEY if auth == "api_key" else USER_TOKEN if auth == "user_token" else []
    made += sorted(errors_of_view(view), key=lambda m: (m.status, m.code))
    catalogue = scan().catalogue()
    for status, codes in doc.error_codes.items():
        for code in codes:
            known = [m for m in catalogue.get(code, []) if m.status == status]
            made.append(known[0] if known else Made(status, code, ""))
    for status in doc.errors:
        if not any(m.status == status for m in made):
            made.append(Made(status, HTTP_CODES.get(status, "error"),
                             STATUS_TEXT.get(status, "error")))
    by_status: dict[int, list[Made]] = {}
    for error in made:
        listed = by_status.setdefault(error.status, [])
        if all(other.code != error.code for other in listed):
            listed.append(error)
    return dict(sorted(by_status.items()))


def _takes_a_period(schema) -> bool:
    fields = getattr(schema, "_declared_fields", None) or {}
    return bool(PERIOD_FIELDS & set(fields))


def error_responses(by_status: dict[int, list[Made]]) -> dict[str, dict]:
    """OpenAPI responses: a description listing the codes, one named example per code."""
    responses = {}
    for status, errors in by_status.items():
        lines = "\n".join(f"- `{e.code}`: {e.message}" for e in errors)
        responses[str(status)] = {
            "description": f"{STATUS_TEXT.get(status, 'error')}\n\n{lines}",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {e.code: {"summary": f"{e.code}: {e.message}"[:120],
                                      "value": {"error": {"code": e.code, "message": e.message,
                                                          "details": {}}}}
                             for e in errors}}},
            "x-error-codes": [e.code for e in errors],
        }
    return responses
