"""The WeChat API client against a fake WeChat API server on loopback: access_token caching,
one refresher at a time (in-process and across processes through Redis), refresh before
expiry, retry after an invalidated token, code2session."""
from __future__ import annotations

import asyncio

import pytest

from bot.rasa_server.channels.state import ChannelState
from bot.wechat_api import WeChatAPI, WeChatApiError
from tests.conftest_wechat import SAMPLE_APPID, SAMPLE_SECRET, FakeWeChat


@pytest.fixture
def fake_wechat():
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


def api_for(fake: FakeWeChat, **kwargs) -> WeChatAPI:
    return WeChatAPI(SAMPLE_APPID, SAMPLE_SECRET, fake.base, **kwargs)


async def test_token_is_cached_and_fetched_by_one_caller(fake_wechat):
    fake_wechat.token_delay = 0.3
    api = api_for(fake_wechat)
    tokens = await asyncio.gather(*(api.access_token() for _ in range(20)))
    assert len(set(tokens)) == 1
    assert fake_wechat.token_requests == 1
    assert await api.access_token() == tokens[0]
    assert fake_wechat.token_requests == 1


async def test_token_is_refreshed_before_it_expires(fake_wechat):
    fake_wechat.expires_in = 7200
    api = api_for(fake_wechat)
    first = await api.access_token()
    api._expires_at -= 7200 - api.REFRESH_MARGIN + 1  # now inside the refresh margin, still valid
    second = await api.access_token()
    assert second != first and fake_wechat.token_requests == 2


async def test_invalidated_token_is_refreshed_once_and_the_call_retried(fake_wechat):
    api = api_for(fake_wechat)
    await api.send_text("oA", "第一条")
    fake_wechat.revoke_tokens()  # e.g. someone else fetched a new token with the same secret
    await api.send_text("oA", "第二条")
    assert [m["text"]["content"] for m in fake_wechat.sent] == ["第一条", "第二条"]
    assert fake_wechat.token_requests == 2 and fake_wechat.rejected_sends == 1


async def test_wrong_secret_and_unreachable_api_raise_clear_errors(fake_wechat):
    with pytest.raises(WeChatApiError) as err:
        await WeChatAPI(SAMPLE_APPID, "wrong", fake_wechat.base).access_token()
    assert err.value.errcode == 40125
    with pytest.raises(WeChatApiError) as err:
        await WeChatAPI(SAMPLE_APPID, SAMPLE_SECRET, "http://127.0.0.1:9", timeout=1).access_token()
    assert err.value.errcode == -1
    with pytest.raises(WeChatApiError):
        await WeChatAPI("", "", fake_wechat.base).access_token()


async def test_code2session(fake_wechat):
    api = api_for(fake_wechat)
    session = await api.code2session("abc")
    assert session["openid"] == "mp-openid-abc" and session["session_key"]
    with pytest.raises(WeChatApiError) as err:
        await api.code2session("bad-code")
    assert err.value.errcode == 40029


async def test_processes_sharing_redis_fetch_one_token(redis_url, redis_prefix, fake_wechat):
    """Five API clients with their own Redis connections stand for five worker processes."""
    import redis.asyncio as aioredis

    fake_wechat.token_delay = 0.3
    clients = [aioredis.from_url(redis_url, decode_responses=True) for _ in range(5)]
    try:
        apis = [api_for(fake_wechat, redis=c, prefix=redis_prefix) for c in clients]
        tokens = await asyncio.gather(*(api.access_token() for api in apis for _ in range(4)))
        assert len(set(tokens)) == 1
        assert fake_wechat.token_requests == 1
        # Inside the refresh margin: exactly one process refreshes, the others keep the old token
        # (still valid) or get the new one, never a second fetch.
        key = f"{redis_prefix}token:{SAMPLE_APPID}"
        import json
        import time

        await clients[0].set(key, json.dumps({"token": tokens[0], "expires_at": time.time() + 60}), ex=60)
        for api in apis:
            api._token, api._expires_at = None, 0.0
        again = await asyncio.gather(*(api.access_token() for api in apis))
        assert fake_wechat.token_requests == 2
        assert set(again) <= {tokens[0], *fake_wechat.valid_tokens}
        assert all(await asyncio.gather(*(api.access_token() for api in apis)))
        assert fake_wechat.token_requests == 2
        newest = json.loads(await clients[0].get(key))["token"]
        assert newest != tokens[0] and await apis[3].access_token() == newest
    finally:
        for c in clients:
            await c.close()


async def test_channel_state_claims_once_in_memory_and_in_redis(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    memory = ChannelState(None)
    assert await memory.claim("k", 10) and not await memory.claim("k", 10)
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        a, b = ChannelState(client, prefix=redis_prefix), ChannelState(client, prefix=redis_prefix)
        results = await asyncio.gather(*(s.claim("m1", 10) for s in (a, b, a, b)))
        assert results.count(True) == 1
        waiter = asyncio.ensure_future(b.wait_for("r1", 2))
        await asyncio.sleep(0.1)
        await a.put("r1", "答复", 10)
        assert await waiter == "答复"
        assert await b.wait_for("never", 0.1) is None
    finally:
        await client.close()
