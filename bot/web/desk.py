"""The agent desktop's server side (#16): request keys that make a browser's create/transition
idempotent, and the caller's context on a call. docs/console.md "Agent desktop".

Idempotency-Key (header on POST /api/tickets and POST /api/tickets/{no}/{action}): the first request
with a key runs; a repeat with the same key by the same user on the same path (a double click, a
retry after a lost answer) gets the first answer again — same status and body, with the header
``Idempotent-Replayed: true`` — instead of a second ticket or a 409. A repeat that arrives while the
first is still running waits for it (up to 10 s). Only successful answers are kept (10 minutes);
after an error the key may be used again. Keys live in Redis (``gov:console:req:…``) when REDIS_URL
is set, else in the web process's memory.

GET /api/console/caller?phone=… (dispatcher, supervisor, admin): the caller's previous tickets and
open applications by phone number, masked (phone, names, numbers in the text), newest first.

GET /favicon.ico: the console's icon.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from typing import Awaitable, Callable

from aiohttp import web

from bot.web.errors import ApiError
from bot.web.http import principal

logger = logging.getLogger(__name__)

KEY_HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,80}$")
TTL_SECONDS = 600
WAIT_SECONDS = 10.0
PENDING = "pending"
_memory: dict[str, tuple[float, asyncio.Future]] = {}
CALLER_LIMIT = 20


def _dumps(o) -> str:
    return json.dumps(o, ensure_ascii=False, default=str)


def _response(status: int, data, replayed: bool) -> web.Response:
    resp = web.Response(status=status, text=_dumps(data), content_type="application/json", charset="utf-8")
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _slot(request: web.Request, username: str) -> str | None:
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return None
    if not KEY_RE.match(key):
        raise ApiError(400, "invalid_request_key", "Idempotency-Key 应为 8–80 个字母、数字或 _ . : -")
    return hashlib.sha256(f"{username}\n{request.path}\n{key}".encode("utf-8")).hexdigest()


async def once(request: web.Request, username: str, run: Callable[[], Awaitable[tuple[int, object]]]) -> web.Response:
    """Run ``run`` (→ status, JSON body) once per Idempotency-Key; repeats get its answer."""
    slot = _slot(request, username)
    if slot is None:
        status, data = await run()
        return _response(status, data, False)
    from bot.redis_client import get_redis

    redis = get_redis()
    if redis is not None:
        try:
            return await _once_redis(redis, "gov:console:req:" + slot, run)
        except ApiError:
            raise
        except (OSError, ConnectionError) as exc:  # Redis away: this process's memory still stops a double click
            logger.warning("request keys: redis unavailable", extra={"error": type(exc).__name__})
        except Exception as exc:  # redis-py's own errors
            if type(exc).__module__.startswith("redis"):
                logger.warning("request keys: redis unavailable", extra={"error": type(exc).__name__})
            else:
                raise
    return await _once_memory(slot, run)


async def _once_memory(slot: str, run) -> web.Response:
    now = time.monotonic()
    for k in [k for k, (at, _) in _memory.items() if now - at > TTL_SECONDS]:
        _memory.pop(k, None)
    held = _memory.get(slot)
    if held is not None:
        try:
            status, data = await asyncio.wait_for(asyncio.shield(held[1]), WAIT_SECONDS)
            return _response(status, data, True)
        except asyncio.TimeoutError:
            raise ApiError(409, "request_in_progress", "相同的请求正在处理中，请稍候") from None
        except Exception:  # the first attempt failed: this one runs on its own
            pass
    future = asyncio.get_running_loop().create_future()
    _memory[slot] = (now, future)
    try:
        status, data = await run()
    except BaseException as exc:
        _memory.pop(slot, None)
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody waits
        raise
    future.set_result((status, data))
    return _response(status, data, False)


async def _once_redis(redis, key: str, run) -> web.Response:
    if not await redis.set(key, PENDING, nx=True, ex=TTL_SECONDS):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            stored = await redis.get(key)
            if stored is None:  # the first attempt failed and freed the key
                break
            if stored != PENDING:
                saved = json.loads(stored)
                return _response(saved["status"], saved["body"], True)
            if time.monotonic() > deadline:
                raise ApiError(409, "request_in_progress", "相同的请求正在处理中，请稍候")
            await asyncio.sleep(0.1)
        if not await redis.set(key, PENDING, nx=True, ex=TTL_SECONDS):
            raise ApiError(409, "request_in_progress", "相同的请求正在处理中，请稍候")
    try:
        status, data = await run()
    except BaseException:
        await redis.delete(key)
        raise
    await redis.set(key, _dumps({"status": status, "body": data}), ex=TTL_SECONDS)
    return _response(status, data, False)


async def caller(request: web.Request) -> web.Response:
    """The caller's previous tickets and open applications, by the phone number the agent typed."""
    from sqlalchemy import select

    from bot.approvals.models import Application
    from bot.db import session_scope
    from bot.identifiers import is_valid_mobile, normalize_phone
    from bot.privacy import mask_name, mask_phone, mask_text
    from bot.tickets import sla
    from bot.tickets.models import OPEN_STATUSES, STATUSES, Ticket
    await principal(request, "dispatcher", "supervisor")
    phone = (request.query.get("phone") or "").strip()
    if not is_valid_mobile(phone):
        raise ApiError(400, "invalid_phone", "请输入 11 位手机号码")
    phone = normalize_phone(phone)
    async with session_scope() as session:
        tickets = list((await session.execute(
            select(Ticket).where(Ticket.contact_phone == phone)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(CALLER_LIMIT))).unique().scalars())
        apps = list((await session.execute(
            select(Application).where(Application.applicant_phone == phone, Application.status == "in_progress")
            .order_by(Application.submitted_at.desc()).limit(CALLER_LIMIT))).unique().scalars())
        out = {
            "phone": mask_phone(phone),
            "tickets": [{
                "ticket_no": t.ticket_no, "created_at": sla.iso(t.created_at), "category": t.category,
                "urgent": t.urgent, "status": t.status, "status_label": STATUSES.get(t.status, t.status),
                "open": t.status in OPEN_STATUSES, "department": t.department,
                "contact_name": mask_name(t.contact_name) if t.contact_name else None,
                "description": mask_text(t.description[:120]),
            } for t in tickets],
            "applications": [{
                "application_no": a.application_no, "item_name": a.item_name, "department": a.department,
                "status": a.status, "submitted_at": sla.iso(a.submitted_at),
                "applicant_name": mask_name(a.applicant_name),
            } for a in apps],
        }
    out["open_tickets"] = sum(1 for t in out["tickets"] if t["open"])
    return web.json_response(out, dumps=_dumps)


async def favicon(_request: web.Request) -> web.Response:
    """/favicon.ico for pages that do not name one (the console names /static/console/favicon.svg)."""
    from pathlib import Path

    svg = (Path(__file__).parent / "static" / "console" / "favicon.svg").read_bytes()
    return web.Response(body=svg, content_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def setup(app: web.Application) -> None:
    from bot.web import canned  # imported here: canned needs bot.web.tickets, which imports this module

    canned.setup(app)
    app.router.add_get("/api/console/caller", caller)
    app.router.add_get("/favicon.ico", favicon)
