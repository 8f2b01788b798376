"""Live chat queue for agents (docs/console.md). Bearer token of a dispatcher, supervisor or admin.

GET  /api/livechat?status=open|waiting|active|closed   → {"items": [...], "in_service": bool, "hours": "..."}
GET  /api/livechat/{id}                                → hand-off + transcript (from Rasa's tracker)
POST /api/livechat/{id}/reply {"text": "..."}          → stored, then delivered on the conversation's
                                                         channel (bot.livechat.service, bot.delivery)
POST /api/livechat/{id}/close                          → closed
"""
from __future__ import annotations

import logging

import aiohttp
from aiohttp import web

from bot.livechat import service
from bot.settings import get_settings
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal

logger = logging.getLogger(__name__)

AGENT_ROLES = ("dispatcher", "supervisor")
RASA_TIMEOUT = aiohttp.ClientTimeout(total=10)
TRANSCRIPT_EVENTS = 60




def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise ApiError(404, "not_found", "会话不存在") from None


def _error(exc: service.LiveChatError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


async def list_(request: web.Request) -> web.Response:
    await principal(request, *AGENT_ROLES)
    try:
        items = await service.list_handoffs(request.query.get("status") or "open")
    except service.LiveChatError as exc:
        raise _error(exc) from exc
    return json_response({"items": items, "in_service": service.in_service(), "hours": service.hours_text()})


async def _transcript(conversation_id: str) -> list[dict]:
    """The conversation's recent user and bot messages from Rasa's tracker ([] when Rasa is away)."""
    url = f"{get_settings().rasa_url}/conversations/{conversation_id}/tracker"
    try:
        async with aiohttp.ClientSession(timeout=RASA_TIMEOUT) as http:
            async with http.get(url, params={"include_events": "ALL"}) as resp:
                if resp.status != 200:
                    return []
                tracker = await resp.json(content_type=None)
    except Exception as exc:
        logger.warning("live chat: tracker unavailable", extra={"error": type(exc).__name__})
        return []
    out = []
    for event in tracker.get("events") or []:
        if event.get("event") in ("user", "bot") and event.get("text"):
            out.append({"from": event["event"], "text": event["text"], "at": event.get("timestamp")})
    return out[-TRANSCRIPT_EVENTS:]


async def get(request: web.Request) -> web.Response:
    await principal(request, *AGENT_ROLES)
    try:
        handoff = await service.get_handoff(_id(request))
    except service.LiveChatError as exc:
        raise _error(exc) from exc
    handoff["transcript"] = await _transcript(handoff["conversation_id"])
    handoff["agent_messages"] = await service.messages(handoff["id"])
    return json_response(handoff)


async def reply(request: web.Request) -> web.Response:
    who = await principal(request, *AGENT_ROLES)
    body = await read_json(request, max_bytes=16 * 1024)
    try:
        handoff, message_id = await service.add_agent_message(_id(request), who.username, body.get("text"))
    except service.LiveChatError as exc:
        raise _error(exc) from exc
    delivered = await service.deliver_agent_messages(handoff["conversation_id"], handoff["channel"])
    if not delivered:
        raise ApiError(503, "rasa_unavailable", "回复已保存，但对话服务暂时不可用，未能送达群众；服务恢复后会随您的下一条回复一并送达")
    return json_response({"handoff": handoff, "message_id": message_id, "delivered": True})


async def close(request: web.Request) -> web.Response:
    who = await principal(request, *AGENT_ROLES)
    try:
        return json_response(await service.close_handoff(_id(request), who.username))
    except service.LiveChatError as exc:
        raise _error(exc) from exc


def setup(app: web.Application) -> None:
    app.router.add_get("/api/livechat", list_)
    app.router.add_get("/api/livechat/{id}", get)
    app.router.add_post("/api/livechat/{id}/reply", reply)
    app.router.add_post("/api/livechat/{id}/close", close)
