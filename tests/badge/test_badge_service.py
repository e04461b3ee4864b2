"""Badge lifecycle: issue, resolve, rotate, revoke, and a technician's status."""
import pytest

from app.badge import service
from app.badge.tokens import derive_keys, encode_token
from app.errors import AppError
from tests import factories
from tests.conftest import TEST_SECRET


def _error(token: str) -> AppError:
    with pytest.raises(AppError) as caught:
        service.resolve_badge(token)
    return caught.value


def test_a_badge_is_issued_once_at_version_1():
    technician = factories.technician()
    badge = service.get_or_create_badge(technician)
    assert badge.version == 1
    assert service.get_or_create_badge(technician) is badge


def test_the_current_token_resolves_to_its_technician():
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    assert service.resolve_badge(token).technician is technician
    assert service.badge_url(token) == f"http://rating.test/b/{token}"


def test_a_forged_token_is_not_found():
    technician = factories.technician()
    service.get_or_create_badge(technician)
    forged = encode_token(derive_keys("guessed-secret"), technician_id=technician.id, version=1)
    error = _error(forged)
    assert (error.status, error.code) == (404, "badge_not_found")


def test_a_genuine_token_of_a_version_never_issued_is_not_found():
    technician = factories.technician()
    service.get_or_create_badge(technician)
    future = encode_token(derive_keys(TEST_SECRET), technician_id=technician.id, version=2)
    assert _error(future).code == "badge_not_found"


def test_a_genuine_token_for_a_technician_without_a_badge_is_not_found():
    technician = factories.technician()
    token = encode_token(derive_keys(TEST_SECRET), technician_id=technician.id, version=1)
    assert _error(token).code == "badge_not_found"


def test_rotation_retires_the_old_token_at_once_and_the_new_one_works():
    technician = factories.technician()
    old = service.badge_token(service.get_or_create_badge(technician))
    badge = service.rotate_badge(technician=technician)
    new = service.badge_token(badge)
    assert badge.version == 2 and badge.rotated_at is not None
    assert new != old
    error = _error(old)
    assert (error.status, error.code, error.details["reason"]) == (410, "badge_revoked", "rotated")
    assert service.resolve_badge(new).technician is technician


def test_rotation_drops_images_drawn_for_the_old_token():
    technician = factories.technician()
    badge = service.get_or_create_badge(technician)
    service.badge_image(badge, "qr_png")
    service.store_wxacode(badge, b"\x89PNG fake")
    service.rotate_badge(technician=technician)
    from app.badge.models import BadgeImage
    from app.extensions import db
    assert db.session.get(BadgeImage, (badge.id, "qr_png")) is None
    assert db.session.get(BadgeImage, (badge.id, "wxacode")) is None


def test_revoked_badge_answers_410_until_rotated():
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    service.revoke_badge(technician=technician, reason="lost")
    error = _error(token)
    assert (error.status, error.details["reason"]) == (410, "revoked")
    fresh = service.badge_token(service.rotate_badge(technician=technician))
    assert service.resolve_badge(fresh).revoked_at is None


@pytest.mark.parametrize("status,reason", [("suspended", "technician_suspended"),
                                           ("left", "technician_left")])
def test_a_suspended_or_departed_technicians_badge_stops_working(status, reason):
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    technician.status = status
    error = _error(token)
    assert (error.status, error.code, error.details["reason"]) == (410, "badge_revoked", reason)
    assert error.message != service.badge_revoked("revoked").message
    technician.status = "active"            # reinstated: the same badge works again
    assert service.resolve_badge(token).technician is technician


def test_public_profile_never_carries_the_phone():
    technician = factories.technician(name="李娜", team="城北装维班")
    profile = service.public_profile(service.get_or_create_badge(technician))
    assert (profile.name, profile.team, profile.grade) == ("李娜", "城北装维班", None)
    assert technician.phone not in repr(profile)


def test_links_name_every_image():
    badge = service.get_or_create_badge(factories.technician())
    links = service.badge_links(badge)
    assert links.qr_png_url == links.url + ".png"
    assert links.qr_svg_url == links.url + ".svg"
    assert links.card_png_url == links.url + "/card.png"
    assert links.wxacode_url == links.url + "/wxacode.png"


def test_images_are_drawn_once_and_redrawn_when_what_they_show_changes():
    technician = factories.technician(name="王强")
    badge = service.get_or_create_badge(technician)
    first = service.badge_image(badge, "card_png")
    again = service.badge_image(badge, "card_png")
    assert first.rendered_now and not again.rendered_now
    assert again.etag == first.etag
    technician.team = "城南装维班"
    changed = service.badge_image(badge, "card_png")
    assert changed.rendered_now and changed.etag != first.etag


def test_storing_an_image_another_request_stored_first_updates_it(monkeypatch):
    from sqlalchemy import insert

    from app.badge.models import BadgeImage
    from app.db import utcnow
    from app.extensions import db
    badge = service.get_or_create_badge(factories.technician())
    db.session.execute(insert(BadgeImage).values(badge_id=badge.id, kind="qr_png", source_key="x",
                                                 etag="x", data=b"theirs", rendered_at=utcnow()))
    real_get, calls = db.session.get, []

    def racing_get(*args, **kwargs):     # our lookup ran just before theirs was stored
        calls.append(args)
        return None if len(calls) == 1 else real_get(*args, **kwargs)

    monkeypatch.setattr(db.session, "get", racing_get)
    stored = service.store_image(badge, "qr_png", source_key="k", data=b"ours", etag="e")
    assert (stored.source_key, stored.data) == ("k", b"ours")
