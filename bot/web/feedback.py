"""Ratings of the bot's answers (docs/feedback.md).

POST /api/feedback                   (no login; from the widget, any origin) {"conversation_id", "rating":
                                     "up"|"down", "answer", "answer_at"?, "question"?, "context"?} → 201
GET  /api/feedback/queue?state=pending|wrong|ok&offset=&limit=    (admin) the 👎 answers to review
POST /api/feedback/{id}/review       (admin) {"verdict": "wrong", "correct_answer", "note"?} | {"verdict": "ok"}
GET  /api/feedback/export            (admin) the answers marked wrong as candidate NLU examples and FAQ entries
"""
from __future__ import annotations

from aiohttp import web

from bot.feedback import service
from bot.tickets.lifecycle import TicketError
from bot.web.errors import read_json
from bot.web.public import _int
from bot.web.http import json_response, principal, ticket_api_error

# The widget runs on other sites' pages: a plain cross-origin POST (text/plain needs no preflight).
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "86400"}


async def rate(request: web.Request) -> web.Response:
    body = await read_json(request, max_bytes=20_000)
    try:
        return json_response(await service.record(body), status=201, headers=CORS)
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def preflight(_request: web.Request) -> web.Response:
    return web.Response(status=204, headers=CORS)


async def review_queue(request: web.Request) -> web.Response:
    who = await principal(request)
    q = request.query
    try:
        return json_response(await service.queue(who, q.get("state") or "pending", _int(q.get("limit"), "limit", 50, 1, 200),
                                         _int(q.get("offset"), "offset", 0, 0, 1_000_000)))
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def review(request: web.Request) -> web.Response:
    who = await principal(request)
    raw = request.match_info["id"]
    body = await read_json(request)
    try:
        return json_response(await service.review(int(raw) if raw.isdigit() and len(raw) < 10 else 0, who, body))
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def export(request: web.Request) -> web.Response:
    who = await principal(request)
    try:
        data = await service.export(who)
    except TicketError as exc:
        raise ticket_api_error(exc) from exc
    return json_response(data, headers={"Content-Disposition": 'attachment; filename="answer-candidates.json"'})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/feedback", rate)
    app.router.add_route("OPTIONS", "/api/feedback", preflight)
    app.router.add_get("/api/feedback/queue", review_queue)
    app.router.add_post("/api/feedback/{id}/review", review)
    app.router.add_get("/api/feedback/export", export)
