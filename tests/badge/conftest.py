import io

import pytest
from PIL import Image

zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture
def decode():
    """`decode(image_or_png_bytes)` → the texts a real QR decoder (zxing-cpp) reads from it."""
    def read(image) -> list[str]:
        if isinstance(image, (bytes, bytearray)):
            image = Image.open(io.BytesIO(image))
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]
    return read
