"""Technician photos: checked and cleaned on upload (Pillow), served by content address, drawn on
the badge card and shown on the customer pages; the admin API and the CLI set and remove them."""
import io

import pytest
from PIL import Image

from app.badge import bulk, photos
from app.badge import service as badges
from app.badge.card import AVATAR_FILL, CARD_SIZE
from app.badge.photo import MAX_SOURCE_PIXELS, OUTPUT_SIDE, PhotoRejected, prepare_photo
from app.extensions import db
from tests import factories
from tests.factories import headers_for, user
from tests.pages import BROWSER

MB = 1024 * 1024
RED, BLUE = (220, 30, 30), (30, 30, 220)


def picture(size=(600, 800), fmt="JPEG", exif=None, mode="RGB", colour=RED, halves=False):
    image = Image.new(mode, size, colour if mode == "RGB" else 0)
    if halves:      # top half red, bottom half blue: shows which way up the result is
        image.paste(BLUE, (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, format=fmt, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def camera_exif(orientation=1):
    exif = Image.Exif()
    exif[0x0112] = orientation                       # Orientation
    exif[0x010F] = "PhoneMaker"                      # Make
    exif[0x8825] = {2: (39.0, 54.0, 0.0), 4: (116.0, 23.0, 0.0)}   # GPS: Beijing
    return exif


def near(rgb, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, expected, strict=True))


# -- the pure clean-up ---------------------------------------------------------------------------

def test_a_phone_photo_loses_its_exif_and_becomes_a_small_square_jpeg():
    raw = picture((3000, 4000), exif=camera_exif())
    assert b"PhoneMaker" in raw
    photo = prepare_photo(raw, max_bytes=8 * MB)
    out = Image.open(io.BytesIO(photo.data))
    assert out.format == "JPEG" and out.size == (OUTPUT_SIDE, OUTPUT_SIDE)
    assert (photo.width, photo.height) == out.size
    assert not out.getexif() and b"PhoneMaker" not in photo.data and b"GPS" not in photo.data


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    # Stored on its side (orientation 6: "rotate 90° clockwise to view"): the red half, the top
    # of the picture, must end up on top.
    upright = Image.open(io.BytesIO(picture((400, 600), halves=True)))
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    raw = io.BytesIO()
    sideways.save(raw, format="JPEG", exif=camera_exif(orientation=6))
    out = Image.open(io.BytesIO(prepare_photo(raw.getvalue(), max_bytes=8 * MB).data))
    assert near(out.getpixel((out.width // 2, 5)), RED)
    assert near(out.getpixel((out.width // 2, out.height - 5)), BLUE)


def test_a_transparent_png_is_put_on_white():
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    raw = io.BytesIO()
    image.save(raw, format="PNG")
    out = Image.open(io.BytesIO(prepare_photo(raw.getvalue(), max_bytes=MB).data))
    assert near(out.getpixel((150, 150)), (255, 255, 255), 8)


@pytest.mark.parametrize("raw, code", [
    (b"", "photo_missing"),
    (b"%PDF-1.4 not a picture", "photo_unsupported_type"),
    (picture(fmt="GIF", mode="P"), "photo_unsupported_type"),
    (picture(fmt="BMP"), "photo_unsupported_type"),
    (picture((100, 400)), "photo_too_small"),
    (picture((600, 800), halves=True)[:-300], "photo_unreadable"),     # cut short
])
def test_what_is_not_a_usable_photo_is_refused_with_a_reason(raw, code):
    with pytest.raises(PhotoRejected) as refused:
        prepare_photo(raw, max_bytes=8 * MB)
    assert refused.value.code == code


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    side = int(MAX_SOURCE_PIXELS ** 0.5) + 100
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, format="PNG")     # tiny file, huge picture
    assert len(bomb.getvalue()) < MB
    with pytest.raises(PhotoRejected) as refused:
        prepare_photo(bomb.getvalue(), max_bytes=8 * MB)
    assert refused.value.code == "photo_too_many_pixels"


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(PhotoRejected) as refused:
        prepare_photo(picture(), max_bytes=1000)
    assert refused.value.code == "photo_too_large"


# -- admin API, serving, card, pages ------------------------------------------------------------

def upload(client, headers, employee_no, raw, content_type="image/jpeg", method="put"):
    call = getattr(client, method)
    return call(f"/api/v1/admin/technicians/{employee_no}/photo", data=raw,
                headers={**headers, "Content-Type": content_type})


def test_upload_serve_and_cache_a_photo(client, admin_headers):
    technician = factories.technician()
    answer = upload(client, admin_headers, technician.employee_no, picture(exif=camera_exif()))
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["employee_no"] == technician.employee_no and body["width"] == OUTPUT_SIDE
    path = body["photo_url"].replace("http://rating.test", "")
    served = client.get(path)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    assert not Image.open(io.BytesIO(served.data)).getexif()
    assert client.get(path, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert client.get("/photos/0000.jpg").status_code == 404


def test_multipart_upload_like_a_browser_form(client, admin_headers):
    technician = factories.technician()
    answer = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/photo",
                         headers=admin_headers, content_type="multipart/form-data",
                         data={"photo": (io.BytesIO(picture(fmt="PNG")), "me.png")})
    assert answer.status_code == 200, answer.json
    missing = client.post(f"/api/v1/admin/technicians/{technician.employee_no}/photo",
                          headers=admin_headers, content_type="multipart/form-data",
                          data={"other": "x"})
    assert (missing.status_code, missing.json["error"]["code"]) == (400, "photo_missing")


@pytest.mark.parametrize("raw, content_type, status, code", [
    (b"hello", "text/plain", 415, "photo_unsupported_type"),
    (picture((80, 80)), "image/jpeg", 422, "photo_too_small"),
])
def test_bad_uploads_get_a_json_error(client, admin_headers, raw, content_type, status, code):
    technician = factories.technician()
    answer = upload(client, admin_headers, technician.employee_no, raw, content_type)
    assert (answer.status_code, answer.json["error"]["code"]) == (status, code)
    assert photos.photo_of(technician.id) is None


def test_an_oversized_upload_is_refused_before_it_is_read(app, client, admin_headers,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "TECHNICIAN_PHOTO_MAX_BYTES", 100 * 1024)
    technician = factories.technician()
    answer = upload(client, admin_headers, technician.employee_no, b"\xff" * (300 * 1024))
    assert (answer.status_code, answer.json["error"]["code"]) == (413, "photo_too_large")


def test_a_photo_straight_from_a_phone_camera_is_accepted(client, admin_headers):
    # Megabytes, far above the body limit of ordinary calls: the photo's own limit decides.
    noise = Image.frombytes("RGB", (1600, 1600), bytes(range(256)) * (1600 * 1600 * 3 // 256))
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=98)
    raw = out.getvalue()
    assert len(raw) > 1024 * 1024
    technician = factories.technician()
    answer = upload(client, admin_headers, technician.employee_no, raw)
    assert answer.status_code == 200 and answer.json["width"] == OUTPUT_SIDE


def test_only_managers_set_photos_and_unknown_technicians_are_404(client, api_key):
    technician = factories.technician()
    integration = {"Authorization": f"Bearer {api_key('integration')}"}
    assert upload(client, integration, technician.employee_no, picture()).status_code == 403
    assert upload(client, {}, technician.employee_no, picture()).status_code == 401
    manager = {"Authorization": f"Bearer {api_key('manager')}"}
    missing = upload(client, manager, "NO-SUCH", picture())
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "technician_not_found")


def avatar_pixel(card_png: bytes):
    card = Image.open(io.BytesIO(card_png)).convert("RGB")
    assert card.size == CARD_SIZE
    return card.getpixel((CARD_SIZE[0] // 2 - 30, 180 + 75 - 30))   # inside the circle


def test_the_card_shows_the_photo_and_goes_back_to_initials(client, admin_headers):
    technician = factories.technician(name="王建国")
    token = badges.badge_token(badges.get_or_create_badge(technician))
    before = client.get(f"/b/{token}/card.png")
    assert near(avatar_pixel(before.data), tuple(int(AVATAR_FILL[i:i + 2], 16)
                                                  for i in (1, 3, 5)), 12)
    upload(client, admin_headers, technician.employee_no, picture(colour=RED))
    with_photo = client.get(f"/b/{token}/card.png")
    assert with_photo.headers["ETag"] != before.headers["ETag"]
    assert near(avatar_pixel(with_photo.data), RED)
    assert client.delete(f"/api/v1/admin/technicians/{technician.employee_no}/photo",
                         headers=admin_headers).status_code == 204
    after = client.get(f"/b/{token}/card.png")
    assert after.headers["ETag"] == before.headers["ETag"]


def test_render_all_redraws_the_cards_whose_photo_changed(app):
    first = factories.technician()
    factories.technician()          # one whose card stays as it is
    bulk.render_all(workers=1)
    photos.set_photo(technician=first, raw=picture(), by="test")
    stats = bulk.render_all(workers=1)
    assert (stats.rendered, stats.up_to_date) == (1, 1)
    badge = badges.find_badge(first.id)
    assert near(avatar_pixel(badges.badge_image(badge, "card_png").data), RED)


def test_landing_scan_api_and_form_show_the_photo(client, admin_headers):
    order = factories.order()
    technician = order.technician
    token = badges.badge_token(badges.get_or_create_badge(technician))
    landing = client.get(f"/b/{token}", headers=BROWSER).get_data(as_text=True)
    assert "<img" not in landing and technician.name[-2:] in landing       # initials
    url = upload(client, admin_headers, technician.employee_no, picture()).json["photo_url"]
    landing = client.get(f"/b/{token}", headers=BROWSER).get_data(as_text=True)
    assert f'src="{url}"' in landing and f'alt="装维人员{technician.name}的照片"' in landing
    person = user()
    scan = client.get(f"/api/v1/badges/{token}", headers=headers_for(person)).json
    assert scan["technician"]["photo_url"] == url


def test_cli_sets_and_removes_a_photo(app, tmp_path):
    technician = factories.technician()
    path = tmp_path / "me.jpg"
    path.write_bytes(picture())
    runner = app.test_cli_runner()
    done = runner.invoke(args=["badge", "photo", technician.employee_no, str(path)])
    assert done.exit_code == 0, done.output
    assert f"{OUTPUT_SIDE}×{OUTPUT_SIDE}" in done.output
    assert photos.photo_of(technician.id) is not None
    bad = tmp_path / "notes.txt"
    bad.write_text("not a photo")
    refused = runner.invoke(args=["badge", "photo", technician.employee_no, str(bad)])
    assert refused.exit_code != 0 and "photo_unsupported_type" in refused.output
    removed = runner.invoke(args=["badge", "photo", technician.employee_no, "--remove"])
    assert removed.exit_code == 0 and photos.photo_of(technician.id) is None
    db.session.expire_all()


def test_a_card_with_a_photo_still_scans(client, admin_headers, decode):
    technician = factories.technician()
    badge = badges.get_or_create_badge(technician)
    upload(client, admin_headers, technician.employee_no, picture((900, 1200), halves=True))
    card = client.get(f"/b/{badges.badge_token(badge)}/card.png")
    assert card.status_code == 200
    assert decode(card.data) == [badges.badge_links(badge).url]
