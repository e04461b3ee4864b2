"""Running calls at the same moment, for race tests."""
from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(calls: list[Callable[[], object]], timeout: float = 60) -> list:
    """Start every call in a thread of its own, released together by a barrier; their results
    (in finishing order)."""
    barrier = threading.Barrier(len(calls))
    results: list = []

    def run(call):
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
