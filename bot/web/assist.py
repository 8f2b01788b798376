"""POST /api/assist — suggestions for a hotline agent on a call (docs/console.md).

Body ``{"text": "来电人说的话", "call_id": "..." , "preview": false}``; bearer token of a
dispatcher, supervisor or admin. Bad input → 400 JSON; no/unknown token → 401; other roles → 403.
"""
from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web

from bot import assist
from bot.web.errors import ApiError, read_json
from bot.web.http import principal

logger = logging.getLogger(__name__)

AGENT_ROLES = ("dispatcher", "supervisor")  # admin always passes


async def assist_call(request: web.Request) -> web.Response:
    await principal(request, *AGENT_ROLES)
    body = await read_json(request, max_bytes=64 * 1024)
    preview = body.get("preview", False)
    if not isinstance(preview, bool):
        raise ApiError(400, "invalid_preview", "preview 应为 true 或 false")
    try:
        result = await assist.assist(body.get("text"), body.get("call_id"), commit=not preview)
    except assist.AssistError as exc:
        raise ApiError(400, exc.code, exc.message) from exc
    logger.info("assist", extra={"call_id": result["call_id"], "turns": result["turns"], "ms": result["ms"],
                                 "nlu": result["nlu"]["available"]})
    return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _warm_up(app: web.Application) -> None:
    # Build the retrieval index and the router in the background: the first call does not pay for it.
    app["assist_warm_up"] = asyncio.get_running_loop().run_in_executor(None, assist.warm_up)


async def _cleanup(app: web.Application) -> None:
    future = app.get("assist_warm_up")
    if future is not None:
        try:
            await future
        except Exception:
            logger.exception("assist warm-up failed")
    await assist.PARSER.close()


def setup(app: web.Application) -> None:
    app.router.add_post("/api/assist", assist_call)
    app.on_startup.append(_warm_up)
    app.on_cleanup.append(_cleanup)
