"""The portal widget on a shared computer, in real headless Chromium against the web service and a
real socket.io server standing in for Rasa (python-socketio, the library Rasa's channel uses):
nothing personal in localStorage, message times, a copy button on ticket numbers, the log opens at
the latest message after a reload, links readable on the user's bubble, 44 px touch targets on a
phone, 👍/👎 on answers reaching the admins' review tab, and 结束对话 ends the Rasa session and
leaves nothing behind."""
from __future__ import annotations

import asyncio
import json
import socket
import threading

import pytest

import requests

from tests.test_portal_browser import browser, console_login, wait  # noqa: F401  (fixture, helper)
from tests.test_publication_browser import ADMIN, admin_token  # noqa: F401  (fixture, helper)
from tests.test_supervision_browser import web  # noqa: F401  (fixture)

PERSONAL = ("13912345678", "1234-5678", "51160219900101123X", "张三丰", "李师傅")
TICKET = "GD7KX3M9QP"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_rasa_socketio(monkeypatch):
    """A socket.io server answering like Rasa's channel; RASA_PUBLIC_URL points the portal at it."""
    import socketio
    from aiohttp import web as aioweb

    received = []
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = aioweb.Application()
    sio.attach(app, socketio_path="/socket.io/")

    @sio.on("session_request")
    async def session_request(sid, data):
        await sio.emit("session_confirm", (data or {}).get("session_id") or sid, room=sid)

    @sio.on("user_uttered")
    async def user_uttered(sid, data):
        message, session = data.get("message"), data.get("session_id")
        received.append((session, message))
        if message == "/session_start":
            return
        if message == "/greet":
            text = "您好，我是政务智能助手。"
        elif message.startswith("长"):
            text = "收到：" + message
        elif message in ("李师傅",):
            text = "好的。请核对：联系电话：139****5678，姓名：李师傅。"
        else:
            text = (f"已为您登记诉求，工单编号{TICKET}，联系电话139****5678。"
                    "办理进度可查看 https://www.example.gov.cn/progress 。请问怎么称呼您？")
        await sio.emit("bot_uttered", {"text": text}, room=sid)

    port, ready, box = _free_port(), threading.Event(), {}

    def serve():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = aioweb.AppRunner(app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(aioweb.TCPSite(runner, "127.0.0.1", port).start())
        box["loop"] = loop
        ready.set()
        loop.run_forever()
        if hasattr(sio, "shutdown"):
            loop.run_until_complete(sio.shutdown())
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30)
    monkeypatch.setenv("RASA_PUBLIC_URL", f"http://127.0.0.1:{port}")
    yield received
    box["loop"].call_soon_threadsafe(box["loop"].stop)
    thread.join(30)


def storage(driver) -> dict:
    return driver.execute_script(
        "var o = {}; for (var i = 0; i < localStorage.length; i++) { var k = localStorage.key(i); o[k] = localStorage.getItem(k); } return o;")


def say(driver, text):
    box = driver.find_element("css selector", ".govchat-input")
    box.send_keys(text)
    driver.find_element("css selector", ".govchat-send").click()


def bot_count(driver) -> int:
    return len(driver.find_elements("css selector", ".govchat-bot .govchat-text"))


def test_widget_leaves_nothing_personal_on_a_shared_computer(browser, fake_rasa_socketio, admin_token, web):  # noqa: F811
    received = fake_rasa_socketio
    base, _tokens = web
    browser.set_window_size(1280, 900)
    browser.get(f"{base}/portal")
    browser.execute_script("localStorage.clear()")
    browser.get(f"{base}/portal")
    browser.get_log("browser")
    wait(browser, lambda d: bot_count(d) == 1, message="no greeting")
    first_session = browser.execute_script("return window.GovChat.sessionId()")

    say(browser, "我叫张三丰，电话13912345678，身份证51160219900101123X，楼下油烟太大")
    wait(browser, lambda d: bot_count(d) == 2, message="no answer")
    say(browser, "李师傅")   # the answer to "请问怎么称呼您？"
    wait(browser, lambda d: bot_count(d) == 3, message="no answer")
    # the page shows what was typed; the browser's storage keeps it masked
    assert "13912345678" in browser.find_element("css selector", ".govchat-log").text
    kept = json.dumps(storage(browser), ensure_ascii=False)
    for piece in PERSONAL:
        assert piece not in kept, (piece, kept)
    history = json.loads(storage(browser)["govchat.history"])
    assert "139****5678" in history[1]["text"] and "张**" in history[1]["text"] and "511602********123X" in history[1]["text"]
    assert history[3]["text"] == "李**" and "姓名：李**" in history[4]["text"]
    # times on every message; the ticket number with a copy button; the link readable on both bubbles
    assert len(browser.find_elements("css selector", ".govchat-msg .govchat-time")) == len(history)
    assert all(h["at"] for h in history)
    tickets = browser.find_elements("css selector", ".govchat-ticket")
    assert tickets and tickets[0].text == TICKET
    assert browser.find_elements("css selector", ".govchat-ticket + .govchat-copy")[0].text == "复制"
    say(browser, "长 见 https://www.example.gov.cn/x")
    wait(browser, lambda d: bot_count(d) == 4, message="no answer")
    colours = browser.execute_script(
        "return [getComputedStyle(document.querySelector('.govchat-user a')).color,"
        " getComputedStyle(document.querySelector('.govchat-user')).backgroundColor]")
    assert colours[0] == "rgb(255, 255, 255)" and colours[1] != colours[0]

    # enough to scroll; after a reload the log opens at the latest message
    for i in range(12):
        say(browser, f"长消息{i}")
        wait(browser, lambda d, n=5 + i: bot_count(d) == n, message="no answer")
    browser.get(f"{base}/portal")
    wait(browser, lambda d: d.find_elements("css selector", ".govchat-connected"), message="no reconnect")
    at_end = browser.execute_script(
        "var l = document.querySelector('.govchat-log'); return [l.scrollHeight > l.clientHeight,"
        " l.scrollTop + l.clientHeight >= l.scrollHeight - 4];")
    assert at_end == [True, True]
    assert browser.execute_script("return window.GovChat.sessionId()") == first_session

    # a phone: every control at least 44 px high
    browser.set_window_size(390, 844)
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.govchat-send, .govchat-input, .govchat-end, .govchat-close,"
        " .govchat-copy, .govchat-button, .govchat-rate button')).map(e => e.getBoundingClientRect().height)")
    assert sizes and min(sizes) >= 44, sizes
    browser.set_window_size(1280, 900)

    # 👎 on the answer with the ticket number: stored masked, in the admins' queue, reviewed in the console
    down = browser.find_elements("css selector", ".govchat-bot .govchat-rate-down")[1]
    down.click()
    wait(browser, lambda d: "govchat-rated" in d.find_elements("css selector", ".govchat-bot .govchat-rate-down")[1]
         .get_attribute("class"), message="rating not shown")
    assert json.loads(storage(browser)["govchat.history"])[2]["rated"] == "down"
    queue = requests.get(f"{base}/api/feedback/queue", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30).json()
    assert queue["total"] == 1 and TICKET in queue["items"][0]["answer"]
    question = queue["items"][0]["question"]
    assert question.startswith("我叫") and "139****5678" in question
    assert not any(p in json.dumps(queue, ensure_ascii=False) for p in PERSONAL)
    console_login(browser, base, ADMIN, "feedback")
    wait(browser, lambda d: TICKET in d.find_element("id", "fb-items").text, message="rating not in the tab")
    browser.find_element("css selector", "#fb-items textarea").send_keys("工单号请以短信为准。")
    [b for b in browser.find_elements("css selector", "#fb-items button") if b.text == "答案有误"][0].click()
    wait(browser, lambda d: "已标记为答案有误" in d.find_element("id", "fb-info").text, message="not reviewed")
    browser.get(f"{base}/portal")
    wait(browser, lambda d: d.find_elements("css selector", ".govchat-connected"), message="no reconnect")

    # 结束对话: the Rasa session ends, and nothing is left in the browser
    browser.execute_script("window.confirm = function () { return true; }")
    browser.find_element("css selector", ".govchat-end").click()
    wait(browser, lambda d: (first_session, "/session_start") in received, message="session not ended")
    assert storage(browser) == {}
    assert not browser.find_elements("css selector", ".govchat-msg")
    browser.find_element("css selector", ".govchat-launcher").click()
    wait(browser, lambda d: bot_count(d) == 1, message="no new greeting")
    assert browser.execute_script("return window.GovChat.sessionId()") != first_session
    assert json.loads(storage(browser)["govchat.history"])[0]["text"] == "您好，我是政务智能助手。"
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors
