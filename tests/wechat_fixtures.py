"""The loopback WeChat simulator on a free port, shared by tests/wechat and tests/identity.

Tests talk to it over real HTTP through the real gateway; nothing of ours is mocked.
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import delete
from werkzeug.serving import make_server

from app.extensions import db
from app.wechat.models import WeChatAccessToken

from app.wechat.gateway import reset_clients
from app.wechat.simulator import simulator_for


@dataclass
class Sim:
    base_url: str
    state: object

    def post(self, _url: str, **json):
        response = requests.post(self.base_url + _url, json=json, timeout=5)
        response.raise_for_status()
        return response.json()

    def get(self, path: str):
        return requests.get(self.base_url + path, timeout=5).json()

    def mint(self, **json) -> str:
        return self.post("/__sim/codes", **json)["code"]

    def calls(self, path: str) -> int:
        return self.get("/__sim/calls").get(path, 0)


@pytest.fixture(scope="session")
def simulator(app):
    sim_app = simulator_for(app.config)
    server = make_server("127.0.0.1", 0, sim_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Sim(f"http://127.0.0.1:{server.server_port}", sim_app.config["SIM_STATE"])
    server.shutdown()


@pytest.fixture
def wechat(app, simulator):
    """Point the app at the simulator with fresh clients, a clean simulator and fresh limits."""
    simulator.post("/__sim/reset")
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # The database token store outlives tests; the reset simulator forgot those tokens.
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(delete(WeChatAccessToken.__table__))
    app.config.update(WECHAT_API_BASE_URL=simulator.base_url + "/",
                      WECHAT_OPEN_BASE_URL=simulator.base_url + "/")
    reset_clients(app)
    app.extensions.pop("rate_limiter", None)
    app.extensions.pop("sms_backend", None)
    yield simulator
    reset_clients(app)


def demo_code(who: str) -> str:
    """A fresh single-use wx.login code for demo person `who`."""
    return f"demo:{who}:{uuid.uuid4().hex[:8]}"


def login(client, who: str = "alice") -> tuple[str, dict]:
    response = client.post("/api/v1/auth/login", json={"code": demo_code(who)})
    assert response.status_code == 200, response.json
    return response.json["token"], {"Authorization": f"Bearer {response.json['token']}"}


def phone_code(phone: str) -> str:
    """A fresh single-use getPhoneNumber code for `phone`."""
    return f"phone:{phone}:{uuid.uuid4().hex[:8]}"
