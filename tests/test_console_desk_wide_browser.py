"""The agent desktop (#16) in real headless Chromium against the web service alone: readable on a
1920×1080 monitor (beside the 1366×768 test in test_console_desk_browser.py), and the urgent-ticket
tone — browsers keep sound off until the page gets a click or key press, so before that the badge,
the alert with its hint and the page title carry the alert; after the agent's first click the tone
sounds for the next urgent ticket. The browser runs with the autoplay policy that requires a user
gesture, as desktop Chrome does for a page the user has not played sound on."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy.orm import Session

from tests.test_portal_browser import console_login, start_chromium, wait
from tests.test_supervision_browser import web  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def gesture_browser():
    driver = start_chromium("--autoplay-policy=user-gesture-required", size="1920,1080")
    yield driver
    driver.quit()


@pytest.fixture
def dispatcher(web):
    from bot.auth import service as auth
    from bot.db import sync_engine
    from bot.settings import get_settings

    base, _ = web
    url = get_settings().database_url
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        auth.sync_departments(s)
        auth.add_user(s, "desk1", "dispatcher", display_name="王小丽")
        token = auth.issue_token(s, "desk1")
    engine.dispose()
    return base, token, url


def urgent_ticket(url: str, text: str) -> dict:
    from bot.auth.service import Principal
    from bot.db import dispose_engine
    from bot.tickets import service

    async def run():
        try:
            return await service.create_ticket({"description": text, "category": "求助", "urgent": True,
                                                "contact_phone": "13800001234"},
                                               actor=Principal("seed", "dispatcher"), url=url,
                                               auto_dispatch=False, link=False)
        finally:
            await dispose_engine()
    return asyncio.run(run())


def sound(driver) -> dict:
    return driver.execute_script(
        "var s = GovConsole.desk.sound; return {state: s.ctx ? s.ctx.state : null, played: s.played, missed: s.missed}")


def test_readable_at_1920_by_1080(gesture_browser, dispatcher):
    browser = gesture_browser
    base, token, _ = dispatcher
    browser.set_window_size(1920, 1080)
    console_login(browser, base, token)
    for tab in ("call", "queue", "chat", "dashboard", "supervision"):
        buttons = browser.find_elements("css selector", f"#gc-tabs button[data-tab='{tab}']")
        if not buttons or not buttons[0].is_displayed():
            continue
        buttons[0].click()
        time.sleep(1)
        width, inner, used = browser.execute_script(
            "var m = document.getElementById('gc-app');"
            "return [document.documentElement.scrollWidth, window.innerWidth, m.getBoundingClientRect().width]")
        assert width <= inner, (tab, width, inner)     # no sideways scrolling
        assert used >= 1200, (tab, used)               # the wide screen is used, not a 1366 column
        size = browser.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 14
    # the queue's columns keep their text on one line and the search bar fits in one row
    browser.find_element("css selector", "#gc-tabs button[data-tab='queue']").click()
    bar = browser.execute_script(
        "var b = document.getElementById('queue-q').parentElement.getBoundingClientRect(); return b.height")
    assert bar < 80


def test_alert_tone_after_the_first_interaction_and_a_badge_before_it(gesture_browser, dispatcher):
    browser = gesture_browser
    base, token, url = dispatcher
    console_login(browser, base, token)
    # a fresh page with the session kept: signed in, but no click or key press on it yet
    browser.get(f"{base}/console")
    wait(browser, lambda d: d.find_element("id", "gc-app").is_displayed(), message="not signed in")
    browser.get_log("browser")   # (what the previous test's page logged after its server stopped)
    time.sleep(1)   # the first urgent check after sign-in has run (nothing urgent yet)
    first = urgent_ticket(url, "燃气泄漏，楼道里味道很大 " + uuid.uuid4().hex[:6])
    browser.execute_script("GovConsole.desk.checkUrgent()")
    wait(browser, lambda d: d.find_element("id", "queue-urgent-count").text == "1", message="no badge")
    badge = browser.find_element("id", "queue-urgent-count")
    assert badge.is_displayed()
    assert browser.title.startswith("【紧急1】")
    hint = browser.find_element("id", "queue-sound")
    assert first["ticket_no"] in browser.find_element("id", "queue-alert").get_attribute("textContent")
    assert "提示音未开启" in hint.get_attribute("textContent") and hint.get_attribute("hidden") is None
    state = sound(browser)
    assert state["played"] == 0 and state["missed"] == 1 and state["state"] in (None, "suspended")

    # the agent's first click anywhere turns the tone on; the next urgent ticket sounds
    browser.find_element("id", "gc-who").click()
    wait(browser, lambda d: sound(d)["state"] == "running", message="sound not unlocked by the click")
    second = urgent_ticket(url, "有人被困电梯 " + uuid.uuid4().hex[:6])
    browser.execute_script("GovConsole.desk.checkUrgent()")
    wait(browser, lambda d: d.find_element("id", "queue-urgent-count").text == "2", message="badge not updated")
    assert sound(browser)["played"] == 1
    assert browser.find_element("id", "queue-sound").get_attribute("hidden") is not None
    assert second["ticket_no"] in browser.find_element("id", "queue-alert").get_attribute("textContent")
    assert browser.title.startswith("【紧急2】")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors
