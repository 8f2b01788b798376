"""The agent console in real headless Chromium against the live stack (Rasa, action server, web):
log in with a token, type what a caller says, see suggestions, insert one into the notes, create a
ticket and find it in the dispatcher's queue; the department workbench signs it; a citizen's
socket.io conversation waits in the live chat queue and the agent's reply reaches the citizen."""
from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import requests
from sqlalchemy.orm import Session

from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.test_portal_browser import browser, console_login, wait  # noqa: F401  (fixture, helper)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def tokens(channels_stack):
    """A dispatcher and a handler of 区公安分局 in the stack's database; their bearer tokens."""
    from bot.auth import service as auth
    from bot.db import migrate, sync_engine

    url = f"sqlite:///{channels_stack.var_dir / 'app.db'}"
    migrate.upgrade(url)
    engine = sync_engine(url)
    suffix = uuid.uuid4().hex[:6]
    out = {"url": url}
    with Session(engine, future=True) as s, s.begin():
        auth.sync_departments(s)
        auth.add_user(s, f"agent-{suffix}", "dispatcher")
        auth.add_user(s, f"police-{suffix}", "handler", "区公安分局")
        auth.add_user(s, f"admin-{suffix}", "admin")
        out["admin"] = auth.issue_token(s, f"admin-{suffix}")
        out["dispatcher"] = auth.issue_token(s, f"agent-{suffix}")
        out["handler"] = auth.issue_token(s, f"police-{suffix}")
    engine.dispose()
    return out


INBOX_HTML = "return document.getElementById('gc-who').textContent + ' / ' + document.getElementById('gc-inbox-items').textContent.slice(0, 300)"
INBOX_ITEMS = "return document.getElementById('gc-inbox-items').textContent"


def login(driver, stack, token: str) -> None:
    console_login(driver, stack.web, token)


def texts(driver, selector: str) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", selector)


def test_console_page_is_served_safely(channels_stack):
    resp = requests.get(f"{channels_stack.web}/console", timeout=5)
    assert resp.status_code == 200 and "12345 坐席工作台" in resp.text
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    for name in ("core.js", "call.js", "queue.js", "workbench.js", "livechat.js", "dashboard.js"):
        js = requests.get(f"{channels_stack.web}/static/console/{name}", timeout=5)
        assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
        assert ".innerHTML" not in js.text and "insertAdjacentHTML" not in js.text and "document.write" not in js.text
    echarts = requests.get(f"{channels_stack.web}/static/console/vendor/echarts.min.js", timeout=5)
    assert echarts.status_code == 200 and "Apache License" in echarts.text[:1000]
    assert requests.get(f"{channels_stack.web}/static/console/vendor/echarts.LICENSE", timeout=5).status_code == 200


def test_bad_token_is_refused(browser, channels_stack, tokens):
    browser.get(f"{channels_stack.web}/static/console/vendor/echarts.LICENSE")  # see console_login
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{channels_stack.web}/console")
    browser.find_element("css selector", "#gc-token").send_keys("not-a-token")
    browser.find_element("css selector", "#gc-login-form button").click()
    wait(browser, lambda d: d.find_element("id", "gc-login-error").text, message="no error shown")
    assert "令牌无效" in browser.find_element("id", "gc-login-error").text
    assert not browser.find_element("id", "gc-app").is_displayed()


def test_admins_see_the_calendar_banner_when_next_year_is_missing(browser, channels_stack, tokens):
    """From 1 November of the last year with a known holiday arrangement the admin's console says
    下一年度节假日安排尚未录入 (the date decides: the same coverage the stack computes); others never."""
    from bot.calendar import coverage

    degraded = not coverage().ok
    login(browser, channels_stack, tokens["admin"])
    banner = browser.find_element("id", "gc-banner")
    if degraded:
        wait(browser, lambda d: d.find_element("id", "gc-banner").is_displayed(), message="no banner")
        assert banner.text.startswith("下一年度节假日安排尚未录入") and "knowledge/holidays.yml" in banner.text
    else:
        assert not banner.is_displayed()
    login(browser, channels_stack, tokens["dispatcher"])
    assert not browser.find_element("id", "gc-banner").is_displayed()


def test_call_panel_suggests_inserts_and_creates_a_ticket(browser, channels_stack, tokens):
    login(browser, channels_stack, tokens["dispatcher"])
    assert browser.execute_script("return sessionStorage.getItem('govconsole.token')") == tokens["dispatcher"]
    box = browser.find_element("id", "call-input")
    box.send_keys("你好，我想办个护照，需要准备什么材料")
    # Suggestions arrive while typing (debounced preview), before anything is committed.
    wait(browser, lambda d: d.find_elements("css selector", "#call-suggestions li[data-id='passport']"),
         message="no passport guide suggested while typing")
    assert texts(browser, "#call-turns li") == []
    box.send_keys("\n")  # Enter commits the utterance to the call
    wait(browser, lambda d: texts(d, "#call-turns li") == ["你好，我想办个护照，需要准备什么材料"])
    wait(browser, lambda d: "意图识别暂不可用" not in d.find_element("id", "call-intent").text
         and d.find_element("id", "call-intent").text != "—", message="no intent from Rasa")
    assert "区公安分局" in browser.find_element("id", "call-departments").text
    # One click inserts the answer into the notes.
    browser.find_element("css selector", "#call-suggestions li[data-id='passport'] .gc-insert").click()
    notes = browser.find_element("id", "call-notes").get_attribute("value")
    assert "办事指南" in notes and "普通护照" in notes and "申请材料" in notes
    # A second utterance of the same call: the phone number prefills the ticket.
    box.send_keys("我的电话是13800138000，想尽快办\n")
    wait(browser, lambda d: d.find_element("id", "ticket-phone").get_attribute("value") == "13800138000",
         message="phone not prefilled")
    description = browser.find_element("id", "ticket-description").get_attribute("value")
    assert "护照" in description and "尽快办" in description
    browser.find_element("id", "ticket-create").click()
    wait(browser, lambda d: d.find_elements("css selector", "#ticket-result .gc-ticket-no"), message="no ticket created")
    ticket_no = browser.find_element("css selector", "#ticket-result .gc-ticket-no").text
    assert ticket_no.startswith("GD") and len(ticket_no) == 10
    # The ticket is in the dispatcher's queue.
    browser.find_element("css selector", "#gc-tabs button[data-tab='queue']").click()
    browser.execute_script("const s = document.getElementById('queue-status'); s.value = '';"
                           "s.dispatchEvent(new Event('change'))")
    wait(browser, lambda d: d.find_elements("css selector", f"#queue-rows tr[data-ticket='{ticket_no}']"),
         message="ticket not in the queue")
    row = browser.find_element("css selector", f"#queue-rows tr[data-ticket='{ticket_no}']").text
    assert "护照" in row
    ticket = requests.get(f"{channels_stack.web}/api/tickets/{ticket_no}", timeout=5,
                          headers={"Authorization": f"Bearer {tokens['dispatcher']}"}).json()
    assert ticket["channel"] == "hotline" and ticket["contact_phone"] == "13800138000"
    from sqlalchemy import select

    import bot.db.models  # noqa: F401
    from bot.db import sync_engine
    from bot.tickets.models import Ticket

    engine = sync_engine(tokens["url"])
    with engine.connect() as conn:
        transcript = conn.execute(select(Ticket.transcript).where(Ticket.ticket_no == ticket_no)).scalar_one()
    engine.dispose()
    assert [t["from"] for t in transcript] == ["caller", "caller", "agent_notes", "call"]
    assert "普通护照" in transcript[2]["text"] and transcript[3]["text"].startswith("通话时长 ")


def test_workbench_signs_a_ticket(browser, channels_stack, tokens):
    created = requests.post(f"{channels_stack.web}/api/tickets", timeout=10, json={
        "description": "护照加急办理咨询，需要尽快联系", "department": "区公安分局", "category": "求助"},
        headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
    assert created.status_code == 201, created.text
    no = created.json()["ticket_no"]
    login(browser, channels_stack, tokens["handler"])
    wait(browser, lambda d: d.find_elements("css selector", f"#wb-rows tr[data-ticket='{no}']"),
         message="ticket not on the workbench")
    assert browser.execute_script(  # the list re-renders on refresh: look the row up at each use
        f"return !!document.querySelector(\"#wb-rows tr[data-ticket='{no}'] .gc-light-green\")")
    browser.execute_script(f"document.querySelector(\"#wb-rows tr[data-ticket='{no}']\").click()")
    wait(browser, lambda d: d.find_elements("css selector", "#wb-detail button[data-action='sign']"))
    browser.find_element("css selector", "#wb-detail button[data-action='sign']").click()
    wait(browser, lambda d: "已签收" in d.find_element("css selector", "#wb-detail h3").text, message="not signed")
    assert browser.find_elements("css selector", "#wb-detail button[data-action='contact']")


def test_live_chat_reply_reaches_the_citizen(browser, channels_stack, tokens):
    """A citizen on the portal widget's socket.io channel asked for a human; the agent answers from
    the console and the citizen's socket receives it."""
    import socketio

    from bot.livechat import service

    session_id = uuid.uuid4().hex
    received: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    async def citizen() -> None:
        client = socketio.AsyncClient()
        client.on("session_confirm", lambda sid: ready.set())
        client.on("bot_uttered", lambda msg: received.append(msg.get("text") or ""))
        await client.connect(channels_stack.rasa, transports=["websocket"])
        await client.emit("session_request", {"session_id": session_id})
        await client.emit("user_uttered", {"message": "你好", "session_id": session_id})
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await client.disconnect()

    thread = threading.Thread(target=lambda: asyncio.run(citizen()), daemon=True)
    thread.start()
    try:
        assert ready.wait(20), "socket.io session not confirmed"
        wait(browser, lambda d: received, message="no greeting on the citizen's socket")
        # What action_request_human records in service hours (tested in tests/test_livechat.py).
        asyncio.run(service.request_handoff(session_id, "socketio", "我要找人工客服", url=tokens["url"]))
        login(browser, channels_stack, tokens["dispatcher"])
        browser.find_element("css selector", "#gc-tabs button[data-tab='chat']").click()
        wait(browser, lambda d: any("我要找人工客服" in t for t in texts(d, "#chat-list li")), message="not queued")
        items = browser.find_elements("css selector", "#chat-list li[data-id]")
        next(i for i in items if "我要找人工客服" in i.text).click()
        wait(browser, lambda d: "你好" in texts(d, "#chat-log li"), message="transcript not shown")
        before = len(received)
        reply = browser.find_element("id", "chat-reply")
        reply.send_keys("您好，我是人工客服小李，请问有什么可以帮您？\n")
        wait(browser, lambda d: len(received) > before, timeout=20, message="the reply did not reach the citizen")
        assert received[-1] == "【人工客服】您好，我是人工客服小李，请问有什么可以帮您？"
        wait(browser, lambda d: any("人工客服小李" in t for t in texts(d, "#chat-log li")))
    finally:
        stop.set()
        thread.join(10)


def test_dashboard_draws_charts(browser, channels_stack, tokens):
    browser.get_log("browser")  # earlier tests' entries (the refused token's 401)
    # Two callers told the agent about the same outage and were answered without a ticket: a hot event.
    for text in ("花桥镇白鹤村三组停水两天了，一滴水都没得", "花桥镇白鹤村停水了，到现在都没来水"):
        resp = requests.post(f"{channels_stack.web}/api/assist", timeout=10, json={"text": text, "call_id": uuid.uuid4().hex},
                             headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
        assert resp.status_code == 200, resp.text
    login(browser, channels_stack, tokens["dispatcher"])
    browser.find_element("css selector", "#gc-tabs button[data-tab='dashboard']").click()
    wait(browser, lambda d: "更新于" in d.find_element("id", "dash-info").text, message="dashboard not loaded")
    events = browser.find_element("id", "dash-events").text
    assert "白鹤村" in events and "来电已解答 2 通" in events, events
    canvases = browser.execute_script(
        "return ['chart-days','chart-categories','chart-kpi','chart-topics']"
        ".map(id => document.querySelectorAll('#' + id + ' canvas').length)")
    assert all(n >= 1 for n in canvases), canvases
    assert browser.find_elements("css selector", "#dash-kpi-rows tr"), "no department KPI rows"
    assert browser.find_element("css selector", "#dash-lights").text
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"
              and "favicon" not in e.get("message", "")]
    assert not errors, errors  # no script error, no Content-Security-Policy violation


def test_overdue_reminder_shows_and_is_acknowledged(browser, channels_stack, tokens):
    """The SLA sweep's reminder for an overdue ticket of the handler's department appears above the
    tabs; one click acknowledges it."""
    from datetime import datetime, timedelta, timezone

    from bot.db import dispose_engine
    from bot.tickets import sweep

    created = requests.post(f"{channels_stack.web}/api/tickets", timeout=10, json={
        "description": f"户口迁移材料被退回，需要部门尽快说明（{uuid.uuid4().hex[:6]}）", "department": "区公安分局",
        "category": "求助"},
        headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
    assert created.status_code == 201, created.text
    no = created.json()["ticket_no"]
    assert created.json()["link"] is None, "a ticket joined to an event's lead gets no reminder of its own"

    async def overdue_sweep():
        try:
            await sweep.sweep_lights_and_reminders(tokens["url"], now=datetime.now(timezone.utc) + timedelta(days=30))
        finally:
            await dispose_engine()

    asyncio.run(overdue_sweep())
    login(browser, channels_stack, tokens["handler"])
    listed = requests.get(f"{channels_stack.web}/api/notifications", timeout=10,
                          headers={"Authorization": f"Bearer {tokens['handler']}"}).json()["items"]
    # textContent: with several reminders the list scrolls, and .text leaves out what is scrolled away
    wait(browser, lambda d: no in d.execute_script(INBOX_ITEMS),
         message=f"reminder not shown; the API lists {len(listed)}: {[n.get('ticket_no') for n in listed][:5]}; "
                 f"inbox: {browser.execute_script(INBOX_HTML)}")
    assert browser.find_element("id", "gc-inbox").is_displayed()
    assert "已超期" in browser.execute_script(INBOX_ITEMS)
    browser.execute_script(
        "Array.prototype.forEach.call(document.querySelectorAll('#gc-inbox-items li'), function (li) {"
        f"  if (li.textContent.indexOf('{no}') >= 0) li.querySelector('button[data-read]').click(); }});")
    wait(browser, lambda d: no not in d.execute_script(INBOX_ITEMS), message="not acknowledged")
    unread = requests.get(f"{channels_stack.web}/api/notifications", timeout=10,
                          headers={"Authorization": f"Bearer {tokens['handler']}"}).json()["items"]
    assert no not in [n["ticket_no"] for n in unread]
