"""An admin in real headless Chromium finds a dead task on 后台任务 and runs it again."""
from __future__ import annotations

import os

import pytest

from app import tasks
from app.console import service as console
from app.extensions import db
from tests.tasks_helpers import CALLS, FAILURES, fresh_tasks  # noqa: F401

pytestmark = pytest.mark.real_commits
PASSWORD = "demo-password-2026"


def test_admin_sees_the_dead_letter_and_retries_it(app, live_server, browser, screenshot_dir,
                                                    fresh_tasks):
    with app.app_context():
        console.create_user(username="demo-admin", role="admin", password=PASSWORD,
                            display_name="系统管理员")
        FAILURES["left"] = 3
        tasks.enqueue("test.flaky", value="短信")
        db.session.commit()
        tasks.drain()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server}/console/")
    page.fill("#username", "demo-admin")
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.click("text=后台任务")
    row = page.locator("#task-table tr.task-dead")
    assert "test.flaky" in row.inner_text() and "provider down" in row.inner_text()
    assert "失败" in row.inner_text() and "3/3" in row.inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, "console_tasks_dead.png"), full_page=True)
    row.locator("button", has_text="重试").click()
    done = page.locator("#task-table tr.task-done")
    assert "test.flaky" in done.inner_text() and "完成" in done.inner_text()
    assert CALLS == ["短信"]
    page.screenshot(path=os.path.join(screenshot_dir, "console_tasks_retried.png"), full_page=True)
    context.close()
