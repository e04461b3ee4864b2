"""A small per-process memo of QR images, so a hot QR is served without a database round trip.

Why a QR image may be served from memory for a few seconds while the landing page and the API
check the badge on every request: a QR image only draws its token's URL, it is the same bytes
for as long as the token exists, and it is already sent `Cache-Control: public, max-age=86400`,
so browsers and CDNs keep serving it after a rotation anyway. What must take effect at once —
the URL answering 410 — never goes through this memo. Forged tokens never reach it either: the
MAC is checked before anything is remembered, and only badges the database called current are;
entries are keyed by the exact token, so a hit needs no token check at all.

Rotating or revoking in this process forgets the technician at once; other worker processes
follow within `ttl` seconds (BADGE_QR_MEMO_SECONDS, 0 turns the memo off).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class MemoEntry:
    technician_id: int
    etag: str
    data: bytes
    expires: float


class QrMemo:
    def __init__(self, *, ttl: float, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], MemoEntry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str, kind: str) -> MemoEntry | None:
        if self.ttl <= 0:
            return None
        key = (token, kind)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, token: str, kind: str, *, technician_id: int, etag: str, data: bytes) -> None:
        if self.ttl <= 0:
            return
        entry = MemoEntry(technician_id, etag, data, self._clock() + self.ttl)
        with self._lock:
            self._entries[(token, kind)] = entry
            self._entries.move_to_end((token, kind))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, technician_id: int) -> None:
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.technician_id == technician_id]:
                del self._entries[key]
