"""bot.rasa_server.retry: a kept message answered on retry reaches the citizen through bot.delivery —
pushed by the output channel of the server's input channel where it can push, only recorded on REST —
and is never appended to the conversation a second time."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from bot.db import session_scope
from bot.pending import store
from bot.pending.models import PendingMessage
from bot.rasa_server import retry
from tests.tickets_helpers import staff  # noqa: F401  (fixture)


class Agent:
    """Answers every message with a text and buttons, as Rasa's agent does through its output channel."""

    action_endpoint = SimpleNamespace(url="http://127.0.0.1:9/webhook")

    def __init__(self):
        self.handled = []

    def is_ready(self):
        return True

    async def handle_message(self, message):
        self.handled.append((message.sender_id, message.text, message.metadata.get("retry_of")))
        await message.output_channel.send_response(message.sender_id, {
            "text": f"答：{message.text}", "buttons": [{"title": "是", "payload": "/affirm"}]})


class Output:
    def __init__(self, fail=False):
        self.sent, self.fail = [], fail

    async def send_response(self, recipient, message):
        if self.fail:
            raise ConnectionError("socket gone")
        self.sent.append((recipient, message))


class Input:
    def __init__(self, name, output):
        self._name, self._output = name, output

    def name(self):
        return self._name

    def get_output_channel(self):
        return self._output


async def _rows():
    async with session_scope() as session:
        rows = (await session.execute(select(PendingMessage).order_by(PendingMessage.id))).scalars().all()
        return {r.sender_id: (r.status, r.delivered, r.answer) for r in rows}


async def test_answers_are_pushed_where_the_channel_can_and_recorded_on_rest(staff, monkeypatch):
    async def healthy(_agent):
        return True

    monkeypatch.setattr(retry, "action_server_healthy", healthy)
    socket, broken = Output(), Output(fail=True)
    agent = Agent()
    app = SimpleNamespace(ctx=SimpleNamespace(agent=agent, input_channels=[
        Input("rest", None), Input("socketio", socket), Input("wechat", broken)]))
    await store.add("web-1", "socketio", "办身份证")
    await store.add("rest-1", "rest", "查进度")
    await store.add("wx-1", "wechat", "你好")
    counts = await retry.retry_once(app)
    assert counts == {"answered": 3, "failed": 0, "waiting": 0}
    assert sorted(s for s, _t, _r in agent.handled) == ["rest-1", "web-1", "wx-1"]
    assert socket.sent == [("web-1", {"text": "答：办身份证", "buttons": [{"title": "是", "payload": "/affirm"}]})]
    rows = await _rows()
    assert rows["web-1"][:2] == ("done", "pushed")
    assert rows["rest-1"][:2] == ("done", "recorded")   # REST cannot push: the client finds it in the conversation
    assert rows["wx-1"][:2] == ("done", "recorded")     # the push failed: the answer stays recorded
    assert rows["rest-1"][2][0]["text"] == "答：查进度"
