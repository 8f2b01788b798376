"""The WeChat mini-program: the customer-service push channel (JSON and XML, plain and safe mode,
answered through custom send) with a stub bot, the login/chat JSON API, and both through the live
stack against the fake WeChat API server."""
from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import requests
from aiohttp import web

from bot.web import mp_session
from bot.rasa_server.channels.miniprogram import MiniProgramInput
from bot.rasa_server.channels.wechat import WeChatConfig
from bot.rasa_server.channels.wechat_crypto import parse_xml
from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.conftest_wechat import (
    SAMPLE_AES_KEY,
    SAMPLE_APPID,
    SAMPLE_SECRET,
    SAMPLE_TOKEN,
    FakeWeChat,
    SanicChannelServer,
    WeChatPusher,
    post,
)
from tests.test_wechat_channel import StubBot

pusher = WeChatPusher()


@pytest.fixture
def fake_wechat():
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


def make_channel(fake: FakeWeChat) -> MiniProgramInput:
    return MiniProgramInput(WeChatConfig(token=SAMPLE_TOKEN, aes_key=SAMPLE_AES_KEY, appid=SAMPLE_APPID,
                                         secret=SAMPLE_SECRET, api_base=fake.base), redis=None)


def json_text(content: str, openid: str, msgid: str | None = None) -> str:
    return json.dumps({"ToUserName": "gh_mp", "FromUserName": openid, "CreateTime": int(time.time()),
                       "MsgType": "text", "Content": content, "MsgId": int(msgid or time.time_ns() % 10**15)},
                      ensure_ascii=False)


def safe_json(inner: str) -> tuple[dict, bytes]:
    """A safe-mode JSON push: {"ToUserName", "Encrypt"} with the JSON message encrypted inside."""
    params, _xml_body = pusher.safe(inner)
    encrypted = parse_xml(_xml_body)["Encrypt"]
    return params, json.dumps({"ToUserName": "gh_mp", "Encrypt": encrypted}).encode()



async def test_pushes_in_json_and_xml_plain_and_safe_are_answered_through_custom_send(fake_wechat):
    bot = StubBot()
    async with SanicChannelServer(make_channel(fake_wechat), bot) as server:
        assert server.url.endswith("/webhooks/miniprogram/webhook")
        cases = [
            pusher.plain(json_text("JSON 明文", "oMp1")),
            safe_json(json_text("JSON 密文", "oMp2")),
            pusher.plain(pusher.text_xml("XML 明文", openid="oMp3")),
            pusher.safe(pusher.text_xml("XML 密文", openid="oMp4")),
        ]
        for params, body in cases:
            assert await post(server.url, params, body) == (200, "success")
        sent = await asyncio.to_thread(fake_wechat.wait_sent, 4)
    assert sorted((m["touser"], m["text"]["content"]) for m in sent) == [
        ("oMp1", "收到：JSON 明文"), ("oMp2", "收到：JSON 密文"), ("oMp3", "收到：XML 明文"), ("oMp4", "收到：XML 密文")]


async def test_duplicates_enter_session_and_bad_input(fake_wechat):
    bot = StubBot(delay=0.3)
    async with SanicChannelServer(make_channel(fake_wechat), bot) as server:
        body = json_text("只处理一次", "oDup", msgid="123456789")
        results = await asyncio.gather(*(post(server.url, *pusher.plain(body)) for _ in range(3)))
        assert results == [(200, "success")] * 3
        enter = json.dumps({"ToUserName": "gh_mp", "FromUserName": "oEnter", "CreateTime": int(time.time()),
                            "MsgType": "event", "Event": "user_enter_tempsession", "SessionFrom": "chat"})
        assert await post(server.url, *pusher.plain(enter)) == (200, "success")
        image = json.dumps({"ToUserName": "gh_mp", "FromUserName": "oImg", "CreateTime": 1, "MsgType": "image",
                            "PicUrl": "http://x/1.jpg", "MediaId": "m", "MsgId": 42})
        assert await post(server.url, *pusher.plain(image)) == (200, "success")
        for bad in (b"{not json", b"[1, 2]", json.dumps({"ToUserName": "gh"}).encode()):
            status, _ = await post(server.url, pusher.plain("")[0], bad)
            assert status == 400
        params, body = pusher.plain(json_text("伪造", "oX"))
        params["signature"] = "0" * 40
        assert (await post(server.url, params, body))[0] == 403
        sent = await asyncio.to_thread(fake_wechat.wait_sent, 3)
    by_user = {m["touser"]: m["text"]["content"] for m in sent}
    assert by_user["oDup"] == "收到：只处理一次"
    assert by_user["oEnter"].startswith("感谢使用") and "1. 办事指南" in by_user["oEnter"]
    assert "文字" in by_user["oImg"]
    assert len(sent) == 3 and bot.texts == ["只处理一次", "/greet"]


# -- the JSON API ---------------------------------------------------------------------------------
@pytest.fixture
def mp_env(monkeypatch, fake_wechat):
    from bot.settings import reload_settings
    from bot.web import mp

    monkeypatch.setenv("WECHAT_MP_APPID", SAMPLE_APPID)
    monkeypatch.setenv("WECHAT_MP_SECRET", SAMPLE_SECRET)
    monkeypatch.setenv("WECHAT_API_BASE", fake_wechat.base)
    monkeypatch.setenv("GOV_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens: the bot is "down"
    monkeypatch.delenv("REDIS_URL", raising=False)
    reload_settings()
    mp._apis.clear()
    yield
    monkeypatch.undo()
    reload_settings()
    mp._apis.clear()


@pytest.fixture
async def mp_client(aiohttp_client, mp_env):
    from bot.web import errors, mp

    app = web.Application(middlewares=[errors.json_errors])
    mp.setup(app)
    return await aiohttp_client(app)


async def test_login_issues_a_token_and_refuses_bad_codes(mp_client):
    resp = await mp_client.post("/api/mp/login", json={"code": "abc123"})
    assert resp.status == 200
    body = await resp.json()
    assert mp_session.verify(body["token"]) == "mp-openid-abc123" and body["expires_in"] > 0
    resp = await mp_client.post("/api/mp/login", json={"code": "bad-code"})
    assert resp.status == 401 and (await resp.json())["error"]["code"] == "invalid_code"
    for payload in ({}, {"code": ""}, {"code": 5}, {"code": "x" * 300}):
        assert (await mp_client.post("/api/mp/login", json=payload)).status == 400
    assert (await mp_client.post("/api/mp/login", data=b"not json")).status == 400


async def test_chat_needs_a_valid_token_and_a_message(mp_client):
    token = mp_session.issue("oChat", 60)
    assert (await mp_client.post("/api/mp/chat", json={"message": "你好"})).status == 401
    for bad in (token[:-2] + "xx", "Basic " + token, mp_session.issue("oOld", 60, now=time.time() - 120)):
        resp = await mp_client.post("/api/mp/chat", json={"message": "你好"}, headers={"Authorization": f"Bearer {bad}"})
        assert resp.status == 401
    headers = {"Authorization": f"Bearer {token}"}
    for payload in ({}, {"message": "  "}, {"message": 3}, {"message": "长" * 1001}):
        assert (await mp_client.post("/api/mp/chat", json=payload, headers=headers)).status == 400
    resp = await mp_client.post("/api/mp/chat", json={"message": "你好"}, headers=headers)
    assert resp.status == 503 and "暂时不可用" in (await resp.json())["error"]["message"]


async def test_login_refused_when_not_configured(mp_client, monkeypatch):
    from bot.settings import reload_settings
    from bot.web import mp

    monkeypatch.setenv("WECHAT_MP_SECRET", "")
    reload_settings()
    mp._apis.clear()
    resp = await mp_client.post("/api/mp/login", json={"code": "abc"})
    assert resp.status == 503 and "WECHAT_MP_APPID" in (await resp.json())["error"]["message"]


# -- through the live stack -----------------------------------------------------------------------
@pytest.mark.stack
def test_login_and_chat_through_the_stack(channels_stack):
    web_url = channels_stack.web
    resp = requests.post(f"{web_url}/api/mp/login", json={"code": f"c{uuid.uuid4().hex[:8]}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    headers = {"Authorization": f"Bearer {resp.json()['token']}"}
    resp = requests.post(f"{web_url}/api/mp/chat", json={"message": "你好"}, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    messages = resp.json()["messages"]
    assert "政务智能助手" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]][:2] == ["办事指南", "进度查询"]


@pytest.mark.stack
def test_push_through_the_stack_is_answered_by_custom_send(channels_stack):
    fake = channels_stack.fake_wechat
    openid = f"oMpStack{uuid.uuid4().hex[:8]}"
    before = len(fake.sent)
    params, body = safe_json(json_text("你好", openid))
    resp = requests.post(f"{channels_stack.rasa}/webhooks/miniprogram/webhook", params=params, data=body, timeout=10)
    assert (resp.status_code, resp.text) == (200, "success")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(m["touser"] == openid for m in fake.sent[before:]):
        time.sleep(0.1)
    mine = [m for m in fake.sent[before:] if m["touser"] == openid]
    assert mine and "政务智能助手" in mine[0]["text"]["content"]
