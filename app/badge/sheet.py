"""A printable A4 sheet of badge cards (PDF), nine true-size cards a page with cut marks. Pure.

The cards go in as the PNGs already rendered (300 dpi, so 54 × 85.6 mm on paper); reportlab
embeds them losslessly. Page headings are drawn with Pillow and the CJK font, because reportlab's
TrueType support cannot read the OpenType/CFF CJK fonts Debian ships.
"""
from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.badge.fonts import CjkFonts, load_font

CARD_W, CARD_H = 54 * mm, 85.6 * mm
COLUMNS, ROWS = 3, 3
GAP_X, GAP_Y = 6 * mm, 4 * mm
TOP = 20 * mm
CARDS_PER_PAGE = COLUMNS * ROWS
CUT_MARK = 3 * mm


def page_count(cards: int) -> int:
    return max(1, -(-cards // CARDS_PER_PAGE))


def card_slots() -> list[tuple[float, float]]:
    """Lower-left corners (PDF points) of the card slots, reading order."""
    page_w, page_h = A4
    left = (page_w - COLUMNS * CARD_W - (COLUMNS - 1) * GAP_X) / 2
    slots = []
    for row in range(ROWS):
        y = page_h - TOP - (row + 1) * CARD_H - row * GAP_Y
        for col in range(COLUMNS):
            slots.append((left + col * (CARD_W + GAP_X), y))
    return slots


def render_sheet_pdf(cards: list[bytes], *, heading: str, fonts: CjkFonts) -> bytes:
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"电子工牌 {heading}")
    pages = page_count(len(cards))
    slots = card_slots()
    for page in range(pages):
        label = f"{heading}　电子工牌　第 {page + 1}/{pages} 页　共 {len(cards)} 张"
        _draw_heading(canvas, label, fonts)
        on_page = cards[page * CARDS_PER_PAGE:(page + 1) * CARDS_PER_PAGE]
        for png, (x, y) in zip(on_page, slots, strict=False):
            canvas.drawImage(ImageReader(BytesIO(png)), x, y, CARD_W, CARD_H)
            _cut_marks(canvas, x, y)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_heading(canvas: Canvas, text: str, fonts: CjkFonts) -> None:
    # 300 dpi strip, 6 mm high, across the printable width.
    width_mm, height_mm = 174, 6
    px = lambda v: round(v / 25.4 * 300)  # noqa: E731 — mm → pixels at 300 dpi
    strip = Image.new("L", (px(width_mm), px(height_mm)), 255)
    ImageDraw.Draw(strip).text((0, px(height_mm) // 2), text, fill=60, anchor="lm",
                               font=load_font(fonts.regular, 40))
    page_w, page_h = A4
    canvas.drawImage(ImageReader(strip), (page_w - width_mm * mm) / 2, page_h - 14 * mm,
                     width_mm * mm, height_mm * mm)


def _cut_marks(canvas: Canvas, x: float, y: float) -> None:
    """Short hairlines just outside each corner, so cards can be cut true without a border."""
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.5)
    for cx, dx in ((x, -1), (x + CARD_W, 1)):
        for cy, dy in ((y, -1), (y + CARD_H, 1)):
            canvas.line(cx + dx * 1 * mm, cy, cx + dx * (1 * mm + CUT_MARK), cy)
            canvas.line(cx, cy + dy * 1 * mm, cx, cy + dy * (1 * mm + CUT_MARK))
