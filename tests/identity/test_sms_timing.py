"""Issue 17 (high): `POST /api/v1/bindings/sms` told whether an account exists by its time — the
SMS provider was called inside the request, only for real accounts (313.6 ms against 7.3 ms).

Now the request does the same for every account_no (count the user's request, enqueue a task)
and the provider is only ever called after the response. The test drives the real HTTP SMS
backend against a local provider that takes 300 ms, and checks where the call happens rather
than timing one request (bench/sms_timing.py compares the answer times over many requests).
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import has_request_context

from app.identity.sms import HttpSmsBackend
from tests import factories
from tests.wechat_fixtures import login


class _SlowProvider(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.3)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_provider(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowProvider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SlowProvider.received = []
    backend = HttpSmsBackend(f"http://127.0.0.1:{server.server_port}/send", None, "中国电信")
    calls = []
    original = backend.send

    def send(sms):
        calls.append(has_request_context())
        original(sms)

    backend.send = send
    monkeypatch.setitem(app.extensions, "sms_backend", backend)
    monkeypatch.setitem(app.config, "TASKS_EAGER", False)     # production: after the response
    yield calls
    server.shutdown()


def test_the_provider_is_never_called_inside_the_request(client, wechat, slow_provider):
    account = factories.account(phone="13900017017")
    _, headers = login(client, "sms-timing")
    for account_no in (account.account_no, "NO-SUCH-ACCOUNT-17"):
        before = len(slow_provider)
        answer = client.post("/api/v1/bindings/sms", headers=headers,
                             json={"account_no": account_no})
        assert answer.status_code == 202
        assert len(slow_provider) == before     # answered; nothing sent yet
        answer.close()                          # the server finishes the response …
    # … and only then the task ran: one SMS, for the real account, outside any request.
    assert slow_provider == [False]
    assert [body["phone"] for body in _SlowProvider.received] == ["13900017017"]


def test_the_answer_is_the_same_for_every_account(client, wechat, slow_provider):
    account = factories.account(phone="13900017018")
    _, headers = login(client, "sms-same")
    answers = [client.post("/api/v1/bindings/sms", headers=headers, json={"account_no": no})
               for no in (account.account_no, "NO-SUCH-ACCOUNT-18")]
    assert answers[0].status_code == answers[1].status_code == 202
    known, unknown = (answer.get_json() for answer in answers)
    # The masked phone differs (the real one, and a stable stand-in of the same shape) …
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", known.pop("masked_phone"))
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", unknown.pop("masked_phone"))
    # … and everything else is the same.
    assert known == unknown
    assert dict(answers[0].headers).keys() == dict(answers[1].headers).keys()
