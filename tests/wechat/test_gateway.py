"""The gateway against the simulator over real HTTP: shapes, typed errors, token handling."""
from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import create_engine

from app.wechat import gateway
from app.wechat.errors import (WeChatBusy, WeChatCodeInvalid, WeChatError, WeChatRateLimited,
                               WeChatTokenExpired, WeChatUnavailable)
from app.wechat.models import WeChatAccessToken
from app.wechat.tokens import DatabaseTokenStore, RedisTokenStore


def test_code_to_session_gives_the_minted_identity(wechat):
    code = wechat.mint(kind="login", openid="o_test_1", unionid="u_test_1")
    session = gateway.code_to_session(code)
    assert (session.openid, session.unionid) == ("o_test_1", "u_test_1")
    assert session.session_key


def test_demo_codes_follow_the_documented_convention(wechat):
    session = gateway.code_to_session("demo:alice:x1")
    assert session.openid == "omp_alice" and session.unionid == "un_alice"


@pytest.mark.parametrize("setup, errcode", [
    (lambda sim: "no-such-code", 40029),
    (lambda sim: gateway.code_to_session(c := sim.mint(kind="login", openid="o1")) and c, 40163),
    (lambda sim: (sim.mint(kind="login", openid="o1"),
                  sim.post("/__sim/clock", advance=301))[0], 40029),
])
def test_invalid_used_and_expired_codes(wechat, setup, errcode):
    code = setup(wechat)
    with pytest.raises(WeChatCodeInvalid) as caught:
        gateway.code_to_session(code)
    assert caught.value.errcode == errcode
    assert caught.value.status == 400 and caught.value.code == "wechat_code_invalid"


def test_rate_limit_and_busy_become_503_with_retry_after(wechat):
    wechat.post("/__sim/faults", path="sns/jscode2session", errcode=45011)
    wechat.post("/__sim/faults", path="sns/jscode2session", errcode=-1)
    with pytest.raises(WeChatRateLimited) as limited:
        gateway.code_to_session("demo:bob:1")
    assert limited.value.status == 503 and limited.value.headers["Retry-After"] == "60"
    with pytest.raises(WeChatBusy) as busy:
        gateway.code_to_session("demo:bob:2")
    assert busy.value.code == "wechat_busy" and busy.value.headers["Retry-After"]


def test_expired_token_is_refreshed_once_and_the_call_succeeds(wechat):
    assert gateway.phone_number("phone:13800000001") == "13800000001"
    assert wechat.calls("cgi-bin/token") == 1
    wechat.post("/__sim/tokens/expire")
    assert gateway.phone_number("phone:13800000002") == "13800000002"
    assert wechat.calls("cgi-bin/token") == 2
    assert gateway.phone_number("phone:13800000003") == "13800000003"
    assert wechat.calls("cgi-bin/token") == 2   # the new token is shared, not fetched again


def test_token_refresh_retries_are_bounded(wechat):
    wechat.post("/__sim/faults", path="wxa/business/getuserphonenumber", errcode=40001, times=10)
    with pytest.raises(WeChatTokenExpired):
        gateway.phone_number("phone:13800000001")
    assert wechat.calls("wxa/business/getuserphonenumber") == 2   # first try + one retry


def test_wxacode_returns_png_bytes_and_validates_the_scene(wechat):
    image = gateway.wxa_code_unlimited("abcDEF123_-", page="pages/badge/index")
    assert image.startswith(b"\x89PNG")
    with pytest.raises(WeChatError) as caught:
        gateway.wxa_code_unlimited("x" * 33)
    assert caught.value.errcode == 40169


def test_subscribe_and_template_messages(wechat):
    gateway.send_subscribe_message("omp_alice", "TPL1", {"thing1": "您好"}, page="pages/x")
    gateway.send_template_message("ooa_alice", "TPL2", {"first": "您好"}, url="http://x/")
    sent = wechat.get("/__sim/messages")["items"]
    assert [(m["kind"], m["touser"]) for m in sent] == [("subscribe", "omp_alice"),
                                                        ("template", "ooa_alice")]


def test_oauth_base_scope_gives_the_openid(wechat, app):
    url = gateway.oauth_authorize_url("http://rating.test/h5/oauth/callback", "st4te")
    assert url.startswith(wechat.base_url + "/connect/oauth2/authorize?") and "snsapi_base" in url
    answer = requests.get(url.split("#")[0], cookies={"sim_user": "carol"},
                          allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert "state=st4te" in answer.headers["Location"]
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    identity = gateway.oauth_exchange(code)
    assert identity.openid == "ooa_carol" and identity.scope == "snsapi_base"


def test_unreachable_platform_is_a_clear_503(app, wechat):
    app.config["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9/"   # discard port: refused at once
    gateway.reset_clients(app)
    with pytest.raises(WeChatUnavailable) as caught:
        gateway.code_to_session("demo:x:1")
    assert caught.value.status == 503 and caught.value.headers["Retry-After"] == "5"


def _concurrent_refresh(store, workers: int = 6) -> tuple[set, int]:
    fetches, lock, results = [], threading.Lock(), []

    def fetch():
        with lock:
            fetches.append(1)
        threading.Event().wait(0.3)   # a slow platform: the others must wait, not refetch
        return f"token-{len(fetches)}", 7200

    threads = [threading.Thread(target=lambda: results.append(store.get_or_refresh("wxA", fetch)))
               for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return set(results), len(fetches)


def test_database_token_store_refreshes_once_for_all_workers(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tokens.db'}",
                           connect_args={"check_same_thread": False, "timeout": 10})
    WeChatAccessToken.__table__.create(engine)
    store = DatabaseTokenStore(engine)
    tokens, fetches = _concurrent_refresh(store)
    assert (tokens, fetches) == ({"token-1"}, 1)
    # A token WeChat rejected is replaced once, however many workers saw the rejection.
    tokens, fetches = _concurrent_refresh_stale(store, "token-1")
    assert (tokens, fetches) == ({"token-2"}, 1)


def _concurrent_refresh_stale(store, stale):
    fetches, results = [], []

    def fetch():
        fetches.append(1)
        threading.Event().wait(0.2)
        return "token-2", 7200

    threads = [threading.Thread(target=lambda: results.append(
        store.get_or_refresh("wxA", fetch, stale=stale))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return set(results), len(fetches)


def _first_read_misses(read):
    """A read that, the first time, answers as it would have a moment earlier: before another
    worker stored its token and let the lease go."""
    calls = []

    def stale_once(*args):
        calls.append(1)
        return None if len(calls) == 1 else read(*args)
    return stale_once


def test_database_token_store_does_not_refetch_a_token_stored_after_its_read(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tokens.db'}")
    WeChatAccessToken.__table__.create(engine)
    store = DatabaseTokenStore(engine)
    assert store.get_or_refresh("wxA", lambda: ("token-1", 7200)) == "token-1"   # lease free
    store._read = _first_read_misses(store._read)
    _assert_the_stored_token_is_taken(store)


def _assert_the_stored_token_is_taken(store):
    fetches = []
    token = store.get_or_refresh("wxA", lambda: fetches.append(1) or ("token-2", 7200))
    assert (token, fetches) == ("token-1", [])
    # …and the lease it claimed is free again for the next real refresh.
    assert store.get_or_refresh("wxA", lambda: ("token-3", 7200), stale="token-1") == "token-3"


def test_redis_token_store_does_not_refetch_a_token_stored_after_its_read(redis_url):
    import uuid

    import redis
    client = redis.Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=0.5)
    store = RedisTokenStore(client, prefix=f"test:{uuid.uuid4().hex}:")
    assert store.get_or_refresh("wxA", lambda: ("token-1", 7200)) == "token-1"

    class FirstGetMisses:
        def __init__(self, real):
            self.real, self.get = real, _first_read_misses(real.get)

        def __getattr__(self, name):
            return getattr(self.real, name)

    store.redis = FirstGetMisses(client)
    _assert_the_stored_token_is_taken(store)


def test_redis_token_store_refreshes_once(redis_url):
    import redis
    client = redis.Redis.from_url(redis_url, decode_responses=True, socket_connect_timeout=0.5)
    import uuid
    store = RedisTokenStore(client, prefix=f"test:{uuid.uuid4().hex}:")
    tokens, fetches = _concurrent_refresh(store)
    assert (tokens, fetches) == ({"token-1"}, 1)
