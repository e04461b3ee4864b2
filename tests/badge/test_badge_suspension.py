"""A technician in 待岗培训: the scan answers 410 saying until when, the card still prints but
stamped, the team's sheet marks them — and all of it ends by itself the day after."""
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image, ImageChops

from app.badge import service
from app.badge.card import SUSPENDED_INK
from app.extensions import db
from app.masterdata.models import TechnicianSuspension
from tests import factories
from tests.factories import headers_for, user


def local_today():
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date()


def suspend(technician, first, last):
    row = TechnicianSuspension(technician_id=technician.id, starts_on=first, ends_on=last,
                               planned_ends_on=last, reason="第 2 次违规", created_by="test")
    db.session.add(row)
    db.session.flush()
    return row


def red_pixels(png: bytes) -> int:
    card = Image.open(io.BytesIO(png)).convert("RGB")
    red = tuple(int(SUSPENDED_INK[i:i + 2], 16) for i in (1, 3, 5))
    return dict((colour, count) for count, colour in card.getcolors(1 << 16)).get(red, 0)


def test_the_scan_answers_410_with_the_last_day(client):
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    last = local_today() + timedelta(days=10)
    suspend(technician, local_today() - timedelta(days=19), last)
    answer = client.get(f"/api/v1/badges/{token}", headers=headers_for(user()))
    assert answer.status_code == 410
    error = answer.json["error"]
    assert (error["code"], error["details"]["reason"]) == ("badge_revoked", "technician_suspended")
    assert error["details"]["suspended_until"] == last.isoformat()
    assert last.isoformat() in error["message"]
    page = client.get(f"/b/{token}")
    assert page.status_code == 410 and 'id="rate"' not in page.get_data(as_text=True)
    assert client.get(f"/b/{token}.svg").status_code == 410


def test_the_card_is_stamped_while_suspended_and_clean_after(client):
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    clean = client.get(f"/b/{token}/card.png").data
    assert red_pixels(clean) == 0
    row = suspend(technician, local_today(), local_today() + timedelta(days=29))
    stamped = client.get(f"/b/{token}/card.png")
    assert stamped.status_code == 200 and red_pixels(stamped.data) > 1000
    assert ImageChops.difference(Image.open(io.BytesIO(clean)).convert("RGB"),
                                 Image.open(io.BytesIO(stamped.data)).convert("RGB")).getbbox()
    # Ended (here: it ended yesterday): the card and the scan are back by themselves.
    row.starts_on, row.ends_on = local_today() - timedelta(days=30), local_today() - timedelta(days=1)
    db.session.flush()
    assert red_pixels(client.get(f"/b/{token}/card.png").data) == 0
    assert client.get(f"/b/{token}").status_code == 200


def test_the_sheet_prints_the_suspended_stamped_and_says_who(client, api_key):
    team = "停岗测试班"
    working = factories.technician(team=team)
    resting = factories.technician(team=team)
    suspend(resting, local_today(), local_today() + timedelta(days=29))
    response = client.get("/api/v1/admin/badges/sheet.pdf", query_string={"team": team},
                          headers={"Authorization": f"Bearer {api_key('manager')}"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["X-Badges-Printed"] == "2"
    assert response.headers["X-Badges-Suspended"] == resting.employee_no
    assert working.employee_no not in response.headers["X-Badges-Suspended"]


def test_the_technicians_own_badge_says_until_when(client, api_key):
    technician = factories.technician()
    last = local_today() + timedelta(days=3)
    suspend(technician, local_today(), last)
    answer = client.get(f"/api/v1/admin/technicians/{technician.employee_no}/badge",
                        headers={"Authorization": f"Bearer {api_key('manager')}"})
    assert answer.status_code == 200 and answer.json["suspended_until"] == last.isoformat()
