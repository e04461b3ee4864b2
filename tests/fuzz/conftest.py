from tests.wechat_fixtures import simulator, wechat  # noqa: F401  (login and phone codes)
