"""Fixed-window rate limits: per chat sender (bot.rasa_server.channels.rest) and per client IP (web API).

With Redis (REDIS_URL) the counters are shared by every worker and process (``INCR`` + ``EXPIRE``
on ``gov:rl:<scope>:<key>:<window>``); without it, or while Redis is unreachable, each process
counts on its own (a limit then applies per process — the lower bound of protection, never an
error). Settings: RATE_LIMIT_CHAT / RATE_LIMIT_CHAT_WINDOW, RATE_LIMIT_API / RATE_LIMIT_API_WINDOW
(0 turns a limit off); see docs/hardening.md.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

logger = logging.getLogger(__name__)

CHAT_LIMITED_REPLY = "您发送消息过于频繁，请稍后再试。"
_MEMORY_MAX_KEYS = 50_000


def wall_clock() -> float:
    """The clock of limiters built without one (tests replace it to keep a burst in one window)."""
    return time.time()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends (>= 1 when refused)


class RateLimiter:
    def __init__(self, scope: str, limit: int, window: int, redis: Any = None, prefix: str = "gov:rl:",
                 clock: Optional[Callable[[], float]] = None) -> None:
        self.scope = scope
        self.clock = clock
        self.limit = int(limit)
        self.window = max(1, int(window))
        self.redis = redis
        self.prefix = prefix
        self._memory: dict[str, tuple[int, int]] = {}
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def _key(self, key: str) -> str:
        # Hash long or odd keys (sender ids come from clients) into a fixed-size, safe Redis key.
        if len(key) > 64 or not key.replace("-", "").replace("_", "").replace(".", "").replace(":", "").isalnum():
            key = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return key

    async def _redis_count(self, key: str, index: int) -> Optional[int]:
        if self.redis is None:
            return None
        name = f"{self.prefix}{self.scope}:{key}:{index}"
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, self.window + 1)
            count, _ = await pipe.execute()
            self._warned = False
            return int(count)
        except Exception as exc:  # Redis down: count in this process until it returns
            if not self._warned:
                logger.warning("redis unavailable for rate limits (%s), counting in-process", type(exc).__name__)
                self._warned = True
            return None

    def _memory_count(self, key: str, index: int) -> int:
        seen_index, count = self._memory.get(key, (index, 0))
        count = count + 1 if seen_index == index else 1
        if len(self._memory) >= _MEMORY_MAX_KEYS and key not in self._memory:
            self._memory = {k: v for k, v in self._memory.items() if v[0] == index}
            if len(self._memory) >= _MEMORY_MAX_KEYS:
                self._memory.clear()
        self._memory[key] = (index, count)
        return count

    async def hit(self, key: str, now: Optional[float] = None) -> Decision:
        """Count one event for ``key``; refused once more than ``limit`` fall in the current window."""
        if not self.enabled:
            return Decision(True, 0, 0, 0)
        if now is None:
            now = self.clock() if self.clock is not None else wall_clock()
        index = int(now // self.window)
        safe = self._key(str(key))
        count = await self._redis_count(safe, index)
        if count is None:
            count = self._memory_count(safe, index)
        retry_after = max(1, math.ceil((index + 1) * self.window - now))
        return Decision(count <= self.limit, count, self.limit, retry_after)


def _configured(scope: str, limit_key: str, window_key: str, redis: Any) -> RateLimiter:
    """A limiter with its limit and window from the settings (RATE_LIMIT_*), counting in Redis
    when configured."""
    from bot.settings import get_settings

    if redis == "default":
        from bot.redis_client import get_redis

        redis = get_redis()
    conf = get_settings().rate_limits
    return RateLimiter(scope, getattr(conf, limit_key), getattr(conf, window_key), redis)


def chat_limiter(redis: Any = "default") -> RateLimiter:
    return _configured("chat", "chat_limit", "chat_window", redis)


def api_limiter(redis: Any = "default") -> RateLimiter:
    return _configured("api", "api_limit", "api_window", redis)


def staff_limiter(redis: Any = "default") -> RateLimiter:
    """Per signed-in user on the web API (a call centre's agents share one public IP)."""
    return _configured("staff", "staff_limit", "api_window", redis)
