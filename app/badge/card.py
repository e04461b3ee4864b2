"""The badge card (电子工牌卡片): a portrait PNG the size of an ID card at 300 dpi. Pure functions.

54 × 85.6 mm (ISO/IEC 7810 ID-1, upright) at 300 dpi is 638 × 1011 px: the same PNG prints
true to size on the A4 sheet and reads well full-screen on a phone.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageColor, ImageDraw, ImageOps

from app.badge.fonts import CjkFonts, load_font
from app.badge.qr import Matrix, qr_image
from app.branding import Branding

CARD_SIZE = (638, 1011)
MARGIN = 40
QR_MAX_PX = 380
# Bumped whenever the layout changes, so cached cards are redrawn (it is part of the cache key).
LAYOUT_VERSION = 1
GRADE_INK = "#B26A00"
AVATAR_FILL = "#E4EEF9"
BORDER = "#C8C8C8"
SUSPENDED_INK = "#C62828"
VEIL = "#F2F2F2"
INKS = (GRADE_INK, AVATAR_FILL, BORDER, SUSPENDED_INK, VEIL, "#111111", "#333333", "#555555")


@dataclass(frozen=True)
class CardInfo:
    name: str
    employee_no: str
    team: str
    grade: int | None = None    # quarterly grade 1–5; None until a grade exists
    suspension: str | None = None   # stamped across the QR while the technician is suspended
    photo_etag: str | None = None   # the photo drawn in the avatar (None: initials)


def grade_label(grade: int | None) -> str:
    if grade is None:
        return "季度星级：暂无"
    if not 1 <= grade <= 5:
        raise ValueError(f"grade must be 1..5, got {grade}")
    return f"季度星级：{'★' * grade}{'☆' * (5 - grade)}"


def avatar_text(name: str) -> str:
    """What the round avatar shows in place of a photo.

    Chinese names show the given name (the last two characters), as Chinese apps do; a surname
    alone reads as a title. Latin names show their initials.
    """
    name = name.strip()
    if not name:
        return "?"
    if any(unicodedata.east_asian_width(ch) in "WF" for ch in name):
        chars = [ch for ch in name if not ch.isspace() and ch not in "·•."]
        return "".join(chars[-2:])
    words = name.replace("·", " ").split()
    return "".join(word[0] for word in (words[:1] + words[1:][-1:])).upper()


def render_card(info: CardInfo, matrix: Matrix, fonts: CjkFonts,
                branding: Branding = Branding(), photo: bytes | None = None) -> Image.Image:
    width, height = CARD_SIZE
    card = Image.new("RGB", CARD_SIZE, "white")
    draw = ImageDraw.Draw(card)
    inner = width - 2 * MARGIN

    # Header band with the operator's branding.
    draw.rectangle((0, 0, width, 150), fill=branding.color)
    _centered(draw, branding.title, 36, _fit(draw, fonts.bold, branding.title, 44, inner), "white")
    _centered(draw, branding.subtitle, 98, _fit(draw, fonts.regular, branding.subtitle, 26, inner),
              "white")

    # Avatar: the photo in a circle, or the initials when there is none.
    cx, top, d = width // 2, 180, 150
    box = (cx - d // 2, top, cx + d // 2, top + d)
    if photo is not None:
        card.paste(_round_photo(photo, d), box[:2], _circle_mask(d))
        draw.ellipse(box, outline=branding.color, width=5)
    else:
        draw.ellipse(box, fill=AVATAR_FILL, outline=branding.color, width=5)
        initials = avatar_text(info.name)
        font = _fit(draw, fonts.bold, initials, 58 if len(initials) <= 2 else 44, d - 30)
        draw.text((cx, top + d // 2), initials, font=font, fill=branding.color, anchor="mm")

    _centered(draw, info.name, 350, _fit(draw, fonts.bold, info.name, 56, inner), "#111111")
    y = 428
    for text, colour in ((f"工号  {info.employee_no}", "#333333"),
                         (f"班组  {info.team}", "#333333"),
                         (grade_label(info.grade), GRADE_INK)):
        _centered(draw, text, y, _fit(draw, fonts.regular, text, 30, inner), colour)
        y += 44

    # The QR at a whole number of pixels per module, as large as the space allows.
    side = len(matrix) + 8
    module_px = max(1, QR_MAX_PX // side)
    qr = qr_image(matrix, module_px=module_px).convert("RGB")
    qr_top = 572 + (QR_MAX_PX - qr.width) // 2
    card.paste(qr, ((width - qr.width) // 2, qr_top))
    caption = "微信扫一扫 · 为本次服务评价"
    _centered(draw, caption, qr_top + qr.height + 2,
              _fit(draw, fonts.regular, caption, 26, inner), "#555555")
    if info.suspension:
        _stamp_suspended(draw, info.suspension, fonts, (width - qr.width) // 2, qr_top, qr.width,
                         qr.height + 40)

    draw.rectangle((0, 0, width - 1, height - 1), outline=BORDER, width=2)
    return card


def _stamp_suspended(draw: ImageDraw.ImageDraw, text: str, fonts: CjkFonts, left: int, top: int,
                     side: int, height: int) -> None:
    """Veil the QR (it answers 410 while suspended) and say why across it, in red."""
    draw.rectangle((left - 8, top - 8, left + side + 8, top + height), fill=VEIL)
    middle = top + side // 2
    draw.rectangle((MARGIN // 2, middle - 70, CARD_SIZE[0] - MARGIN // 2, middle + 70),
                   outline=SUSPENDED_INK, width=6, fill="white")
    title = "暂停服务评价"
    _centered(draw, title, middle - 56, _fit(draw, fonts.bold, title, 52, side), SUSPENDED_INK)
    _centered(draw, text, middle + 14,
              _fit(draw, fonts.regular, text, 30, CARD_SIZE[0] - 2 * MARGIN), SUSPENDED_INK)


def render_card_png(info: CardInfo, matrix: Matrix, fonts: CjkFonts,
                    branding: Branding = Branding(), photo: bytes | None = None) -> bytes:
    card = render_card(info, matrix, fonts, branding, photo)
    out = BytesIO()
    if photo is None:
        # A palette PNG is a third of the RGB size. Mapping onto a fixed palette costs ~1 ms
        # where an adaptive quantizer costs ~40 ms, which is most of `flask badge render-all`.
        paletted = card.quantize(palette=_palette(branding.color), dither=Image.Dither.NONE)
        paletted.save(out, format="PNG", compress_level=6)
    else:
        # A photo on the card's fixed palette would be posterised. A fast octree palette of the
        # card's own colours keeps the photo, black and the QR exact, at the palette card's size
        # (full RGB would be ~2.5× larger and slower to compress).
        paletted = card.quantize(256, method=Image.Quantize.FASTOCTREE)
        paletted.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _round_photo(photo: bytes, side: int) -> Image.Image:
    image = Image.open(BytesIO(photo))
    image.draft("RGB", (side, side))     # JPEG: decode at the smallest scale still ≥ side
    return ImageOps.fit(image.convert("RGB"), (side, side), method=Image.Resampling.LANCZOS)


@lru_cache(maxsize=4)
def _circle_mask(side: int) -> Image.Image:
    # Drawn 4× larger and scaled down, so the circle's edge is smooth rather than stepped.
    big = Image.new("L", (side * 4, side * 4), 0)
    ImageDraw.Draw(big).ellipse((0, 0, side * 4 - 1, side * 4 - 1), fill=255)
    return big.resize((side, side), Image.Resampling.LANCZOS)


@lru_cache(maxsize=8)
def _palette(brand: str) -> Image.Image:
    """Every colour the card can hold: each ink blended into the background it is drawn on.

    Pillow looks colours up on a coarse grid, so a palette entry a few steps from white would
    capture the white background; entries are kept at least 10 levels apart, exact inks first.
    """
    white, brand_rgb = (255, 255, 255), ImageColor.getrgb(brand)
    inks = [white, (0, 0, 0), brand_rgb] + [ImageColor.getrgb(c) for c in INKS]
    ramps = [(white, (0, 0, 0), 48), (white, ImageColor.getrgb(GRADE_INK), 24),
             (white, brand_rgb, 24), (ImageColor.getrgb(AVATAR_FILL), brand_rgb, 24),
             (white, ImageColor.getrgb(SUSPENDED_INK), 16)]
    colours: list[tuple[int, ...]] = []
    candidates = inks + [
        tuple(round(a + (b - a) * i / steps) for a, b in zip(start, end, strict=True))
        for start, end, steps in ramps for i in range(steps + 1)]
    for colour in candidates:
        if all(_distance(colour, kept) >= 10 for kept in colours):
            colours.append(colour)
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for rgb in colours[:256] for c in rgb])
    return palette


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def _fit(draw: ImageDraw.ImageDraw, face, text: str, size: int, max_width: int, min_size: int = 16):
    """The largest font size ≤ `size` at which `text` fits `max_width` (long names, long teams)."""
    while size > min_size:
        font = load_font(face, size)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size -= 2
    return load_font(face, min_size)


def _centered(draw: ImageDraw.ImageDraw, text: str, top: int, font, fill) -> None:
    draw.text((CARD_SIZE[0] // 2, top), text, font=font, fill=fill, anchor="mt")
