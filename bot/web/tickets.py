"""Ticket API (bearer token required on every call; docs/tickets.md).

POST /api/tickets                              create (dispatcher) → 201 ticket
GET  /api/tickets?status=&department=&conversation_id=&light=&sort=queue&q=&from=&to=&urgent=&offset=&limit=
                                               → {"items": [...], "total": n, "offset": n}
GET  /api/tickets/{ticket_no}                  → ticket with history and transcript (call notes, call timer)
POST requests may carry an Idempotency-Key header (bot.web.desk): a repeat gets the first answer.
POST /api/tickets/{ticket_no}/{action}         sign contact reply resolve return reassign dispatch
                                               extension extension/approve supervise visit reopen
                                               link link/confirm unlink (一事多诉)
                                               body: the action's fields + optional "version"
GET  /api/kpi?department=&from=YYYY-MM-DD&to=YYYY-MM-DD
No or unknown token → 401; role not allowed → 403; wrong state or stale version → 409.
"""
from __future__ import annotations


from aiohttp import web

from bot.tickets import kpi, service
from bot.tickets.lifecycle import TicketError
from bot.web import desk
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal, query_date, ticket_api_error

# URL segment → lifecycle action
ACTIONS = {
    "sign": "sign", "contact": "contact", "reply": "reply", "resolve": "resolve", "return": "return",
    "reassign": "reassign", "dispatch": "dispatch", "extension": "extension",
    "extension/approve": "extension_approve", "supervise": "supervise", "visit": "visit", "reopen": "reopen",
    # 一事多诉 (bot.tickets.linking): link to a lead {"lead": "..."}, confirm the auto-link, undo it
    "link": "link", "link/confirm": "link_confirm", "unlink": "unlink",
}
READ_ROLES = ("dispatcher", "handler", "supervisor")


def _version(body: dict):
    version = body.pop("version", None)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ApiError(400, "invalid_version", "version 应为整数")
    return version


async def create(request: web.Request) -> web.Response:
    who = await principal(request, "dispatcher")
    body = await read_json(request)

    async def run():
        try:
            return 201, await service.create_ticket(body, actor=who)
        except TicketError as exc:
            raise ticket_api_error(exc) from exc
    return await desk.once(request, who.username, run)  # Idempotency-Key: a double click makes one ticket


async def list_(request: web.Request) -> web.Response:
    who = await principal(request, *READ_ROLES)
    q = request.query
    try:
        limit = int(q.get("limit", "200"))
        offset = int(q.get("offset", "0"))
    except ValueError:
        raise ApiError(400, "invalid_limit", "limit 和 offset 必须是整数") from None
    start, end = query_date(q.get("from"), "from"), query_date(q.get("to"), "to")
    if start and end and start > end:
        raise ApiError(400, "invalid_range", "from 不能晚于 to")
    urgent = q.get("urgent")
    if urgent not in (None, "", "true", "false"):
        raise ApiError(400, "invalid_urgent", "urgent 应为 true 或 false")
    total: list = []
    try:
        items = await service.list_tickets(who, status=q.get("status") or None, department=q.get("department") or None,
                                           conversation_id=q.get("conversation_id") or None,
                                           light=q.get("light") or None, limit=max(1, min(500, limit)),
                                           sort=q.get("sort") or None, text=(q.get("q") or "").strip()[:100] or None,
                                           date_from=start, date_to=end,
                                           urgent=None if not urgent else urgent == "true",
                                           offset=max(0, offset), total=total)
    except TicketError as exc:
        raise ticket_api_error(exc) from exc
    return json_response({"items": items, "total": total[0] if total else len(items), "offset": max(0, offset)})


async def get(request: web.Request) -> web.Response:
    who = await principal(request, *READ_ROLES)
    try:
        return json_response(await service.get_ticket(request.match_info["ticket_no"], who, transcript=True))
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def act(request: web.Request) -> web.Response:
    action = ACTIONS.get(request.match_info["action"])
    if action is None:
        raise ApiError(404, "unknown_action", f"未知操作：{request.match_info['action']}")
    who = await principal(request)
    body = await read_json(request) if request.can_read_body else {}
    version = _version(body)

    async def run():
        try:
            return 200, await service.act(request.match_info["ticket_no"], action, who, params=body,
                                          expected_version=version)
        except TicketError as exc:
            raise ticket_api_error(exc) from exc
    return await desk.once(request, who.username, run)


async def kpis(request: web.Request) -> web.Response:
    who = await principal(request, "dispatcher", "supervisor", "handler")
    department = request.query.get("department") or None
    if who.role == "handler":
        if department and department != who.department:
            raise ApiError(403, "forbidden", "只能查看本部门的统计")
        department = who.department
    start, end = query_date(request.query.get("from"), "from"), query_date(request.query.get("to"), "to")
    if start and end and start > end:
        raise ApiError(400, "invalid_range", "from 不能晚于 to")
    return json_response(await kpi.compute(department, start, end))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/tickets", create)
    app.router.add_get("/api/tickets", list_)
    app.router.add_get("/api/tickets/{ticket_no}", get)
    app.router.add_post("/api/tickets/{ticket_no}/{action:sign|contact|reply|resolve|return|reassign|dispatch|"
                        "extension|extension/approve|supervise|visit|reopen|link|link/confirm|unlink}", act)
    app.router.add_get("/api/kpi", kpis)
