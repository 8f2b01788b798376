"""The fixed-window rate limiter on an injected clock: windows, the boundary, Retry-After."""
from bot.ratelimit import RateLimiter


async def test_fixed_windows_on_an_injected_clock():
    now = [120.0]
    limiter = RateLimiter("t", 2, 60, clock=lambda: now[0])
    assert [(await limiter.hit("a")).allowed for _ in range(3)] == [True, True, False]
    refused = await limiter.hit("a")
    assert refused.count == 4 and refused.retry_after == 60
    assert (await limiter.hit("b")).allowed, "another key has its own budget"
    now[0] = 179.5
    assert (await limiter.hit("a")).retry_after == 1          # rounds up, never 0 when refused
    now[0] = 180.0                                            # the next window: a fresh budget
    assert [(await limiter.hit("a")).allowed for _ in range(3)] == [True, True, False]
    assert (await limiter.hit("a", now=240.0)).allowed        # an explicit moment wins over the clock


async def test_a_burst_across_a_boundary_may_pass_twice_the_limit_but_no_more():
    """Why the stack tests send 2 × limit + 1 messages: a burst straddling two windows."""
    times = iter([59.0, 59.5, 60.0, 60.5, 61.0])
    limiter = RateLimiter("t", 2, 60, clock=lambda: next(times))
    assert [(await limiter.hit("a")).allowed for _ in range(5)] == [True, True, True, True, False]


async def test_zero_limit_is_off():
    limiter = RateLimiter("t", 0, 60, clock=lambda: 0.0)
    assert not limiter.enabled and all([(await limiter.hit("a")).allowed for _ in range(100)])
