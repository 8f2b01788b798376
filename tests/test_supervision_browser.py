"""The console's 电子监察 tab in real headless Chromium against the web service alone (no Rasa):
the supervisor sees the board's lights, three ECharts charts and the overdue list and marks a case
督办; a department handler sees the red warning and no board. No script error, no CSP violation."""
from __future__ import annotations

import asyncio
import socket
import threading
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy.orm import Session

from tests.approvals_helpers import application_row
from tests.test_portal_browser import browser, console_login, wait  # noqa: F401  (fixture, helper)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web(tmp_path, monkeypatch):
    """create_app() on a real port in a thread of its own, over a fresh SQLite database."""
    from aiohttp import web as aioweb

    from bot.auth import service as auth
    from bot.db import migrate, sync_engine
    from bot.settings import reload_settings
    from bot.web.app import create_app

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    reload_settings()
    migrate.upgrade(url)
    tokens = {}
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_department(s, "区住建局")
        for name, role, dep in (("s1", "supervisor", None), ("zj1", "handler", "区住建局"), ("feed", "system", None)):
            auth.add_user(s, name, role, dep)
            tokens[name] = auth.issue_token(s, name)
    engine.dispose()
    port, ready, box = _free_port(), threading.Event(), {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = aioweb.AppRunner(create_app())
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(aioweb.TCPSite(runner, "127.0.0.1", port).start())
        box["loop"], box["runner"] = loop, runner
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    yield f"http://127.0.0.1:{port}", tokens
    box["loop"].call_soon_threadsafe(box["loop"].stop)
    thread.join(30)
    monkeypatch.undo()
    reload_settings()


def _login(driver, base, token):
    console_login(driver, base, token, "supervision")
    wait(driver, lambda d: "更新于" in d.find_element("id", "sup-info").text, message="tab not loaded")


def test_supervisor_board_and_handler_warnings(browser, web):
    base, tokens = web
    start = date.today() - timedelta(days=40)   # long overdue whatever the day
    row = application_row("SP2026990001", department="区住建局", submitted_at=f"{start}T09:00:00+08:00",
                          events=[{"stage": "受理", "at": f"{start}T10:00:00+08:00"}])
    resp = requests.post(f"{base}/api/approvals/applications", json={"rows": [row]},
                         headers={"Authorization": f"Bearer {tokens['feed']}"}, timeout=30)
    assert resp.status_code == 200 and resp.json()["inserted"] == 1

    browser.get_log("browser")
    _login(browser, base, tokens["s1"])
    canvases = browser.execute_script(
        "return ['sup-chart-deps','sup-chart-stages','sup-chart-weeks']"
        ".map(id => document.querySelectorAll('#' + id + ' canvas').length)")
    assert all(n >= 1 for n in canvases), canvases
    rows = browser.find_elements("css selector", "#sup-overdue tr")
    assert len(rows) == 1 and "SP2026990001" in rows[0].text and "承办" in rows[0].text
    assert "红灯警示" in browser.find_element("id", "sup-warnings").text
    browser.execute_script("window.prompt = function () { return '请三日内办结'; }")
    rows[0].find_element("css selector", "button").click()
    wait(browser, lambda d: "已督办" in d.find_element("id", "sup-overdue").text, message="督办 not shown")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors

    _login(browser, base, tokens["zj1"])
    warnings = browser.find_element("id", "sup-warnings").text
    assert "红灯警示" in warnings and "督办" in warnings
    assert browser.find_element("id", "sup-count").text.strip() == "2"   # red warning + 督办, unread
    browser.find_element("css selector", "#sup-warnings li button.gc-link").click()
    wait(browser, lambda d: d.find_element("id", "sup-count").text.strip() == "1", message="not marked read")
    assert not browser.find_element("id", "sup-board").is_displayed()


def test_supervision_warnings_in_the_banner_for_department_and_supervisor(browser, web):
    """The 督办提醒 banner above the tabs carries the stage warnings too: the department's red
    warning for its handler, the escalation for the supervisor; 知道了 there marks it read."""
    base, tokens = web
    start = date.today() - timedelta(days=40)
    row = application_row("SP2026990002", department="区住建局", submitted_at=f"{start}T09:00:00+08:00",
                          events=[{"stage": "受理", "at": f"{start}T10:00:00+08:00"}])
    resp = requests.post(f"{base}/api/approvals/applications", json={"rows": [row]},
                         headers={"Authorization": f"Bearer {tokens['feed']}"}, timeout=30)
    assert resp.status_code == 200

    browser.get_log("browser")
    console_login(browser, base, tokens["zj1"])    # the handler's own tab, not 电子监察
    banner = wait(browser, lambda d: d.find_element("id", "gc-inbox") if d.find_element("id", "gc-inbox").is_displayed()
                  else None, message="no 督办提醒 banner")
    items = banner.find_elements("css selector", "#gc-inbox-items li")
    assert len(items) == 1 and "【电子监察】" in items[0].text and "SP2026990002" in items[0].text
    assert "红灯警示" in items[0].text and "gc-inbox-escalation" in items[0].get_attribute("class")
    assert browser.find_element("id", "gc-inbox-count").text.strip() == "1"
    items[0].find_element("css selector", "button[data-source='supervision']").click()
    wait(browser, lambda d: not d.find_element("id", "gc-inbox").is_displayed(), message="not marked read")
    read = requests.get(f"{base}/api/supervision/notifications",
                        headers={"Authorization": f"Bearer {tokens['zj1']}"}, timeout=30).json()
    assert read["unread"] == 0

    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors  # the handler's session
    console_login(browser, base, tokens["s1"])
    wait(browser, lambda d: d.find_element("id", "gc-inbox").is_displayed(), message="no banner for the supervisor")
    # A request the handler's page had in flight when the user switched may be refused (401) on the
    # way out; the supervisor's page is checked from its own load on.
    browser.get_log("browser")
    browser.refresh()
    wait(browser, lambda d: d.find_element("id", "gc-inbox").is_displayed(), message="no banner after a reload")
    text = browser.find_element("id", "gc-inbox-items").text
    assert "【电子监察·督办】" in text and "SP2026990002" in text and "区住建局" in text
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors
