from tests.wechat_fixtures import simulator, wechat  # noqa: F401
