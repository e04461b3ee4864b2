import json

import pytest

TECH_HEADER = "employee_no,name,phone,team,area,vendor,status"
ACCOUNT_HEADER = "account_no,holder_name,phone,address,area"
ORDER_HEADER = "order_no,account_no,employee_no,order_type,product,area,created_at,completed_at,status"


@pytest.fixture
def post_import(client, admin_headers):
    """post_import(kind, body, content_type="text/csv", headers=None) → response."""
    def post(kind, body, content_type="text/csv", headers=None):
        if isinstance(body, (list, dict)):
            body, content_type = json.dumps(body, ensure_ascii=False).encode(), "application/json"
        if isinstance(body, str):
            body = body.encode()
        return client.post(f"/api/v1/admin/imports/{kind}", data=body,
                           headers={**admin_headers, "Content-Type": content_type,
                                    **(headers or {})})
    return post


def csv_body(header: str, *rows: str) -> str:
    return "\n".join((header, *rows)) + "\n"


@pytest.fixture
def seeded(post_import):
    """Two technicians and two accounts, imported through the API."""
    r1 = post_import("technicians", csv_body(
        TECH_HEADER, "T1,王伟,13800000001,城东装维班,城区营业部,自营,active",
        "T2,李娜,13800000002,城西装维班,城区营业部,华通代维,active"))
    r2 = post_import("accounts", csv_body(
        ACCOUNT_HEADER, "A1,张三,13900000001,迎宾街1号,城区营业部",
        "A2,李四,13900000002,魏都大道2号,城区营业部"))
    assert r1.json["created"] == 2 and r2.json["created"] == 2
