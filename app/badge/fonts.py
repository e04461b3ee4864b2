"""Find a CJK font for the badge card. Without one Pillow draws Chinese as empty boxes, so a missing
font is an error that names the Debian package to install, never a silently broken card.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

# Debian package providing the preferred font; bin/setup installs it.
FONT_PACKAGE = "fonts-noto-cjk"
# Simplified-Chinese faces first: the same code point is drawn differently in SC, TC and JP.
PREFERRED_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                      "WenQuanYi Micro Hei", "Noto Sans CJK TC", "Noto Sans CJK JP")
# Where the Debian packages put them, for machines without fontconfig's fc-list.
KNOWN_FACES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
     "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


class FontMissing(RuntimeError):
    def __init__(self, detail: str = ""):
        super().__init__(
            f"no CJK font for badge cards{': ' + detail if detail else ''}; install the Debian "
            f"package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or set BADGE_FONT_PATH")


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0


@dataclass(frozen=True)
class CjkFonts:
    regular: FontFace
    bold: FontFace


def find_cjk_fonts(override: str | None = None) -> CjkFonts:
    """The CJK faces to draw with: `override` (a font file) if given, else the best installed."""
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"BADGE_FONT_PATH {override!r} is not a file")
        face = FontFace(override, 0)
        return CjkFonts(face, face)
    fonts = _from_fontconfig() or _from_known_paths()
    if fonts is None:
        raise FontMissing()
    return fonts


def _from_fontconfig() -> CjkFonts | None:
    if not shutil.which("fc-list"):
        return None
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=zh-cn", "--format", "%{file}\t%{index}\t%{family}\t%{style}\n"],
            capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces: dict[tuple[str, str], FontFace] = {}
    for line in listing.splitlines():
        file, index, families, styles = (line.split("\t") + ["", "", ""])[:4]
        weight = "bold" if "Bold" in styles.split(",") else (
            "regular" if "Regular" in styles.split(",") or not styles else "")
        for family in families.split(","):
            if weight and index.isdigit():
                faces.setdefault((family, weight), FontFace(file, int(index)))
    for family in PREFERRED_FAMILIES:
        regular = faces.get((family, "regular"))
        if regular:
            return CjkFonts(regular, faces.get((family, "bold"), regular))
    return None


def _from_known_paths() -> CjkFonts | None:
    for regular, bold, index in KNOWN_FACES:
        if Path(regular).is_file():
            bold = bold if Path(bold).is_file() else regular
            return CjkFonts(FontFace(regular, index), FontFace(bold, index))
    return None


@lru_cache(maxsize=64)
def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    # Loading a 20 MB collection costs milliseconds; a card uses a handful of sizes, many times.
    return ImageFont.truetype(face.path, size=size, index=face.index)
