"""Live chat hand-off (bot.livechat, actions/livechat.py, /api/livechat) and the console's
dashboard figures (bot.dashboard), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.livechat import service
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

SHANGHAI = timezone(timedelta(hours=8))


def tracker(sender: str, texts: list[str], channel: str = "socketio") -> Tracker:
    events = [{"event": "user", "text": t, "input_channel": channel, "parse_data": {}} for t in texts]
    return Tracker(sender, {}, {"intent": {"name": "request_human"}, "text": texts[-1]}, events, False, None, {},
                   "action_listen")


class RecordingDeliverer:
    """bot.delivery.Deliverer's interface; fails while ``down``."""

    def __init__(self, down: bool = False):
        self.sent, self.down = [], down

    async def deliver(self, channel, recipient, message):
        from bot.delivery import FAILED, SENT, Delivery

        if self.down:
            return Delivery(FAILED, "ClientConnectorError")
        self.sent.append((channel, recipient, message.text))
        return Delivery(SENT)


async def test_a_failed_delivery_keeps_the_reply_and_its_followers_for_the_next_one(staff):
    handoff = await service.request_handoff("conv-3", "wechat", "转人工")
    await service.add_agent_message(handoff["id"], "d1", "第一条")
    await service.add_agent_message(handoff["id"], "d1", "第二条")
    down = RecordingDeliverer(down=True)
    assert not await service.deliver_agent_messages("conv-3", "wechat", deliverer=down)
    assert [m["delivered"] for m in await service.messages(handoff["id"])] == [False, False]
    up = RecordingDeliverer()
    assert await service.deliver_agent_messages("conv-3", "wechat", deliverer=up)
    assert up.sent == [("wechat", "conv-3", "【人工客服】第一条"), ("wechat", "conv-3", "【人工客服】第二条")]
    assert [m["delivered"] for m in await service.messages(handoff["id"])] == [True, True]


def test_service_hours():
    monday_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday, a working day
    assert service.in_service(monday_10, "09:00-17:30")
    assert not service.in_service(monday_10.replace(hour=8, minute=59), "09:00-17:30")
    assert not service.in_service(monday_10.replace(hour=18), "09:00-17:30")
    assert not service.in_service(datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI), "09:00-17:30")  # Sunday
    assert service.in_service(datetime(2026, 3, 1, 3, 0, tzinfo=SHANGHAI), "always")
    assert service.in_service(monday_10.replace(hour=23, minute=30), "00:00-24:00")
    assert service.hours_text("09:00-17:30") == "工作日 09:00–17:30"
    with pytest.raises(ValueError):
        service.service_hours("nine to five")


async def test_request_human_queues_in_service_hours_and_agent_reply_delivers(staff, monkeypatch):
    from actions.livechat import ActionRequestHuman
    from bot.livechat.replies import CONNECTING
    from bot.settings import reload_settings

    monkeypatch.setenv("LIVECHAT_HOURS", "always")
    reload_settings()
    dispatcher = CollectingDispatcher()
    await ActionRequestHuman().run(dispatcher, tracker("conv-1", ["你好", "转人工"]), {})
    assert dispatcher.messages[0]["text"] == CONNECTING
    # Asking twice keeps one hand-off.
    await ActionRequestHuman().run(CollectingDispatcher(), tracker("conv-1", ["你好", "转人工", "人呢"]), {})
    queue = await service.list_handoffs("open")
    assert len(queue) == 1 and queue[0]["conversation_id"] == "conv-1" and queue[0]["channel"] == "socketio"
    assert queue[0]["status"] == "waiting" and queue[0]["last_text"] == "人呢"
    handoff, _ = await service.add_agent_message(queue[0]["id"], "d1", "您好，我是人工客服")
    assert handoff["status"] == "active" and handoff["agent"] == "d1"
    courier = RecordingDeliverer()
    assert await service.deliver_agent_messages("conv-1", queue[0]["channel"], deliverer=courier)
    assert courier.sent == [("socketio", "conv-1", "【人工客服】您好，我是人工客服")]
    assert await service.deliver_agent_messages("conv-1", "socketio", deliverer=courier)
    assert len(courier.sent) == 1, "each reply is delivered once"
    closed = await service.close_handoff(queue[0]["id"], "d1")
    assert closed["status"] == "closed" and await service.list_handoffs("open") == []
    with pytest.raises(service.LiveChatError) as exc:
        await service.add_agent_message(queue[0]["id"], "d1", "还在吗")
    assert exc.value.status == 409


async def test_request_human_outside_service_hours_is_not_queued(staff, monkeypatch):
    from actions.livechat import ActionRequestHuman
    from bot.settings import reload_settings

    monkeypatch.setenv("LIVECHAT_HOURS", "00:00-00:00")
    reload_settings()
    dispatcher = CollectingDispatcher()
    await ActionRequestHuman().run(dispatcher, tracker("conv-2", ["转人工"]), {})
    assert "12345" in dispatcher.messages[0]["text"] and "不是人工客服在线时间" in dispatcher.messages[0]["text"]
    assert await service.list_handoffs("open") == []


@pytest.fixture
async def client(staff, monkeypatch):
    from bot.settings import reload_settings
    from bot.web.app import create_app

    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens: delivery fails
    reload_settings()
    c = TestClient(TestServer(create_app()))
    await c.start_server()
    yield c
    await c.close()


async def test_livechat_api(client, staff):
    h = lambda who: {"Authorization": f"Bearer {staff.tokens[who]}"}  # noqa: E731
    assert (await client.get("/api/livechat")).status == 401
    assert (await client.get("/api/livechat", headers=h("zj1"))).status == 403
    handoff = await service.request_handoff("conv-9", "wechat", "我要人工")
    resp = await client.get("/api/livechat", headers=h("d1"))
    body = await resp.json()
    assert resp.status == 200 and [i["id"] for i in body["items"]] == [handoff["id"]] and "hours" in body
    assert (await client.get("/api/livechat?status=bogus", headers=h("d1"))).status == 400
    resp = await client.get(f"/api/livechat/{handoff['id']}", headers=h("s1"))
    detail = await resp.json()
    assert resp.status == 200 and detail["transcript"] == [] and detail["agent_messages"] == []
    assert (await client.get("/api/livechat/999999", headers=h("d1"))).status == 404
    resp = await client.post(f"/api/livechat/{handoff['id']}/reply", json={"text": " "}, headers=h("d1"))
    assert resp.status == 400
    resp = await client.post(f"/api/livechat/{handoff['id']}/reply", json={"text": "您好"}, headers=h("d1"))
    assert resp.status == 503 and (await resp.json())["error"]["code"] == "rasa_unavailable"
    stored = await service.messages(handoff["id"])
    assert [(m["text"], m["delivered"]) for m in stored] == [("您好", False)], "kept for the next delivery"
    resp = await client.post(f"/api/livechat/{handoff['id']}/close", headers=h("d1"))
    assert resp.status == 200 and (await resp.json())["status"] == "closed"


async def test_console_me_and_dashboard(client, staff):
    h = lambda who: {"Authorization": f"Bearer {staff.tokens[who]}"}  # noqa: E731
    resp = await client.get("/api/console/me", headers=h("zj1"))
    assert await resp.json() == {"username": "zj1", "display_name": "zj1", "role": "handler", "department": "区住建局",
                                 "notices": []}
    assert (await client.get("/api/console/me")).status == 401
    for text in ("枣山街道幸福小区电梯坏了物业不修", "幸福小区电梯故障困人", "幸福小区电梯又坏了没人修",
                 "枣山街道幸福小区电梯停运三天", "路灯不亮"):
        resp = await client.post("/api/tickets", json={"description": text, "department": "区住建局"}, headers=h("d1"))
        assert resp.status == 201
    resp = await client.get("/api/console/dashboard?days=7", headers=h("s1"))
    body = await resp.json()
    assert resp.status == 200 and len(body["days"]) == 7 and set(body["by_day"]) == set(body["categories"])
    assert sum(sum(v) for v in body["by_day"].values()) == 5
    assert sum(body["lights"].values()) == 5
    (event,) = body["hot_events"]  # one event (same problem, same place), not single words
    assert event["tickets_count"] == 4 and event["title"].startswith("枣山街道幸福小区") and "4件" in event["title"]
    assert event["alert"] is True and body["alerts"][0]["id"] == event["id"], "four reports in a day of a new event"
    resp = await client.get("/api/console/dashboard", headers=h("zf1"))  # a handler sees their department
    assert (await resp.json())["department"] == "区综合执法局"


def test_page_has_a_strict_policy():
    from bot.web.console import CSP, PAGE

    assert "script-src 'self'" in CSP and "unsafe" not in CSP
    assert "<script>" not in PAGE and "onclick" not in PAGE


async def test_out_of_hours_the_citizen_is_told_when_people_are_back(monkeypatch):
    from actions.livechat import ActionCheckAgents
    from bot.settings import reload_settings

    monkeypatch.setenv("LIVECHAT_HOURS", "00:00-00:00")
    reload_settings()
    try:
        dispatcher = CollectingDispatcher()
        events = await ActionCheckAgents().run(dispatcher, tracker("c-hours", ["转人工"]), {})
    finally:
        monkeypatch.delenv("LIVECHAT_HOURS")
        reload_settings()
    assert events[0]["value"] is False
    said = " ".join(m.get("text") or "" for m in dispatcher.messages)
    assert "在线时间" in said and "12345" in said
