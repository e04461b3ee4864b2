"""The H5 landing in a real headless Chromium, served over loopback by the app itself."""
import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server

from app.badge import service
from app.extensions import db
from tests import factories

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.real_commits,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed "
                                 "(Debian package chromium; bin/setup with WITH_BROWSER=1)")]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _chromium(url: str, tmp_path, *extra: str) -> str:
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=390,844", *extra, url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=90)
    return done.stdout


def test_landing_renders_in_chromium(app, live_server, tmp_path):
    with app.app_context():
        technician = factories.technician(name="黄晓明", team="城东装维一班")
        token = service.badge_token(service.get_or_create_badge(technician))
        rotated = factories.technician(name="周杰")
        old = service.badge_token(service.get_or_create_badge(rotated))
        service.rotate_badge(technician=rotated)
        db.session.commit()

    dom = _chromium(f"{live_server}/b/{token}", tmp_path, "--dump-dom")
    assert 'id="technician-name">黄晓明<' in dom
    assert "工牌有效" in dom and "城东装维一班" in dom

    screenshot = tmp_path / "landing.png"
    _chromium(f"{live_server}/b/{token}", tmp_path, f"--screenshot={screenshot}")
    assert screenshot.stat().st_size > 5000

    gone = _chromium(f"{live_server}/b/{old}", tmp_path, "--dump-dom")
    assert "此工牌已更换" in gone and "周杰" not in gone
    forged = _chromium(f"{live_server}/b/AAAAAAAAAAAAAAAAAAAAAAAAAA", tmp_path, "--dump-dom")
    assert "无法识别此工牌" in forged
