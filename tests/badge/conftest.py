import io

import pytest
from PIL import Image

from tests.ci import IN_CI

# The QR decoder reads back every code these tests draw. A developer without it skips them; in CI
# its absence fails the run (a skip here would hide the whole directory behind one line).
if IN_CI:
    import zxingcpp
else:
    zxingcpp = pytest.importorskip("zxingcpp")


@pytest.fixture
def decode():
    """`decode(image_or_png_bytes)` → the texts a real QR decoder (zxing-cpp) reads from it."""
    def read(image) -> list[str]:
        if isinstance(image, (bytes, bytearray)):
            image = Image.open(io.BytesIO(image))
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]
    return read


class FakeClock:
    """The live badge's clock (app.extensions["live_badge_clock"]), moved by hand: each app
    server of a multi-server test is this clock read with its own offset."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(app):
    """Real time, rounded to 5 s into the current 30 s step, then only moved by the test."""
    import time
    from app.badge.presence import CLOCK
    fake = FakeClock(time.time() // 30 * 30 + 5)
    app.extensions[CLOCK] = fake
    yield fake
    app.extensions.pop(CLOCK, None)
