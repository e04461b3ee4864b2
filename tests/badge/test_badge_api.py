"""Admin badge calls, the H5 landing and the printable sheet."""
import re

import pytest

from app.badge import service
from app.extensions import db
from tests import factories


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_rotate_needs_an_api_key(client):
    technician = factories.technician()
    response = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/badge/rotate")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize("role", ["auditor", "integration"])
def test_rotate_is_refused_to_other_roles(client, api_key, role):
    technician = factories.technician()
    response = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/badge/rotate",
                           headers=_auth(api_key(role)))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "role_not_allowed"


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_rotate_answers_the_new_badge_and_the_old_token_is_gone_at_once(client, api_key, role):
    technician = factories.technician()
    old = service.badge_token(service.get_or_create_badge(technician))
    assert client.get(f"/b/{old}").status_code == 200
    response = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/badge/rotate",
                           headers=_auth(api_key(role)))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["version"] == 2 and body["status"] == "active"
    new = body["badge_token"]
    assert new != old
    assert body["url"] == f"http://rating.test/b/{new}"
    assert body["qr_png_url"] == body["url"] + ".png"
    assert body["qr_svg_url"] == body["url"] + ".svg"
    assert body["card_png_url"] == body["url"] + "/card.png"
    assert client.get(f"/b/{old}").status_code == 410
    assert client.get(f"/b/{old}.png").status_code == 410
    assert client.get(f"/b/{new}").status_code == 200
    assert client.get(f"/b/{new}.png").status_code == 200


def test_rotate_unknown_technician_is_404(client, api_key):
    response = client.post("/api/v1/admin/technicians/NOPE/badge/rotate",
                           headers=_auth(api_key("manager")))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "technician_not_found"


def test_get_and_revoke_badge(client, api_key):
    technician = factories.technician()
    headers = _auth(api_key("manager"))
    got = client.get(f"/api/v1/admin/technicians/{technician.employee_no}/badge", headers=headers)
    assert got.status_code == 200 and got.json["version"] == 1
    revoked = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/badge/revoke",
                          json={"reason": "工牌遗失"}, headers=headers)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    landing = client.get(f"/b/{got.json['badge_token']}")
    assert landing.status_code == 410


def test_landing_shows_the_public_profile_without_the_phone(client):
    technician = factories.technician(name="赵敏", team="城西装维二班", area="西城营业部")
    token = service.badge_token(service.get_or_create_badge(technician))
    response = client.get(f"/b/{token}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for text in ("赵敏", "城西装维二班", "西城营业部", "季度星级", "暂无", "评价服务", "工牌有效"):
        assert text in html
    assert technician.phone not in html
    assert response.headers["Cache-Control"] == "no-store"
    assert 'name="viewport"' in html


def test_landing_of_a_forged_token_is_a_404_page(client):
    response = client.get("/b/AAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "无法识别此工牌" in response.get_data(as_text=True)


@pytest.mark.parametrize("change,heading", [
    ("rotate", "此工牌已更换"), ("revoke", "此工牌已作废"),
    ("suspended", "该装维人员暂停服务"), ("left", "该装维人员已离职")])
def test_landing_of_a_dead_badge_is_a_410_page_saying_why(client, change, heading):
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    if change == "rotate":
        service.rotate_badge(technician=technician)
    elif change == "revoke":
        service.revoke_badge(technician=technician)
    else:
        technician.status = change
    db.session.flush()
    response = client.get(f"/b/{token}")
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert heading in response.get_data(as_text=True)
    assert technician.name not in response.get_data(as_text=True)


def test_rate_button_opens_the_rating_flow(client):
    token = service.badge_token(service.get_or_create_badge(factories.technician()))
    html = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'id="rate" href="/b/{token}/rate"' in html


def _page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def test_sheet_pdf_for_a_team(client, api_key):
    for _ in range(10):
        factories.technician(team="打印测试班")
    factories.technician(team="打印测试班", status="left")       # not printed
    factories.technician(team="别的班")
    response = client.get("/api/v1/admin/badges/sheet.pdf?team=打印测试班",
                          headers=_auth(api_key("manager")))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["X-Badges-Printed"] == "10"
    assert _page_count(response.data) == 2            # nine cards a page


def test_sheet_needs_a_team_or_area(client, api_key):
    response = client.get("/api/v1/admin/badges/sheet.pdf", headers=_auth(api_key("manager")))
    assert response.status_code == 422


def test_sheet_is_refused_to_auditors(client, api_key):
    response = client.get("/api/v1/admin/badges/sheet.pdf?team=x", headers=_auth(api_key("auditor")))
    assert response.status_code == 403


def test_badge_calls_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/admin/technicians/{employee_no}/badge/rotate"]
    assert "get" in paths["/api/v1/admin/badges/sheet.pdf"]
    assert "image/png" in paths["/b/{token}.png"]["get"]["responses"]["200"]["content"]


def test_every_card_on_a_printed_page_scans(client, api_key, decode, tmp_path):
    import shutil
    import subprocess
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm not installed (Debian package poppler-utils)")
    urls = {service.badge_links(service.get_or_create_badge(factories.technician(team="扫码班"))).url
            for _ in range(9)}
    pdf = client.get("/api/v1/admin/badges/sheet.pdf?team=扫码班",
                     headers=_auth(api_key("manager"))).data
    (tmp_path / "s.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "s.pdf"), str(tmp_path / "p")],
                   check=True, timeout=60)
    from PIL import Image
    page = Image.open(next(tmp_path.glob("p*.png")))
    assert set(decode(page)) == urls


def test_show_page_for_the_technician_to_present(client):
    technician = factories.technician(name="孙丽", team="城南装维班")
    badge = service.get_or_create_badge(technician)
    links = service.badge_links(badge)
    response = client.get(f"/b/{links.badge_token}/show")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "孙丽" in html and links.qr_svg_url in html and 'id="clock"' in html
    assert technician.phone not in html
    service.rotate_badge(technician=technician)
    assert client.get(f"/b/{links.badge_token}/show").status_code == 410
