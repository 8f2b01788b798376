"""Rasa's RedisLockStore that keeps the bot answering while Redis is down.

Rasa serialises the messages of one conversation with a ticket lock kept in the lock store; with
the stock RedisLockStore every message fails while Redis is unreachable. This subclass falls back
to an in-process lock table (as Rasa's InMemoryLockStore) during the outage — conversations are
then serialised per process only, which is the degraded mode — and returns to Redis by itself once
Redis answers again (checked at most every ``RETRY_AFTER`` seconds).

endpoints: ``lock_store: {type: bot.rasa_server.lock_store.ResilientRedisLockStore, url: HOST, port: 6379,
db: 0, password: ..., key_prefix: gov}`` (the same keys as ``type: redis``). Rasa counts a custom
lock store as multi-worker compatible, so SANIC_WORKERS > 1 works as with ``type: redis``.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore

logger = logging.getLogger(__name__)

RETRY_AFTER = 2.0
_OPTIONS = ("port", "db", "username", "password", "use_ssl", "ssl_certfile", "ssl_keyfile", "ssl_ca_certs",
            "key_prefix", "socket_timeout")


class ResilientRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, host: Text = "localhost", **kwargs: Any) -> None:
        if endpoint_config is not None:
            host = endpoint_config.url or host
            kwargs = {k: v for k, v in (endpoint_config.kwargs or {}).items() if k in _OPTIONS}
        kwargs.setdefault("socket_timeout", 1.0)
        super().__init__(host=host, **kwargs)
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = 1.0
        self._memory: Dict[Text, TicketLock] = {}
        self._down_since: Optional[float] = None
        self._last_try = 0.0

    # -- Redis or the in-process table ----------------------------------------------------------
    def _redis_usable(self) -> bool:
        return self._down_since is None or time.monotonic() - self._last_try >= RETRY_AFTER

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            logger.warning("redis lock store unavailable (%s): locking conversations in-process until it returns",
                           type(exc).__name__)
            self._down_since = now
        self._last_try = now

    def _succeeded(self) -> None:
        if self._down_since is not None:
            logger.warning("redis lock store reachable again after %.1f s", time.monotonic() - self._down_since)
            self._down_since = None
            self._memory.clear()

    def _call(self, fn, *args):
        if self._redis_usable():
            try:
                result = fn(*args)
                self._succeeded()
                return True, result
            except Exception as exc:  # redis.ConnectionError, TimeoutError, OSError...
                self._failed(exc)
        return False, None

    # -- LockStore API --------------------------------------------------------------------------
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        ok, lock = self._call(super().get_lock, conversation_id)
        return lock if ok else self._memory.get(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        ok, _ = self._call(super().delete_lock, conversation_id)
        if not ok:
            self._memory.pop(conversation_id, None)

    def save_lock(self, lock: TicketLock) -> None:
        ok, _ = self._call(super().save_lock, lock)
        if not ok:
            self._memory[lock.conversation_id] = lock
