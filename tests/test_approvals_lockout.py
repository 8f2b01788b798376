"""Lockout after five wrong tries within an hour: in-process and on a real Redis."""
import pytest

from bot.cases.lockout import Lockout


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_five_failures_within_an_hour_lock_for_an_hour():
    clock = FakeClock()
    lock = Lockout(clock=clock)
    for _ in range(4):
        assert await lock.register_failure("application", "SP20260302001") is False
    assert await lock.locked_for("application", "SP20260302001") == 0
    assert await lock.register_failure("application", "SP20260302001") is True
    assert 3500 < await lock.locked_for("application", "sp20260302001") <= 3601  # case-insensitive
    assert await lock.locked_for("application", "SP20260302002") == 0           # per number
    assert await lock.locked_for("disclosure_request", "SP20260302001") == 0   # per scope
    clock.now += 3599
    assert await lock.locked_for("application", "SP20260302001") > 0
    clock.now += 2
    assert await lock.locked_for("application", "SP20260302001") == 0


async def test_failures_older_than_an_hour_do_not_count():
    clock = FakeClock()
    lock = Lockout(clock=clock)
    for _ in range(4):
        await lock.register_failure("application", "SP1")
    clock.now += 3601
    assert await lock.register_failure("application", "SP1") is False
    assert await lock.locked_for("application", "SP1") == 0


async def test_success_resets_the_failures():
    lock = Lockout(clock=FakeClock())
    for _ in range(4):
        await lock.register_failure("application", "SP1")
    await lock.reset("application", "SP1")
    for _ in range(4):
        assert await lock.register_failure("application", "SP1") is False


async def test_redis_lockout_shared_between_instances(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        first = Lockout(redis=client, prefix=redis_prefix)
        second = Lockout(redis=client, prefix=redis_prefix)  # another process, same Redis
        for _ in range(2):
            assert await first.register_failure("application", "SP20260302001") is False
        for _ in range(2):
            assert await second.register_failure("application", "SP20260302001") is False
        fail_keys = [k async for k in client.scan_iter(match=redis_prefix + "fail:*")]
        assert len(fail_keys) == 1 and 3500 < await client.ttl(fail_keys[0]) <= 3600
        assert "SP20260302001" not in fail_keys[0]
        assert await first.register_failure("application", "SP20260302001") is True
        assert 3500 < await second.locked_for("application", "SP20260302001") <= 3600
        assert await first.locked_for("application", "SP20260302002") == 0
        assert len([k async for k in client.scan_iter(match=redis_prefix + "lock:*")]) == 1
    finally:
        await client.close()


async def test_unreachable_redis_falls_back_to_in_process():
    import redis.asyncio as aioredis

    client = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        lock = Lockout(redis=client, prefix="govtest:down:")
        for _ in range(4):
            assert await lock.register_failure("application", "SP1") is False
        assert await lock.register_failure("application", "SP1") is True
        assert await lock.locked_for("application", "SP1") > 0
    finally:
        await client.close()
