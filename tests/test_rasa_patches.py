"""bot.rasa_server.patches: Rasa's calls to the action server reuse keep-alive connections, and still work
when the server closed them or restarted in between."""
from __future__ import annotations

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import patches as rasa_patches
from bot.rasa_server.install import install


async def _server(port: int = 0):
    peers: list = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app, keepalive_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1], peers


async def test_action_calls_share_one_connection_and_survive_a_restart(monkeypatch):
    install()
    monkeypatch.setattr(rasa_patches, "KEEPALIVE_SECONDS", 0.5)
    runner, port, peers = await _server()
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Test": "1"})
    try:
        for _ in range(5):
            assert await endpoint.request(json={"next_action": "x"}, method="post") == {"events": [], "responses": []}
        assert len(peers) == 5 and len(set(peers)) == 1, "one keep-alive connection for all five calls"

        # The action server restarts on the same port: the next call opens a new connection.
        await runner.cleanup()
        runner, _, peers = await _server(port)
        assert await endpoint.request(json={}, method="post") == {"events": [], "responses": []}
        assert len(peers) == 1
    finally:
        await rasa_patches.close_kept_sessions(endpoint)
        await runner.cleanup()
    assert all(s.closed for s in endpoint._gov_sessions.values())



def test_action_responses_are_validated_as_rasa_does():
    import pytest
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    install()
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "item", "value": "身份证", "timestamp": None},
                       {"event": "active_loop", "name": "ticket_form"}],
            "responses": [{"text": "您好", "buttons": [{"title": "是", "payload": "/affirm"}]}]}
    assert action._validate_action_result(good) is True
    for bad in ({"events": [{"event": "slot"}], "responses": []},       # a slot event without its name
                {"events": [{"event": "no_such_event"}]},
                {"events": "not a list"}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)


def test_event_classes_resolve_as_in_rasa():
    import pytest
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    install()
    for _ in range(2):  # the second time from memory
        assert Event.resolve_by_type("user") is UserUttered
        assert Event.resolve_by_type("slot") is SlotSet
        assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nonsense", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("nonsense", default=UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nonsense")
    events = [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}, "entities": []}}, {"event": "slot", "name": "item", "value": "x"}]
    assert [type(Event.from_parameters(e)) for e in events] == [UserUttered, SlotSet]


def test_action_requests_encode_the_same_json_values():
    import json
    import math

    install()
    tracker = {"sender_id": "s", "slots": {"phone": None, "count": 3, "score": 0.1 + 0.2, "item": "居民身份证"},
               "events": [{"event": "user", "text": "你好 😀", "timestamp": 1764374400.123456,
                           "parse_data": {"intent": {"name": "greet", "confidence": 0.987654321}}}],
               "latest_message": {"text": "\u0000控制\n字符"}}
    encoded = rasa_patches.fast_json_dumps(tracker)
    assert json.loads(encoded) == tracker
    # what orjson cannot encode goes through the json module unchanged
    big = {"n": 2 ** 70, 1: "non-string key"}
    assert json.loads(rasa_patches.fast_json_dumps(big)) == json.loads(json.dumps(big))
    assert json.loads(rasa_patches.fast_json_dumps({"x": math.nan})) == {"x": None}
