"""A loopback WeChat platform that ships with the project: `flask --app wsgi wechat simulator`.

It is its own small Flask app with in-memory state. Point WECHAT_API_BASE_URL and
WECHAT_OPEN_BASE_URL at it and the real gateway code runs against it over HTTP (docs/wechat.md).
"""
from __future__ import annotations

from flask import Flask, redirect

from app.wechat.simulator.state import App, State

ORIGINAL_ID = "gh_demo_official"


def create_simulator(*, mp_appid: str, mp_secret: str, oa_appid: str, oa_secret: str,
                     oa_token: str, oa_aes_key: str,
                     push_target: str = "http://127.0.0.1:5000/wechat/push") -> Flask:
    sim = Flask(__name__)
    state = State()
    state.apps[mp_appid] = App(mp_appid, mp_secret, "mp")
    state.apps[oa_appid] = App(oa_appid, oa_secret, "oa")
    sim.config.update(SIM_STATE=state, SIM_MP_APPID=mp_appid, SIM_OA_APPID=oa_appid,
                      SIM_OA_TOKEN=oa_token, SIM_OA_AES_KEY=oa_aes_key,
                      SIM_OA_ORIGINAL_ID=ORIGINAL_ID, SIM_PUSH_TARGET=push_target)
    sim.json.ensure_ascii = False

    from app.wechat.simulator.control import bp as control_bp
    from app.wechat.simulator.platform import api, open_bp

    sim.register_blueprint(api)
    sim.register_blueprint(open_bp)
    sim.register_blueprint(control_bp)
    sim.add_url_rule("/", "home", lambda: redirect("/__sim/"))
    return sim


def simulator_for(config) -> Flask:
    """A simulator that knows the appids and secrets of the given app config."""
    return create_simulator(
        mp_appid=config["WECHAT_MP_APPID"], mp_secret=config["WECHAT_MP_SECRET"],
        oa_appid=config["WECHAT_OA_APPID"], oa_secret=config["WECHAT_OA_SECRET"],
        oa_token=config["WECHAT_OA_TOKEN"], oa_aes_key=config["WECHAT_OA_AES_KEY"],
        push_target=config["PUBLIC_BASE_URL"] + "/wechat/push")
