"""The per-process QR memo: bounded in time and size, forgets a technician on rotation."""
from app.badge.memo import QrMemo


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_hit_until_the_ttl_runs_out():
    clock = Clock()
    memo = QrMemo(ttl=10, clock=clock)
    memo.put("TOKEN", "qr_png", technician_id=7, etag="e", data=b"png")
    assert memo.get("TOKEN", "qr_png").data == b"png"
    assert memo.get("TOKEN", "qr_svg") is None
    clock.now += 10
    assert memo.get("TOKEN", "qr_png") is None


def test_forget_drops_every_token_of_the_technician():
    memo = QrMemo(ttl=10)
    memo.put("OLD", "qr_png", technician_id=7, etag="e", data=b"1")
    memo.put("OLD", "qr_svg", technician_id=7, etag="e", data=b"2")
    memo.put("OTHER", "qr_png", technician_id=8, etag="e", data=b"3")
    memo.forget(7)
    assert memo.get("OLD", "qr_png") is None and memo.get("OLD", "qr_svg") is None
    assert memo.get("OTHER", "qr_png") is not None


def test_size_is_bounded_least_recently_used_first():
    memo = QrMemo(ttl=10, max_entries=2)
    memo.put("A", "qr_png", technician_id=1, etag="e", data=b"a")
    memo.put("B", "qr_png", technician_id=2, etag="e", data=b"b")
    memo.get("A", "qr_png")
    memo.put("C", "qr_png", technician_id=3, etag="e", data=b"c")
    assert memo.get("B", "qr_png") is None
    assert memo.get("A", "qr_png") is not None and memo.get("C", "qr_png") is not None


def test_ttl_zero_turns_it_off():
    memo = QrMemo(ttl=0)
    memo.put("A", "qr_png", technician_id=1, etag="e", data=b"a")
    assert memo.get("A", "qr_png") is None
