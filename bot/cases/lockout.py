"""Lockout of verification attempts: five wrong tries for one number within an hour lock that
number for an hour.

With Redis (REDIS_URL) the counters are shared by every process: ``INCR`` a failure counter that
``EXPIRE``s an hour after the first failure, and a lock key set for an hour on the fifth. Without
Redis, or when it cannot be reached, the same rules run in-process. Unknown numbers are counted like
known ones, so the lockout reveals nothing about which numbers exist.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from typing import Callable

logger = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW_SECONDS = 3600
LOCK_SECONDS = 3600
DEFAULT_PREFIX = "gov:verify:"


def _key_id(scope: str, key: str) -> str:
    # Numbers are hashed so the key space shows no identifiers.
    return hashlib.sha256(f"{scope}:{key.strip().upper()}".encode("utf-8")).hexdigest()[:32]


class Lockout:
    def __init__(self, redis=None, prefix: str = DEFAULT_PREFIX, max_failures: int = MAX_FAILURES,
                 window: int = WINDOW_SECONDS, lock_seconds: int = LOCK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.redis = redis
        self.prefix = prefix
        self.max_failures = max_failures
        self.window = window
        self.lock_seconds = lock_seconds
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # id -> (count, window start)
        self._locked_until: dict[str, float] = {}
        self._mutex = threading.Lock()

    # -- public API -------------------------------------------------------------------------
    async def locked_for(self, scope: str, key: str) -> int:
        """Seconds the number stays locked (0 when not locked)."""
        kid = _key_id(scope, key)
        if self.redis is not None:
            try:
                ttl = await asyncio.wait_for(self.redis.ttl(self._lock_key(kid)), 2.0)
                return max(0, int(ttl))
            except Exception as exc:  # Redis down: fall back to the in-process counters
                logger.warning("lockout: redis unavailable (%s); using in-process state", type(exc).__name__)
        return self._local_locked_for(kid)

    async def register_failure(self, scope: str, key: str) -> bool:
        """Count a wrong try; True when this try locked the number."""
        kid = _key_id(scope, key)
        if self.redis is not None:
            try:
                return await asyncio.wait_for(self._redis_failure(kid), 2.0)
            except Exception as exc:
                logger.warning("lockout: redis unavailable (%s); using in-process state", type(exc).__name__)
        return self._local_failure(kid)

    async def reset(self, scope: str, key: str) -> None:
        """Forget the failures after a correct answer (the lock itself is not lifted)."""
        kid = _key_id(scope, key)
        with self._mutex:
            self._failures.pop(kid, None)
        if self.redis is not None:
            try:
                await asyncio.wait_for(self.redis.delete(self._fail_key(kid)), 2.0)
            except Exception as exc:
                logger.warning("lockout: redis unavailable (%s)", type(exc).__name__)

    # -- Redis --------------------------------------------------------------------------------
    def _fail_key(self, kid: str) -> str:
        return f"{self.prefix}fail:{kid}"

    def _lock_key(self, kid: str) -> str:
        return f"{self.prefix}lock:{kid}"

    async def _redis_failure(self, kid: str) -> bool:
        count = int(await self.redis.incr(self._fail_key(kid)))
        if count == 1:
            await self.redis.expire(self._fail_key(kid), self.window)
        elif await self.redis.ttl(self._fail_key(kid)) < 0:
            # A crash between INCR and EXPIRE must not leave a counter that never expires.
            await self.redis.expire(self._fail_key(kid), self.window)
        if count >= self.max_failures:
            await self.redis.set(self._lock_key(kid), "1", ex=self.lock_seconds)
            await self.redis.delete(self._fail_key(kid))
            return True
        return False

    # -- in-process ---------------------------------------------------------------------------
    def _local_locked_for(self, kid: str) -> int:
        now = self.clock()
        with self._mutex:
            until = self._locked_until.get(kid)
            if until is None:
                return 0
            if until <= now:
                del self._locked_until[kid]
                return 0
            return int(until - now) + 1

    def _local_failure(self, kid: str) -> bool:
        now = self.clock()
        with self._mutex:
            count, start = self._failures.get(kid, (0, now))
            if now - start >= self.window:
                count, start = 0, now
            count += 1
            if count >= self.max_failures:
                self._failures.pop(kid, None)
                self._locked_until[kid] = now + self.lock_seconds
                return True
            self._failures[kid] = (count, start)
            if len(self._failures) > 100_000:  # bound memory under a flood of numbers
                self._prune(now)
            return False

    def _prune(self, now: float) -> None:
        self._failures = {k: v for k, v in self._failures.items() if now - v[1] < self.window}
        self._locked_until = {k: v for k, v in self._locked_until.items() if v > now}


_default: Lockout | None = None


def get_lockout() -> Lockout:
    """The process-wide lockout: Redis-backed when REDIS_URL is configured."""
    global _default
    if _default is None:
        from bot.redis_client import get_redis

        _default = Lockout(redis=get_redis())
    return _default


def reset_default_lockout() -> None:
    global _default
    _default = None
