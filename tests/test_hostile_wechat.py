"""Hostile pushes to both WeChat endpoints (Official Account and mini-program) over real HTTP with
a stub bot — only what tests/test_wechat_channel.py and tests/test_wechat_crypto.py do not cover:
the mini-program endpoint fed XXE / billion laughs / external DTDs (plain and inside a signed
safe-mode envelope), timestamps from the future, non-numeric or missing timestamps, a replayed
(captured and re-sent) push after the window, oversized bodies, and signature forgeries on GET.
Each must get a clear 4xx JSON error and never reach the bot."""
from __future__ import annotations

import time

import pytest

from bot.rasa_server.channels.miniprogram import MiniProgramInput
from bot.rasa_server.channels.wechat import WeChatConfig, WeChatInput
from tests.conftest_wechat import (SAMPLE_AES_KEY, SAMPLE_APPID, SAMPLE_SECRET, SAMPLE_TOKEN, SanicChannelServer, WeChatPusher,
                                   get, post)
from tests.test_wechat_channel import StubBot
from tests.test_wechat_crypto import DTD_ONLY, LAUGHS, XXE

pusher = WeChatPusher()
CHANNELS = {"wechat": WeChatInput, "miniprogram": MiniProgramInput}


def make(kind: str, **overrides):
    values = dict(token=SAMPLE_TOKEN, aes_key=SAMPLE_AES_KEY, appid=SAMPLE_APPID, secret=SAMPLE_SECRET,
                  api_base="http://127.0.0.1:9", replay_window=300)
    values.update(overrides)
    return CHANNELS[kind](WeChatConfig(**values), redis=None)



def _json_error(text: str) -> bool:
    return text.startswith('{"error"')


@pytest.mark.parametrize("body", [XXE, LAUGHS, DTD_ONLY], ids=["xxe", "billion-laughs", "external-dtd"])
async def test_miniprogram_refuses_entities_and_dtds_plain_and_safe(body):
    bot = StubBot()
    async with SanicChannelServer(make("miniprogram"), bot) as server:
        status, text = await post(server.url, pusher.plain("")[0], body)
        assert status == 400 and _json_error(text), text
        status, text = await post(server.url, *pusher.safe(body.decode()))
        assert status == 400 and _json_error(text), text
    assert bot.texts == []


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_external_dtd_through_the_official_account_endpoint(kind):
    bot = StubBot()
    async with SanicChannelServer(make(kind), bot) as server:
        status, text = await post(server.url, pusher.plain("")[0], DTD_ONLY)
    assert status == 400 and "xml_forbidden" in text
    assert bot.texts == []


@pytest.mark.parametrize("kind", list(CHANNELS))
@pytest.mark.parametrize("safe", [False, True])
async def test_timestamps_from_the_future_missing_or_garbage_get_403(kind, safe):
    bot = StubBot()
    async with SanicChannelServer(make(kind), bot) as server:
        xml = pusher.text_xml("未来的消息")
        params, body = (pusher.safe if safe else pusher.plain)(xml, timestamp=int(time.time()) + 3600)
        status, text = await post(server.url, params, body)
        assert status == 403 and _json_error(text), text
        for bad in ("", "abc", "1e9", "-5", "99999999999999999999"):
            params, body = (pusher.safe if safe else pusher.plain)(xml)
            params["timestamp"] = bad
            status, text = await post(server.url, params, body)
            assert status in (400, 403) and _json_error(text), (bad, status, text)
    assert bot.texts == []


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_a_captured_push_replayed_later_is_refused(kind):
    """A push recorded by an attacker and re-sent after the replay window: the signature is still
    valid (it covers the old timestamp), the timestamp is not."""
    bot = StubBot()
    captured = pusher.plain(pusher.text_xml("转账给我", msgid="777"), timestamp=int(time.time()) - 600)
    async with SanicChannelServer(make(kind), bot) as server:
        status, text = await post(server.url, *captured)
    assert status == 403 and "timestamp" in text
    assert bot.texts == []


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_oversized_push_gets_413(kind):
    bot = StubBot()
    async with SanicChannelServer(make(kind), bot) as server:
        params, body = pusher.plain(pusher.text_xml("办" * 40_000))
        status, text = await post(server.url, params, body)
    assert status == 413 and _json_error(text)
    assert bot.texts == []


@pytest.mark.parametrize("kind", list(CHANNELS))
async def test_forged_url_verification_is_403(kind):
    async with SanicChannelServer(make(kind), StubBot()) as server:
        ts = str(int(time.time()))
        for forged in ("", "0" * 40, "z" * 400):
            status, text = await get(server.url, {"signature": forged, "timestamp": ts, "nonce": "1", "echostr": "e"})
            assert status == 403 and _json_error(text), (forged, text)
            assert "e" != text
