"""The plain QR code of a badge URL, as a module matrix, a PNG and an SVG. Pure functions.

Error correction is Q (about 25% of the code words may be lost). Badges are printed, laminated,
worn on a lanyard and scanned through glare, scratches and dirt, which L and M do not survive
well; H (30%) would buy little more, since no logo is laid over this code, and would push the URL
into a larger QR version, so each module would be smaller at the same printed size — worse for
worn cards and older phone cameras. The URL's base32 token is encoded in alphanumeric mode, which
keeps a typical badge URL at version 4–5 (33–37 modules).
"""
from __future__ import annotations

from io import BytesIO

import qrcode
from PIL import Image

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_Q
QUIET_ZONE = 4          # modules of white margin the QR standard asks for
PNG_MODULE_PX = 10      # the served PNG: ~450 px, sharp on a phone screen, scalable in print

Matrix = list[list[bool]]


def qr_matrix(data: str, *, mask_pattern: int | None = None) -> Matrix:
    """The dark/light modules of the QR for `data`, without the quiet zone.

    Without `mask_pattern` the best of the 8 masks is chosen (fewest blocks and runs that can
    confuse a camera), which is most of the cost: right for a badge printed once. A code redrawn
    every few seconds on a screen (the live badge) passes a fixed mask: any mask decodes, and a
    lit screen is read far more easily than a worn card.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0, mask_pattern=mask_pattern)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_image(matrix: Matrix, *, module_px: int, quiet_zone: int = QUIET_ZONE) -> Image.Image:
    """A 1-bit image with whole-pixel modules (scaled by nearest neighbour: no blurred edges)."""
    side = len(matrix) + 2 * quiet_zone
    small = Image.new("1", (side, side), 1)
    small.putdata([0 if dark else 1
                   for row in _with_quiet_zone(matrix, quiet_zone) for dark in row])
    return small.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)


def render_qr_png(matrix: Matrix, *, module_px: int = PNG_MODULE_PX, optimize: bool = True) -> bytes:
    """`optimize` squeezes ~7 % off the file for twice the time: worth it for an image kept and
    served for months, not for a live code drawn once and shown for a minute."""
    out = BytesIO()
    qr_image(matrix, module_px=module_px).save(out, format="PNG", optimize=optimize)
    return out.getvalue()


def render_qr_svg(matrix: Matrix, *, quiet_zone: int = QUIET_ZONE) -> str:
    """An SVG with one path of horizontal runs; one user unit is one module, so it scales freely."""
    side = len(matrix) + 2 * quiet_zone
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            parts.append(f"M{start + quiet_zone} {y + quiet_zone}h{x - start}v1h-{x - start}z")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {side} {side}" '
        f'width="{side * PNG_MODULE_PX}" height="{side * PNG_MODULE_PX}" '
        'shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(parts)}"/></svg>\n'
    )


def _with_quiet_zone(matrix: Matrix, quiet_zone: int) -> Matrix:
    width = len(matrix) + 2 * quiet_zone
    blank = [[False] * width for _ in range(quiet_zone)]
    pad = [False] * quiet_zone
    return blank + [pad + list(row) + pad for row in matrix] + blank
