"""GET /health: reachability of Rasa, the action server, the database and Redis, and whether the
holiday calendar is known far enough ahead.

The HTTP status follows reachability only (200 / 503, for load balancers and the stack's start-up
wait); a calendar that runs out (bot.calendar.coverage: from 1 November of the last fully known
year) makes ``status`` "degraded" with HTTP 200 — the service works, an admin has data to enter."""
from __future__ import annotations

import asyncio
import time

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.db import get_engine
from bot.redis_client import ping_redis
from bot.settings import get_settings

CHECK_TIMEOUT = 2.0


async def _check_http(session: aiohttp.ClientSession, url: str) -> dict:
    started = time.perf_counter()
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=CHECK_TIMEOUT)) as resp:
            ok = resp.status < 500
            return {"ok": ok, "status": resp.status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:  # unreachable is a result, not an error of /health
        return {"ok": False, "error": type(exc).__name__}


async def _check_database() -> dict:
    started = time.perf_counter()
    try:
        async with get_engine().connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), CHECK_TIMEOUT)
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


async def _check_redis() -> dict:
    if not get_settings().redis_url:
        return {"ok": True, "configured": False}
    ok = await ping_redis()
    return {"ok": ok, "configured": True}


def _check_calendar() -> dict:
    from bot.calendar import coverage

    try:
        return coverage().to_json()
    except Exception as exc:  # a broken calendar is a finding of /health, not a crash of it
        return {"ok": False, "error": type(exc).__name__}


async def health(request: web.Request) -> web.Response:
    settings = get_settings()
    async with aiohttp.ClientSession() as session:
        rasa, actions, database, redis = await asyncio.gather(
            _check_http(session, f"{settings.rasa_url}/"),
            _check_http(session, f"{settings.action_server_url}/health"),
            _check_database(),
            _check_redis(),
        )
    checks = {"rasa": rasa, "action_server": actions, "database": database, "redis": redis}
    reachable = all(c["ok"] for c in checks.values())
    checks["calendar"] = _check_calendar()
    healthy = reachable and checks["calendar"]["ok"]
    return web.json_response(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if reachable else 503,
        dumps=lambda o: __import__("json").dumps(o, ensure_ascii=False),
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/health", health)
