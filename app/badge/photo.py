"""Technician photos: an uploaded file checked and turned into a small clean JPEG. Pure: bytes
in, bytes out (no database, no Flask).

An upload is never stored as sent. It is decoded by Pillow (JPEG, PNG or WebP only), refused
before decoding when its header claims more pixels than a photo needs (decompression bombs),
turned upright by its EXIF orientation, cropped to a square around the face's usual place and
re-encoded — which leaves EXIF (GPS position, camera serial), ICC profiles and anything appended
to the file behind.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_SOURCE_PIXELS = 40_000_000     # a 48-megapixel phone camera shot is about this
MIN_SIDE = 120                      # smaller shows nobody recognisably on a printed card
OUTPUT_SIDE = 480                   # the card's avatar is 150 px; pages show ≤ 104 css px at 3×
JPEG_QUALITY = 85
# Faces sit in the upper part of a portrait: crop a tall photo nearer its top than its middle.
CROP_CENTRE = (0.5, 0.35)


class PhotoRejected(ValueError):
    """Why an upload cannot be a photo; `code` is the stable API error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Photo:
    data: bytes
    etag: str
    width: int
    height: int


def prepare_photo(raw: bytes, *, max_bytes: int) -> Photo:
    """The stored form of an uploaded photo, or PhotoRejected saying what is wrong with it."""
    if not raw:
        raise PhotoRejected("photo_missing", "没有收到照片文件 (no photo in the request)")
    if len(raw) > max_bytes:
        raise PhotoRejected("photo_too_large",
                            f"照片文件不能超过 {max_bytes // (1024 * 1024)} MB (photo too large)")
    image = _open(raw)
    width, height = image.size
    if width * height > MAX_SOURCE_PIXELS:
        raise PhotoRejected("photo_too_many_pixels",
                            f"照片像素过多（{width}×{height}），请缩小后上传 (too many pixels)")
    if min(width, height) < MIN_SIDE:
        raise PhotoRejected("photo_too_small",
                            f"照片太小（{width}×{height}），短边至少 {MIN_SIDE} 像素 (photo too small)")
    try:
        image = ImageOps.exif_transpose(image)
        image = _flatten(image)
        square = ImageOps.fit(image, (min(OUTPUT_SIDE, *image.size),) * 2,
                              method=Image.Resampling.LANCZOS, centering=CROP_CENTRE)
    except (OSError, ValueError, SyntaxError) as exc:     # truncated or corrupt pixel data
        raise PhotoRejected("photo_unreadable", "照片文件已损坏，无法读取 (photo unreadable)") from exc
    out = BytesIO()
    square.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    data = out.getvalue()
    return Photo(data=data, etag=hashlib.sha256(data).hexdigest()[:32], width=square.width,
                 height=square.height)


def _open(raw: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice its limit refuses) on huge images; we check the size
            # ourselves, against a stricter limit, before any pixel is decoded.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(raw), formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("photo_too_many_pixels",
                            "照片像素过多，请缩小后上传 (too many pixels)") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise PhotoRejected("photo_unsupported_type",
                            "只接受 JPEG、PNG 或 WebP 格式的照片 (JPEG, PNG or WebP only)") from exc
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and a transparent PNG would turn black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")
