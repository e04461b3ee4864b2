"""A technician's own sign-ins leave the address the shared-device detector compares against."""
from sqlalchemy import select

from app.extensions import db
from app.fraud.models import TechnicianSighting
from tests import factories
from tests.wechat_fixtures import login, phone_code


def test_technician_login_records_the_address(client, wechat):
    tech = factories.technician(phone="13800004444")
    _, headers = login(client, "zhao")
    client.post("/api/v1/technician/bind", headers=headers,
                json={"employee_no": tech.employee_no, "phone_code": phone_code("13800004444")})
    assert db.session.scalars(select(TechnicianSighting)).all() == []   # not yet a technician
    for _ in range(2):
        login(client, "zhao")
    sightings = db.session.scalars(select(TechnicianSighting)).all()
    assert [(s.technician_id, s.client_ip) for s in sightings] == [(tech.id, "127.0.0.1")]


def test_customer_login_records_nothing(client, wechat):
    login(client, "customer-only")
    assert db.session.scalars(select(TechnicianSighting)).all() == []
