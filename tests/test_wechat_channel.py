"""The WeChat Official Account channel over real HTTP: its Sanic blueprint on a real server with a
stub bot (no trained model needed), WeChat's API faked on loopback."""
from __future__ import annotations

import asyncio
import time

import pytest

from bot.rasa_server.channels.state import ChannelState
from bot.rasa_server.channels.replies import ASK_TO_TYPE_IMAGE, BUSY, WELCOME
from bot.rasa_server.channels.wechat import WeChatConfig, WeChatInput
from bot.wechat_api import WeChatAPI
from tests.conftest_wechat import (
    SAMPLE_AES_KEY,
    SAMPLE_APPID,
    SAMPLE_SECRET,
    SAMPLE_TOKEN,
    FakeWeChat,
    SanicChannelServer,
    WeChatPusher,
    get,
    post,
)
from tests.test_wechat_crypto import LAUGHS, SAMPLE_MSG_SIGNATURE, SAMPLE_NONCE, SAMPLE_PUSH, SAMPLE_TIMESTAMP, XXE

MENU = [{"title": "办事指南", "payload": "/ask_procedure"},
        {"title": "进度查询", "payload": "/query_application_status"}]


class StubBot:
    """Stands in for Rasa's on_new_message: records texts, answers after ``delay`` seconds."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.texts: list[str] = []

    async def __call__(self, message) -> None:
        self.texts.append(message.text)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("bot exploded")
        if message.text == "/greet":
            await message.output_channel.send_text_with_buttons(message.sender_id, "您好！请问有什么可以帮您？", MENU)
        else:
            await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


@pytest.fixture
def fake_wechat():
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


def make_channel(fake: FakeWeChat | None = None, **overrides) -> WeChatInput:
    values = dict(token=SAMPLE_TOKEN, aes_key=SAMPLE_AES_KEY, appid=SAMPLE_APPID, secret=SAMPLE_SECRET,
                  api_base=fake.base if fake else "http://127.0.0.1:9", replay_window=300)
    values.update(overrides)
    return WeChatInput(WeChatConfig(**values), redis=None)


pusher = WeChatPusher()



# -- URL verification ----------------------------------------------------------------------------
async def test_get_verification_plaintext_and_forged():
    bot = StubBot()
    async with SanicChannelServer(make_channel(), bot) as server:
        params, _ = pusher.plain("")
        status, body = await get(server.url, {**params, "echostr": "8137512893"})
        assert (status, body) == (200, "8137512893")
        status, body = await get(server.url, {**params, "signature": "f" * 40, "echostr": "1"})
        assert status == 403 and '"bad_signature"' in body
        old, _ = pusher.plain("", timestamp=int(time.time()) - 3600)
        status, body = await get(server.url, {**old, "echostr": "1"})
        assert status == 403 and "stale_timestamp" in body


async def test_get_verification_safe_mode_with_tencent_vector():
    channel = make_channel(replay_window=0)  # the sample's timestamp is from 2014
    async with SanicChannelServer(channel, StubBot()) as server:
        status, body = await get(server.url, {
            "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589",
            "nonce": "263014780",
            "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="})
        assert (status, body) == (200, "1616140317555161061")


# -- messages ------------------------------------------------------------------------------------
async def test_tencent_sample_push_gets_an_encrypted_passive_reply():
    bot = StubBot()
    async with SanicChannelServer(make_channel(replay_window=0), bot) as server:
        params = {"msg_signature": SAMPLE_MSG_SIGNATURE, "timestamp": SAMPLE_TIMESTAMP, "nonce": SAMPLE_NONCE,
                  "encrypt_type": "aes"}
        status, body = await post(server.url, params, SAMPLE_PUSH.encode())
    assert status == 200
    reply = pusher.open_reply(body, safe=True)
    assert bot.texts == ["hello"]
    assert reply["Content"] == "收到：hello"
    assert reply["ToUserName"] == "mycreate" and reply["FromUserName"] == "wx5823bf96d3bd56c7"


@pytest.mark.parametrize("safe", [False, True])
async def test_text_message_gets_a_passive_reply(safe):
    bot = StubBot()
    async with SanicChannelServer(make_channel(), bot) as server:
        xml = pusher.text_xml("怎么办理居住证", openid="oCitizen")
        params, body = pusher.safe(xml) if safe else pusher.plain(xml)
        started = time.monotonic()
        status, text = await post(server.url, params, body)
        elapsed = time.monotonic() - started
    assert status == 200
    reply = pusher.open_reply(text, safe=safe)
    assert reply["Content"] == "收到：怎么办理居住证"
    assert reply["ToUserName"] == "oCitizen" and reply["MsgType"] == "text"
    assert elapsed < 1.0


async def test_a_flooding_user_is_rate_limited_politely_and_others_are_not():
    from bot.ratelimit import CHAT_LIMITED_REPLY, RateLimiter

    bot = StubBot()
    # A frozen clock: the five messages fall in one 60 s window however slowly they are sent.
    limiter = RateLimiter("chat", 3, 60, clock=lambda: 1_800_000_030.0)
    channel = WeChatInput(make_channel().config, redis=None, limiter=limiter)
    async with SanicChannelServer(channel, bot) as server:
        contents = []
        for i in range(5):
            status, text = await post(server.url, *pusher.plain(pusher.text_xml(f"第{i}条", openid="oFlood")))
            assert status == 200
            contents.append(pusher.open_reply(text, safe=False)["Content"])
        status, text = await post(server.url, *pusher.plain(pusher.text_xml("你好", openid="oCalm")))
        assert pusher.open_reply(text, safe=False)["Content"] == "收到：你好"
    assert contents == ["收到：第0条", "收到：第1条", "收到：第2条", CHAT_LIMITED_REPLY, CHAT_LIMITED_REPLY]
    assert bot.texts == ["第0条", "第1条", "第2条", "你好"]  # the limited messages never reach the bot


@pytest.mark.parametrize("safe", [False, True])
async def test_forged_signature_and_replayed_timestamp_get_403(safe):
    bot = StubBot()
    async with SanicChannelServer(make_channel(), bot) as server:
        xml = pusher.text_xml("你好")
        params, body = pusher.safe(xml) if safe else pusher.plain(xml)
        forged = dict(params, **({"msg_signature": "0" * 40} if safe else {"signature": "0" * 40}))
        status, text = await post(server.url, forged, body)
        assert status == 403 and "bad_signature" in text
        # Signed correctly, but with the signature of another body (tampered message).
        _, other_body = pusher.safe(pusher.text_xml("改过的")) if safe else pusher.plain(pusher.text_xml("改过的"))
        if safe:
            status, _ = await post(server.url, params, other_body)
            assert status == 403
        replay_params, replay_body = (pusher.safe(xml, timestamp=int(time.time()) - 301) if safe
                                      else pusher.plain(xml, timestamp=int(time.time()) - 301))
        status, text = await post(server.url, replay_params, replay_body)
        assert status == 403 and "stale_timestamp" in text
    assert bot.texts == []


async def test_replay_window_zero_disables_the_timestamp_check():
    bot = StubBot()
    async with SanicChannelServer(make_channel(replay_window=0), bot) as server:
        params, body = pusher.plain(pusher.text_xml("你好"), timestamp=1409659813)
        status, _ = await post(server.url, params, body)
    assert status == 200 and bot.texts == ["你好"]


@pytest.mark.parametrize("body", [XXE, LAUGHS, b"<xml><Content>unclosed", b"", b"\x00\x01garbage",
                                  b"<xml><ToUserName>gh</ToUserName><MsgType>text</MsgType></xml>"])
async def test_hostile_or_malformed_xml_gets_400(body):
    bot = StubBot()
    async with SanicChannelServer(make_channel(), bot) as server:
        params, _ = pusher.plain("")
        status, text = await post(server.url, params, body)
        assert status == 400, text
        assert text.startswith('{"error"')
        # The same inside a correctly signed safe-mode envelope.
        if body.strip():
            safe_params, safe_body = pusher.safe(body.decode("utf-8", "replace"))
            status, _ = await post(server.url, safe_params, safe_body)
            assert status == 400
    assert bot.texts == []


async def test_disabled_channel_answers_503_with_the_reason():
    async with SanicChannelServer(make_channel(token=""), StubBot()) as server:
        params, body = pusher.plain(pusher.text_xml("你好"))
        status, text = await post(server.url, params, body)
        assert status == 503 and "WECHAT_TOKEN" in text
        status, text = await get(server.url, {**params, "echostr": "1"})
        assert status == 503


async def test_safe_mode_without_aes_key_is_refused_but_plaintext_works():
    bot = StubBot()
    async with SanicChannelServer(make_channel(aes_key=""), bot) as server:
        params, body = pusher.safe(pusher.text_xml("你好"))
        status, text = await post(server.url, params, body)
        assert status == 503 and "WECHAT_AES_KEY" in text
        params, body = pusher.plain(pusher.text_xml("你好"))
        status, text = await post(server.url, params, body)
        assert status == 200 and "收到：你好" in text


async def test_subscribe_gets_welcome_and_menu_and_a_number_picks_a_button():
    bot = StubBot()
    async with SanicChannelServer(make_channel(), bot) as server:
        params, body = pusher.safe(pusher.event_xml("subscribe", openid="oNew"))
        status, text = await post(server.url, params, body)
        reply = pusher.open_reply(text, safe=True)["Content"]
        assert reply.startswith(WELCOME)
        assert "1. 办事指南" in reply and "2. 进度查询" in reply
        params, body = pusher.safe(pusher.text_xml("2", openid="oNew"))
        status, text = await post(server.url, params, body)
        assert status == 200
        # Another user typing "2" has no menu: the text goes to the bot as it is.
        params, body = pusher.safe(pusher.text_xml("2", openid="oOther"))
        await post(server.url, params, body)
        # unsubscribe: nothing to say
        params, body = pusher.safe(pusher.event_xml("unsubscribe", openid="oNew"))
        status, text = await post(server.url, params, body)
        assert (status, text) == (200, "success")
    assert bot.texts == ["/greet", "/query_application_status", "2"]


async def test_image_and_voice_messages():
    bot = StubBot()
    image = ("<xml><ToUserName>gh</ToUserName><FromUserName>oPic</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId><MsgId>111</MsgId></xml>")
    voice = ("<xml><ToUserName>gh</ToUserName><FromUserName>oVoice</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format>"
             "<Recognition>我要查办件进度</Recognition><MsgId>222</MsgId></xml>")
    silent_voice = voice.replace("<Recognition>我要查办件进度</Recognition>", "").replace("222", "333")
    async with SanicChannelServer(make_channel(), bot) as server:
        replies = []
        for xml in (image, voice, silent_voice):
            params, body = pusher.plain(xml)
            status, text = await post(server.url, params, body)
            assert status == 200
            replies.append(pusher.open_reply(text, safe=False)["Content"])
    assert replies[0] == ASK_TO_TYPE_IMAGE
    assert replies[1] == "收到：我要查办件进度"
    assert "文字" in replies[2]
    assert bot.texts == ["我要查办件进度"]


async def test_bot_failure_gets_a_polite_reply_not_an_error():
    async with SanicChannelServer(make_channel(), StubBot(fail=True)) as server:
        params, body = pusher.plain(pusher.text_xml("你好"))
        status, text = await post(server.url, params, body)
    assert status == 200 and pusher.open_reply(text, safe=False)["Content"] == BUSY


# -- exactly once, slow bots -----------------------------------------------------------------------
async def test_duplicate_msgid_is_processed_once_and_retries_get_the_same_reply():
    bot = StubBot(delay=0.5)
    async with SanicChannelServer(make_channel(), bot) as server:
        xml = pusher.text_xml("社保卡补办", msgid="6054768590064713728")
        requests = [pusher.safe(xml) for _ in range(3)]  # WeChat signs each retry afresh
        results = await asyncio.gather(*(post(server.url, p, b) for p, b in requests))
        late = await post(server.url, *pusher.safe(xml))
    contents = [pusher.open_reply(text, safe=True)["Content"] for status, text in [*results, late]]
    assert contents == ["收到：社保卡补办"] * 4
    assert bot.texts == ["社保卡补办"]


async def test_slow_bot_answers_success_then_delivers_through_custom_send(fake_wechat):
    bot = StubBot(delay=1.5)
    channel = make_channel(fake_wechat, reply_timeout=0.5)
    async with SanicChannelServer(channel, bot) as server:
        xml = pusher.text_xml("公积金提取要什么材料", openid="oSlow", msgid="777")
        started = time.monotonic()
        status, text = await post(server.url, *pusher.safe(xml))
        elapsed = time.monotonic() - started
        assert (status, text) == (200, "success")
        assert elapsed < 1.0
        retry = await post(server.url, *pusher.safe(xml))  # WeChat's retry while the bot works
        assert retry == (200, "success")
        sent = await asyncio.to_thread(fake_wechat.wait_sent, 1)
    assert sent == [{"touser": "oSlow", "msgtype": "text", "text": {"content": "收到：公积金提取要什么材料"}}]
    await asyncio.sleep(0.2)
    assert len(fake_wechat.sent) == 1 and bot.texts == ["公积金提取要什么材料"]
    assert fake_wechat.token_requests == 1


async def test_wechat_five_second_limit_with_default_timing(fake_wechat):
    """With the default 4.5 s budget a 6 s bot answer still gets an HTTP answer before WeChat's
    5 s limit, and the answer arrives through custom send."""
    bot = StubBot(delay=6.0)
    channel = make_channel(fake_wechat)
    assert channel.config.reply_timeout == 4.5
    async with SanicChannelServer(channel, bot) as server:
        started = time.monotonic()
        status, text = await post(server.url, *pusher.plain(pusher.text_xml("慢问题", openid="oDefault")))
        elapsed = time.monotonic() - started
        assert (status, text) == (200, "success")
        # It waited for the bot for the whole budget, and not for the bot's 6 s. (How small the
        # overhead is — well inside WeChat's 5 s — is test_slow_bot_answers_success_…'s business;
        # an upper bound on wall-clock time here would only measure how busy the machine is.)
        assert channel.config.reply_timeout - 0.05 <= elapsed < bot.delay
        sent = await asyncio.to_thread(fake_wechat.wait_sent, 1, 5)
    assert sent[0]["text"]["content"] == "收到：慢问题"


async def test_agent_messages_reach_the_user_through_the_output_channel(fake_wechat):
    channel = make_channel(fake_wechat)
    output = channel.get_output_channel()
    await output.send_response("oAgent", {"text": "您好，我是人工客服。", "buttons": MENU})
    sent = await asyncio.to_thread(fake_wechat.wait_sent, 1)
    assert sent[0]["touser"] == "oAgent"
    assert sent[0]["text"]["content"].startswith("您好，我是人工客服。\n请回复数字选择：\n1. 办事指南")


# -- shared state in Redis (several Rasa workers) --------------------------------------------------
async def test_two_workers_sharing_redis_process_a_message_once(redis_url, redis_prefix, fake_wechat):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        bot = StubBot(delay=0.3)
        workers = []
        for _ in range(2):
            config = WeChatConfig(token=SAMPLE_TOKEN, aes_key=SAMPLE_AES_KEY, appid=SAMPLE_APPID,
                                  secret=SAMPLE_SECRET, api_base=fake_wechat.base)
            workers.append(WeChatInput(config, redis=client, state=ChannelState(client, prefix=redis_prefix),
                                       api=WeChatAPI(SAMPLE_APPID, SAMPLE_SECRET, fake_wechat.base,
                                                     redis=client, prefix=redis_prefix)))
        async with SanicChannelServer(workers[0], bot) as one, SanicChannelServer(workers[1], bot) as two:
            xml = pusher.text_xml("两个进程", msgid="9999000011112222")
            results = await asyncio.gather(post(one.url, *pusher.plain(xml)), post(two.url, *pusher.plain(xml)))
            assert bot.texts == ["两个进程"]
            assert [pusher.open_reply(t, safe=False)["Content"] for _s, t in results] == ["收到：两个进程"] * 2
            # The menu shown by one worker is known to the other.
            await post(one.url, *pusher.plain(pusher.event_xml("subscribe", openid="oShared")))
            await post(two.url, *pusher.plain(pusher.text_xml("1", openid="oShared")))
            assert bot.texts[-1] == "/ask_procedure"
    finally:
        await client.close()
