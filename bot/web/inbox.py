"""Staff reminders and escalations (bearer token; docs/tickets.md).

GET  /api/notifications?all=1        → {"unread": N, "items": [...]} (unread only unless all=1)
POST /api/notifications/{id}/read    → the notice, marked read; 404 when it is not the caller's
"""
from __future__ import annotations

from aiohttp import web

from bot.tickets import inbox
from bot.web.errors import ApiError
from bot.web.http import json_response, principal

ROLES = ("dispatcher", "handler", "supervisor")


async def list_notifications(request: web.Request) -> web.Response:
    who = await principal(request, *ROLES)
    include_read = request.query.get("all", "") in ("1", "true", "yes")
    return json_response(await inbox.list_for(who, include_read))


async def read_notification(request: web.Request) -> web.Response:
    who = await principal(request, *ROLES)
    raw = request.match_info["notification_id"]
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(404, "not_found", "没有这条提醒")
    found = await inbox.mark_read(who, int(raw))
    if found is None:
        raise ApiError(404, "not_found", "没有这条提醒")
    return json_response(found)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/notifications", list_notifications)
    app.router.add_post("/api/notifications/{notification_id}/read", read_notification)
