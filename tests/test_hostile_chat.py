"""Hostile chat input through the whole stack (REST and socket.io) and SQL-injection-shaped
numbers through chat and the API: a clear 4xx or a polite Chinese reply, the tables intact and
nothing half-stored. (Empty, emoji and plain oversized REST messages: tests/test_stack_integration.py.)"""
from __future__ import annotations

import asyncio
import sqlite3
import uuid
from urllib.parse import quote

import pytest
import requests

from bot.rasa_server.channels.rest import TOO_LONG_REPLY
from bot.ratelimit import CHAT_LIMITED_REPLY
from tests.hardening_helpers import ADMIN_TOKEN
from tests.test_stack_integration import MODEL, Stack, not_a_failure, response, texts

pytestmark = pytest.mark.stack

INJECTIONS = ["' OR 1=1 --", "GD'; DROP TABLE tickets;--", "SP2026'; DELETE FROM approval_applications;--",
              "1; UPDATE tickets SET status='closed'", "\" OR \"\"=\"", "GD2345' UNION SELECT * FROM users--"]
CHAT_LIMIT = 8


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model`")
    s = Stack(tmp_path_factory.mktemp("hostile"), env={"GOV_ADMIN_TOKEN": ADMIN_TOKEN,
                                                        "RATE_LIMIT_CHAT": str(CHAT_LIMIT),
                                                        "RATE_LIMIT_API": "120", "RATE_LIMIT_API_WINDOW": "60"})
    s.start()
    yield s
    if s.proc and s.proc.poll() is None:
        s.stop()


def _db(stack) -> sqlite3.Connection:
    return sqlite3.connect(stack.var_dir / "app.db")


def _snapshot(stack) -> dict:
    con = _db(stack)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                  for t in ("tickets", "ticket_events", "approval_applications", "users", "audit_entries")}
        statuses = con.execute("SELECT ticket_no, status, version FROM tickets ORDER BY id").fetchall()
    finally:
        con.close()
    return {"tables": tables, "counts": counts, "statuses": statuses}


def _post_raw(stack, data: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(f"{stack.rasa}/webhooks/rest/webhook", data=data, headers={"Content-Type": content_type},
                         timeout=30)


@pytest.mark.parametrize("body", [b"{not json", b"[1,2]", b'"text"', b"\xff\xfe", b'{"message": "hi"}',
                                  b'{"sender": 12, "message": "hi"}', b'{"sender": "", "message": "hi"}',
                                  b'{"sender": "a", "message": {"$gt": ""}}', b'{"sender": "a", "message": 5}',
                                  ('{"sender": "%s", "message": "hi"}' % ("x" * 500)).encode()])
def test_malformed_rest_requests_get_400_json(stack, body):
    resp = _post_raw(stack, body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"]


def test_oversized_message_gets_a_polite_reply_and_is_not_stored(stack):
    sender = f"h-{uuid.uuid4().hex}"
    replies = stack.say(sender, "投诉" * 5000)
    assert texts(replies) == TOO_LONG_REPLY
    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", timeout=10).json()
    assert not [e for e in tracker["events"] if e.get("event") == "user"]


def test_control_characters_are_removed_before_the_bot_sees_them(stack):
    sender = f"h-{uuid.uuid4().hex}"
    replies = stack.say(sender, "你\x00好\x1b[31m\u202e\x7f")
    not_a_failure(replies)
    assert replies[0]["text"].startswith("您好！我是广安区政务智能助手"), replies   # the greeting
    users = [e["text"] for e in requests.get(f"{stack.rasa}/conversations/{sender}/tracker", timeout=10).json()["events"]
             if e.get("event") == "user"]
    assert users == ["你好[31m"]


def test_chat_rate_limit_per_sender_is_polite(stack):
    sender = f"h-{uuid.uuid4().hex}"
    # Fixed windows: messages may straddle two, so 2 × limit + 1 is the most that must hit the limit.
    answers = [texts(stack.say(sender, "你好")) for _ in range(2 * CHAT_LIMIT + 1)]
    assert all(CHAT_LIMITED_REPLY not in a for a in answers[:CHAT_LIMIT])
    assert CHAT_LIMITED_REPLY in answers and CHAT_LIMITED_REPLY == "您发送消息过于频繁，请稍后再试。"
    assert CHAT_LIMITED_REPLY not in texts(stack.say(f"h-{uuid.uuid4().hex}", "你好")), "other senders unaffected"


def test_socketio_oversized_and_control_characters_get_polite_replies(stack):
    import socketio

    async def converse(text: str) -> dict:
        client = socketio.AsyncClient()
        loop = asyncio.get_running_loop()
        confirmed, answered = loop.create_future(), loop.create_future()
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        client.on("bot_uttered", lambda msg: answered.done() or answered.set_result(msg))
        await client.connect(stack.rasa, transports=["websocket"])
        try:
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed, 10)
            await client.emit("user_uttered", {"message": text, "session_id": session_id})
            return await asyncio.wait_for(answered, 30)
        finally:
            await client.disconnect()

    from bot.knowledge.answer import ASK_WHICH_ITEM

    fallbacks = (response("utter_ask_rephrase"), response("utter_out_of_scope"))
    # socket.io has no length refusal (REST has): the normaliser cuts the text at 1,000 characters,
    # and 办办办… is a procedure question naming no item.
    for text, expected in (("办" * 10_000, (ASK_WHICH_ITEM,)), ("\x00\x01\x02\x1b[31m\u202e", fallbacks),
                           ("' OR 1=1 --", fallbacks)):
        reply = asyncio.run(converse(text))
        assert reply.get("text") in expected, (text[:20], reply)


def test_socketio_rate_limit_per_session_is_polite(stack):
    import socketio

    async def flood() -> list[str]:
        client = socketio.AsyncClient()
        loop = asyncio.get_running_loop()
        confirmed = loop.create_future()
        replies: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        client.on("bot_uttered", lambda msg: replies.put_nowait(msg.get("text", "")))
        await client.connect(stack.rasa, transports=["websocket"])
        firsts = []
        try:
            session_id = uuid.uuid4().hex
            await client.emit("session_request", {"session_id": session_id})
            await asyncio.wait_for(confirmed, 10)
            for _ in range(2 * CHAT_LIMIT + 1):  # fixed windows: enough to hit the limit in one
                await client.emit("user_uttered", {"message": "你好", "session_id": session_id})
                firsts.append(await asyncio.wait_for(replies.get(), 30))
                await asyncio.sleep(0.3)  # the rest of this answer, if any
                while not replies.empty():
                    replies.get_nowait()
        finally:
            await client.disconnect()
        return firsts

    firsts = asyncio.run(flood())
    assert all(CHAT_LIMITED_REPLY not in text for text in firsts[:CHAT_LIMIT]), firsts
    assert CHAT_LIMITED_REPLY in firsts, firsts


@pytest.mark.parametrize("number", INJECTIONS)
def test_injection_shaped_numbers_through_chat(stack, number):
    before = _snapshot(stack)
    sender = f"h-{uuid.uuid4().hex}"
    for text in (f"帮我查下{number}的办理进度", f"查询工单{number}的进度", number):
        replies = stack.say(sender, text)
        not_a_failure(replies)
        # The bot asks for the number, or says this one is not a valid number — nothing else.
        body = texts(replies)
        assert "编号" in body and ("请告诉我您的" in body or "格式不正确" in body), (text, replies)
        assert "Traceback" not in body and "sqlite" not in body.lower()
    assert _snapshot(stack) == before


@pytest.mark.parametrize("number", INJECTIONS)
def test_injection_shaped_numbers_through_the_api(stack, number):
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = requests.post(f"{stack.web}/api/tickets", headers=headers, timeout=30,
                            json={"description": f"路灯不亮 {number}", "location": number}).json()
    before = _snapshot(stack)
    resp = requests.get(f"{stack.web}/api/tickets/{quote(number, safe='')}", headers=headers, timeout=10)
    assert resp.status_code in (400, 404) and resp.json()["error"]["code"], resp.text
    resp = requests.post(f"{stack.web}/api/tickets/{quote(number, safe='')}/sign", headers=headers, json={}, timeout=10)
    assert resp.status_code in (400, 404) and resp.json()["error"]["code"], resp.text
    for key in ("department", "conversation_id"):
        resp = requests.get(f"{stack.web}/api/tickets", params={key: number}, headers=headers, timeout=10)
        assert resp.status_code == 200 and resp.json()["items"] == [], "a filter value must never match everything"
    resp = requests.get(f"{stack.web}/api/tickets", params={"status": number}, headers=headers, timeout=10)
    assert resp.status_code == 400
    resp = requests.get(f"{stack.web}/api/knowledge/search", params={"q": number}, timeout=10)
    assert resp.status_code == 200
    assert _snapshot(stack) == before
    # The ticket holding the text was stored whole: literally, with its history and audit entry.
    ticket = requests.get(f"{stack.web}/api/tickets/{created['ticket_no']}", headers=headers, timeout=10).json()
    assert ticket["location"] == number and ticket["description"].endswith(number) and ticket["history"]


def test_api_rate_limit_per_ip_is_429_with_retry_after(stack):
    statuses = []
    for _ in range(250):
        resp = requests.get(f"{stack.web}/api/knowledge/search", params={"q": "身份证"}, timeout=10)
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert int(resp.headers["Retry-After"]) >= 1
            assert resp.json()["error"]["code"] == "too_many_requests"
            break
    assert statuses[-1] == 429 and 500 not in statuses
    assert requests.get(f"{stack.web}/health", timeout=10).status_code in (200, 503), "/health is not limited"
