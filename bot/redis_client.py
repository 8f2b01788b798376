"""The shared Redis connection, when REDIS_URL is set. Features that need Redis fall back to
in-process state or say they are unavailable when it is not configured or not reachable."""
from __future__ import annotations

import asyncio
import logging

from bot.settings import get_settings

logger = logging.getLogger(__name__)
_clients: dict = {}


def get_redis(url: str | None = None):
    """An asyncio Redis client, or None when Redis is not configured."""
    url = url or get_settings().redis_url
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis.asyncio as aioredis

        client = aioredis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0, decode_responses=True)
        _clients[url] = client
    return client


async def ping_redis(url: str | None = None) -> bool:
    client = get_redis(url)
    if client is None:
        return False
    try:
        return bool(await asyncio.wait_for(client.ping(), 2.0))
    except Exception as exc:
        logger.warning("redis unreachable: %s", type(exc).__name__)
        return False


async def close_redis() -> None:
    for client in list(_clients.values()):
        try:
            await client.close()
        except Exception:
            pass
    _clients.clear()
