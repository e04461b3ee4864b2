"""POST /api/v1/technician/bind: employee_no + WeChat phone code equal to the registered phone."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity import service
from app.identity.models import TechnicianBinding, WeChatIdentity
from tests import factories
from tests.wechat_fixtures import login, phone_code


def _bind(client, headers, employee_no, phone):
    return client.post("/api/v1/technician/bind", headers=headers,
                       json={"employee_no": employee_no, "phone_code": phone_code(phone)})


def _identities_of(technician_id: int) -> list[WeChatIdentity]:
    """Every WeChat identity bound to the technician, oldest first."""
    return list(db.session.scalars(select(WeChatIdentity).join(
        TechnicianBinding, TechnicianBinding.user_id == WeChatIdentity.user_id)
        .where(TechnicianBinding.technician_id == technician_id).order_by(WeChatIdentity.id)))


def test_binding_records_the_wechat_identity(client, wechat):
    tech = factories.technician(phone="13800001111", name="王师傅")
    _, headers = login(client, "wang")
    answer = _bind(client, headers, tech.employee_no, "13800001111")
    assert answer.status_code == 200
    assert answer.json["technician"]["employee_no"] == tech.employee_no
    openids = [i.openid for i in _identities_of(tech.id)]
    assert openids == ["omp_wang"]
    # A second phone/WeChat of the same technician is recorded too.
    _, other = login(client, "wang2")
    assert _bind(client, other, tech.employee_no, "13800001111").status_code == 200
    assert len(_identities_of(tech.id)) == 2


def test_wrong_phone_and_unknown_employee_give_the_same_403(client, wechat):
    tech = factories.technician(phone="13800002222")
    _, headers = login(client, "li")
    wrong = _bind(client, headers, tech.employee_no, "13800009999")
    unknown = _bind(client, headers, "NOPE001", "13800002222")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json == unknown.json
    assert wrong.json["error"]["code"] == "verification_failed"


def test_suspended_or_departed_technician_cannot_bind(client, wechat):
    for status in ("suspended", "left"):
        tech = factories.technician(phone="13800003333", status=status)
        _, headers = login(client, f"zhao{status}")
        answer = _bind(client, headers, tech.employee_no, "13800003333")
        assert answer.status_code == 403
        assert answer.json["error"]["code"] == "technician_inactive"
        assert _identities_of(tech.id) == []


def test_phone_with_country_code_matches():
    assert service.phones_match("+86 138-0000-1111", "13800001111")
    assert not service.phones_match("", "")
