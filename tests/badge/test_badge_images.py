"""QR codes a real decoder reads back, the card with Chinese text, and the HTTP caching."""
import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageChops

from app.badge import service
from app.badge.card import CARD_SIZE, CardInfo, avatar_text, grade_label, render_card
from app.badge.fonts import FontMissing, find_cjk_fonts, load_font
from app.badge.qr import QUIET_ZONE, qr_matrix, render_qr_png, render_qr_svg
from tests import factories

URL = "https://pj.example-operator.com.cn/b/ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _resized(png: bytes, px: int) -> Image.Image:
    # LANCZOS blurs module edges the way a phone's scaler or a printer's RIP does.
    return Image.open(io.BytesIO(png)).convert("L").resize((px, px), Image.Resampling.LANCZOS)


@pytest.mark.parametrize("px", [
    pytest.param(260, id="phone-screen"),           # ~ 2/3 of a phone's width in CSS pixels
    pytest.param(236, id="print-2cm-at-300dpi"),
    pytest.param(118, id="print-1cm-at-300dpi"),
])
def test_qr_png_reads_back_to_the_exact_url(decode, px):
    assert decode(_resized(render_qr_png(qr_matrix(URL)), px)) == [URL]


def test_qr_png_of_a_real_badge_reads_back(client, decode):
    badge = service.get_or_create_badge(factories.technician())
    links = service.badge_links(badge)
    response = client.get(f"/b/{links.badge_token}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert decode(response.data) == [links.url]
    assert decode(_resized(response.data, 236)) == [links.url]


def test_qr_survives_wear_thanks_to_error_correction(decode):
    # A scratch across a sixth of the code (no finder pattern hit) still reads at level Q.
    image = Image.open(io.BytesIO(render_qr_png(qr_matrix(URL)))).convert("L")
    w = image.width
    from PIL import ImageDraw
    ImageDraw.Draw(image).rectangle((w * 0.45, w * 0.3, w * 0.62, w * 0.7), fill=255)
    assert decode(image) == [URL]


def test_svg_is_well_formed_with_the_right_module_count():
    matrix = qr_matrix(URL)
    svg = render_qr_svg(matrix)
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = len(matrix) + 2 * QUIET_ZONE
    assert root.get("viewBox") == f"0 0 {side} {side}"
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    dark = sum(int(run) for run in re.findall(r"h(\d+)v1", path))
    assert dark == sum(map(sum, matrix))


def test_svg_rasterized_by_cairo_reads_back(decode):
    try:
        import cairosvg
    except (ImportError, OSError) as exc:    # OSError: cairosvg installed, libcairo2 missing
        pytest.skip(f"cairosvg unusable: {exc} (Debian package libcairo2)")
    png = cairosvg.svg2png(bytestring=render_qr_svg(qr_matrix(URL)).encode(), output_width=300,
                           output_height=300)
    assert decode(png) == [URL]


def test_qr_etag_and_304(client):
    badge = service.get_or_create_badge(factories.technician())
    token = service.badge_token(badge)
    first = client.get(f"/b/{token}.svg")
    assert first.status_code == 200 and first.mimetype == "image/svg+xml"
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    again = client.get(f"/b/{token}.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"/b/{token}.svg").headers["ETag"] == etag     # not redrawn


def test_images_of_a_rotated_badge_answer_410(client):
    technician = factories.technician()
    old = service.badge_token(service.get_or_create_badge(technician))
    assert client.get(f"/b/{old}.png").status_code == 200
    service.rotate_badge(technician=technician)
    for suffix in (".png", ".svg", "/card.png"):
        response = client.get(f"/b/{old}{suffix}")
        assert response.status_code == 410
        assert response.json["error"]["code"] == "badge_revoked"


def test_images_of_a_forged_token_answer_404(client):
    for suffix in (".png", ".svg", "/card.png", "/wxacode.png"):
        response = client.get(f"/b/AAAAAAAAAAAAAAAAAAAAAAAAAA{suffix}")
        assert response.status_code == 404
        assert response.json["error"]["code"] == "badge_not_found"


def test_wxacode_is_fetched_from_wechat_once_per_badge_version(client, wechat, decode):
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    first = client.get(f"/b/{token}/wxacode.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    # The simulator draws its code as a QR of the page and scene it was asked for.
    assert decode(first.data) == [f"wxacode:?scene={token}"]
    again = client.get(f"/b/{token}/wxacode.png")
    assert again.data == first.data
    assert wechat.calls("wxa/getwxacodeunlimit") == 1
    new = service.badge_token(service.rotate_badge(technician=technician))
    assert client.get(f"/b/{token}/wxacode.png").status_code == 410
    assert decode(client.get(f"/b/{new}/wxacode.png").data) == [f"wxacode:?scene={new}"]
    assert wechat.calls("wxa/getwxacodeunlimit") == 2


def test_a_stored_wxacode_is_served_without_asking_wechat(client):
    badge = service.get_or_create_badge(factories.technician())
    service.store_wxacode(badge, b"\x89PNG\r\n\x1a\nfake")
    response = client.get(f"/b/{service.badge_token(badge)}/wxacode.png")
    assert response.status_code == 200 and response.data.endswith(b"fake")


def test_cjk_font_is_found():
    fonts = find_cjk_fonts()
    assert fonts.regular.path and fonts.bold.path


def test_missing_font_is_a_clear_error():
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        find_cjk_fonts("/nonexistent/font.ttc")


def test_the_font_draws_chinese_not_empty_boxes():
    font = load_font(find_cjk_fonts().regular, 40)
    tofu = font.getmask(chr(0x10FFFD))            # a code point no font has: the .notdef box
    for char in "工号班组季度星级暂无评价":
        glyph = font.getmask(char)
        assert glyph.getbbox() is not None
        assert (glyph.size, bytes(glyph)) != (tofu.size, bytes(tofu)), char


def test_card_png_size_text_and_qr(client, decode):
    technician = factories.technician(name="欧阳晓明", team="城东装维一班")
    badge = service.get_or_create_badge(technician)
    links = service.badge_links(badge)
    response = client.get(f"/b/{links.badge_token}/card.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    card = Image.open(io.BytesIO(response.data))
    assert card.size == CARD_SIZE                  # 54 × 85.6 mm at 300 dpi
    assert decode(card) == [links.url]
    assert decode(card.resize((CARD_SIZE[0] // 2, CARD_SIZE[1] // 2))) == [links.url]  # phone


def test_card_changes_with_the_name_it_prints():
    fonts, matrix = find_cjk_fonts(), qr_matrix(URL)
    a = render_card(CardInfo("张伟", "T1", "一班"), matrix, fonts)
    b = render_card(CardInfo("李娜", "T1", "一班"), matrix, fonts)
    assert ImageChops.difference(a, b).getbbox() is not None


@pytest.mark.parametrize("name,expected", [("张伟", "张伟"), ("欧阳晓明", "晓明"), ("王小明", "小明"),
                                           ("阿卜杜·买买提", "买提"),
                                           ("John Smith", "JS"), ("madonna", "M"), ("", "?")])
def test_avatar_text(name, expected):
    assert avatar_text(name) == expected


def test_grade_label():
    assert grade_label(None) == "季度星级：暂无"
    assert grade_label(4) == "季度星级：★★★★☆"
    with pytest.raises(ValueError):
        grade_label(6)


def test_a_suspended_technicians_qr_stops_once_the_memo_expires(app, client, monkeypatch):
    from app.badge.memo import QrMemo
    now = [0.0]
    monkeypatch.setitem(app.extensions, "badge_qr_memo",
                        QrMemo(ttl=service.QR_MEMO_SECONDS, clock=lambda: now[0]))
    technician = factories.technician()
    token = service.badge_token(service.get_or_create_badge(technician))
    assert client.get(f"/b/{token}.png").status_code == 200
    technician.status = "suspended"          # e.g. by an import, in another process
    assert client.get(f"/b/{token}").status_code == 410          # the landing: at once
    now[0] += service.QR_MEMO_SECONDS
    response = client.get(f"/b/{token}.png")
    assert response.status_code == 410
    assert response.json["error"]["details"]["reason"] == "technician_suspended"
