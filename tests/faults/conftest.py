"""Fault tests: the service under broken dependencies. Each test is bounded in time (SIGALRM), so
a regression that hangs a worker fails the test instead of hanging the suite."""
from __future__ import annotations

import signal
import socket

import pytest

TEST_SECONDS = 120


class FaultTestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _bounded():
    def expire(*_):
        raise FaultTestTimeout(f"fault test ran longer than {TEST_SECONDS}s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
