"""POST /api/assist through a real aiohttp server, on SQLite and PostgreSQL: auth, input checks,
accumulation by call_id (in process and in Redis), suggestions, urgency, similar resolved tickets,
Rasa's /model/parse (a loopback server speaking its API) and Rasa unreachable."""
from __future__ import annotations

import socket
import uuid

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import assist
from tests.tickets_helpers import staff  # noqa: F401  (fixture)


def _dead_url() -> str:
    """A loopback URL nobody listens on (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def client(staff, monkeypatch):
    from bot.settings import reload_settings
    from bot.web.app import create_app

    monkeypatch.setenv("RASA_URL", _dead_url())
    reload_settings()
    assist.PARSER.reset()
    assist.SIMILAR.reset()
    assist.LOCAL.clear()
    c = TestClient(TestServer(create_app()))
    await c.start_server()
    yield c
    await c.close()
    assist.PARSER.reset()


@pytest.fixture
async def fake_rasa(monkeypatch):
    """A loopback server answering /model/parse like Rasa 3.6 does, with a fixed verdict."""
    seen: list[str] = []

    async def parse(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body["text"])
        entities = []
        if "13800138000" in body["text"]:
            start = body["text"].index("13800138000")
            entities.append({"entity": "phone", "start": start, "end": start + 11, "value": "13800138000",
                             "extractor": "RegexEntityExtractor"})
        return web.json_response({"text": body["text"], "intent": {"name": "complain", "confidence": 0.91},
                                  "entities": entities,
                                  "intent_ranking": [{"name": "complain", "confidence": 0.91}]})

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    from bot.settings import reload_settings

    monkeypatch.setenv("RASA_URL", str(server.make_url("")).rstrip("/"))
    reload_settings()
    assist.PARSER.reset()
    yield seen
    await server.close()


def h(staff, who):
    return {"Authorization": f"Bearer {staff.tokens[who]}"}


async def ask(client, staff, body, who="d1"):
    resp = await client.post("/api/assist", json=body, headers=h(staff, who))
    return resp.status, await resp.json()


async def test_needs_an_agent_token(client, staff):
    resp = await client.post("/api/assist", json={"text": "办身份证"})
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "unauthorized"
    resp = await client.post("/api/assist", json={"text": "办身份证"}, headers={"Authorization": "Bearer nope"})
    assert resp.status == 401
    status, body = await ask(client, staff, {"text": "办身份证"}, who="zj1")  # a department handler
    assert status == 403 and body["error"]["code"] == "forbidden"
    for who in ("d1", "s1", "a1"):
        status, body = await ask(client, staff, {"text": "办身份证"}, who=who)
        assert status == 200, (who, body)


@pytest.mark.parametrize("body, code", [
    ({}, "missing_text"),
    ({"text": "   "}, "missing_text"),
    ({"text": 12}, "invalid_text"),
    ({"text": "办" * 2001}, "invalid_text"),
    ({"text": "办身份证", "call_id": "有空格 的"}, "invalid_call_id"),
    ({"text": "办身份证", "call_id": "x" * 65}, "invalid_call_id"),
    ({"text": "办身份证", "preview": "yes"}, "invalid_preview"),
])
async def test_bad_input_is_a_clear_400(client, staff, body, code):
    status, answer = await ask(client, staff, body)
    assert status == 400 and answer["error"]["code"] == code and answer["error"]["message"]


async def test_invalid_json_is_400(client, staff):
    resp = await client.post("/api/assist", data=b"{not json", headers=h(staff, "d1"))
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("text, guide", [
    ("你好，我想问一下办身份证要带什么材料", "resident-id-card"),
    ("我想办个护照，需要准备什么", "passport"),
    ("我爸爸到退休年龄了，养老金怎么申请", "retirement-pension"),
    ("我要开个小卖部，个体户营业执照怎么办", "individual-business-registration"),
])
async def test_suggestions_contain_the_right_guide(client, staff, text, guide):
    status, body = await ask(client, staff, {"text": text, "call_id": uuid.uuid4().hex})
    assert status == 200, body
    ids = [s["id"] for s in body["suggestions"]]
    assert guide in ids, body["suggestions"]
    first = next(s for s in body["suggestions"] if s["id"] == guide)
    assert first["source"] == "guide" and first["source_label"] == "办事指南"
    assert 0 < first["confidence"] <= 1 and first["title"] in first["text"] and first["department"]
    assert len(body["suggestions"]) <= 3 and len(body["departments"]) == 3
    assert body["nlu"] == {"available": False, "intent": None, "intent_label": None, "confidence": None,
                           "entities": []}


async def test_context_accumulates_by_call_id(client, staff):
    call = f"call-{uuid.uuid4().hex[:8]}"
    status, first = await ask(client, staff, {"text": "我想办个体户营业执照", "call_id": call})
    assert status == 200 and first["turns"] == 1
    status, second = await ask(client, staff, {"text": "那要多久能办好", "call_id": call})
    assert second["turns"] == 2
    assert "营业执照" in second["context"] and "多久" in second["context"]
    top = second["suggestions"][0]
    assert top["id"] == "individual-business-registration" and "办理时限" in top["text"], second["suggestions"]
    # Another call knows nothing of it.
    status, other = await ask(client, staff, {"text": "那要多久能办好", "call_id": "another-call"})
    assert other["turns"] == 1 and "营业执照" not in other["context"]
    # A preview (as the agent types) is analysed with the call but not stored.
    status, preview = await ask(client, staff, {"text": "材料呢", "call_id": call, "preview": True})
    assert preview["turns"] == 3 and preview["context"].endswith("材料呢")
    status, again = await ask(client, staff, {"text": "", "call_id": call})
    assert again["turns"] == 2 and "材料呢" not in again["context"]


async def test_gas_smell_is_urgent_help(client, staff):
    status, body = await ask(client, staff, {"text": "我家楼道里有很大的煤气味，好像漏了", "call_id": uuid.uuid4().hex})
    assert status == 200
    assert body["urgent"] is True and "煤气" in body["urgent_reason"]
    assert body["category"] == "求助"
    assert body["ticket_draft"]["urgent"] is True and body["ticket_draft"]["category"] == "求助"
    # The agent's first suggestion is the safety script, and the gas authority leads the routing.
    first = body["suggestions"][0]
    assert first["source"] == "emergency" and "关闭燃气总阀" in first["text"] and "119" in first["text"]
    assert body["departments"][0]["department"] == "区住建局"
    assert body["ticket_draft"]["department"] == "区住建局"
    # Urgency of an earlier utterance stays with the call.
    status, later = await ask(client, staff, {"text": "我住在和平路12号", "call_id": body["call_id"]})
    assert later["urgent"] is True and later["suggestions"][0]["source"] == "emergency"


async def test_a_call_without_danger_gets_no_safety_script(client, staff):
    status, body = await ask(client, staff, {"text": "身份证过期了换证要带什么", "call_id": uuid.uuid4().hex})
    assert status == 200 and all(s["source"] != "emergency" for s in body["suggestions"])


async def test_works_when_rasa_is_unreachable_and_fast(client, staff):
    status, body = await ask(client, staff, {"text": "小区门口烧烤店油烟太大，投诉", "call_id": uuid.uuid4().hex})
    assert status == 200
    assert body["nlu"]["available"] is False and body["nlu"]["intent"] is None
    assert body["category"] == "投诉" and body["departments"]
    assert body["ms"] < 2000


async def test_rasa_intent_and_entities_are_used(client, staff, fake_rasa):
    call = uuid.uuid4().hex
    await ask(client, staff, {"text": "物业一直不处理楼顶漏水", "call_id": call})
    status, body = await ask(client, staff, {"text": "我电话13800138000", "call_id": call})
    assert status == 200
    assert body["nlu"]["available"] is True and body["nlu"]["intent"] == "complain"
    assert body["nlu"]["intent_label"] == "投诉" and body["nlu"]["confidence"] == 0.91
    assert {"entity": "phone", "value": "13800138000"} in body["nlu"]["entities"]
    assert body["category"] == "投诉"  # from the intent
    assert body["ticket_draft"]["contact_phone"] == "13800138000"
    assert "楼顶漏水" in body["ticket_draft"]["description"]
    assert fake_rasa[-1] == body["context"], "the accumulated text is what Rasa parses"


async def test_similar_resolved_tickets_are_suggested(client, staff):
    resp = await client.post("/api/tickets", headers=h(staff, "d1"), json={
        "description": "和平小区3栋电梯坏了一周，物业一直不修", "department": "区住建局"})
    ticket = await resp.json()
    assert resp.status == 201, ticket
    no, handler = ticket["ticket_no"], ticket["handler"]
    reply = "已责成物业公司三日内修复电梯，并由区住建局督促维保单位每月检查。"
    for action, body in (("sign", {}), ("contact", {}), ("reply", {"text": reply}), ("resolve", {})):
        resp = await client.post(f"/api/tickets/{no}/{action}", json=body, headers=h(staff, handler))
        assert resp.status == 200, await resp.json()
    status, body = await ask(client, staff, {"text": "我们小区电梯坏了好几天了物业不修", "call_id": uuid.uuid4().hex})
    assert status == 200
    similar = [s for s in body["suggestions"] if s["source"] == "ticket"]
    assert similar and similar[0]["id"] == no and similar[0]["text"] == reply, body["suggestions"]
    assert similar[0]["source_label"] == "相似工单" and similar[0]["department"] == "区住建局"
    # An unresolved ticket is never suggested.
    await client.post("/api/tickets", headers=h(staff, "d1"), json={"description": "路灯坏了好几天", "department": "区住建局"})
    status, body = await ask(client, staff, {"text": "路灯坏了好几天", "call_id": uuid.uuid4().hex})
    assert all(s["source"] != "ticket" or s["id"] == no for s in body["suggestions"])


async def test_context_in_redis(client, staff, redis_url, redis_prefix, monkeypatch):
    import redis

    from bot.settings import reload_settings

    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setattr(assist, "KEY_PREFIX", redis_prefix + "assist:")
    reload_settings()
    call = uuid.uuid4().hex
    await ask(client, staff, {"text": "我想办护照", "call_id": call})
    status, body = await ask(client, staff, {"text": "要带什么材料", "call_id": call})
    assert status == 200 and body["turns"] == 2 and body["suggestions"][0]["id"] == "passport"
    assert assist.LOCAL.get(call) == [], "the context lives in Redis, not in this process"
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    key = redis_prefix + "assist:" + call
    assert r.lrange(key, 0, -1) == ["我想办护照", "要带什么材料"]
    assert 0 < r.ttl(key) <= assist.CONTEXT_TTL
    r.close()
    from bot.redis_client import close_redis

    await close_redis()
