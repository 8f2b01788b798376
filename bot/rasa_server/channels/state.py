"""A small key-value store with expiry for the channels: Redis when configured (shared by every
worker and process), in-process otherwise. Used for once-only message processing (``claim`` is
Redis ``SET NX EX``), the replies retries get, and the last menu shown to a user."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Optional

logger = logging.getLogger(__name__)


class ChannelState:
    def __init__(self, redis: Any = None, prefix: str = "gov:channels:") -> None:
        self.redis = redis
        self.prefix = prefix
        self._memory: dict[str, tuple[float, str]] = {}
        self._warned = False

    # -- in-process fallback -------------------------------------------------------------------
    def _purge(self) -> None:
        if len(self._memory) < 1024:
            return
        now = time.monotonic()
        for key in [k for k, (exp, _v) in self._memory.items() if exp <= now]:
            self._memory.pop(key, None)

    def _mem_get(self, key: str) -> Optional[str]:
        item = self._memory.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            self._memory.pop(key, None)
            return None
        return item[1]

    def _mem_set(self, key: str, value: str, ttl: float) -> None:
        self._purge()
        self._memory[key] = (time.monotonic() + ttl, value)

    def _redis_failed(self, exc: Exception) -> None:
        if not self._warned:
            logger.warning("redis unavailable for channel state, using in-process state: %s",
                           type(exc).__name__)
            self._warned = True

    # -- API -----------------------------------------------------------------------------------
    async def claim(self, key: str, ttl: int, value: str = "1") -> bool:
        """True for the first caller of ``key`` within ``ttl`` seconds, False for everyone after."""
        if self.redis is not None:
            try:
                return bool(await self.redis.set(self.prefix + key, value, nx=True, ex=int(ttl)))
            except Exception as exc:  # Redis down: degrade to this process only
                self._redis_failed(exc)
        if self._mem_get(key) is not None:
            return False
        self._mem_set(key, value, ttl)
        return True

    async def put(self, key: str, value: str, ttl: int) -> None:
        if self.redis is not None:
            try:
                await self.redis.set(self.prefix + key, value, ex=int(ttl))
                return
            except Exception as exc:
                self._redis_failed(exc)
        self._mem_set(key, value, ttl)

    async def get(self, key: str) -> Optional[str]:
        if self.redis is not None:
            try:
                value = await self.redis.get(self.prefix + key)
                if isinstance(value, bytes):
                    value = value.decode("utf-8")
                return value
            except Exception as exc:
                self._redis_failed(exc)
        return self._mem_get(key)

    async def wait_for(self, key: str, timeout: float, interval: float = 0.05) -> Optional[str]:
        """The value of ``key`` as soon as it is set, or None after ``timeout`` seconds."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            value = await self.get(key)
            if value is not None or time.monotonic() >= deadline:
                return value
            await asyncio.sleep(min(interval, max(0.0, deadline - time.monotonic())))
