"""What every area of the web API shares: who is calling (a bearer token → ``principal``, with the
role check), JSON out (``json_response``, Chinese kept readable), a date in a query string, and a
ticket error as an API error."""
from __future__ import annotations

import json
from datetime import date

from aiohttp import web

from bot.auth.service import Principal, authenticate
from bot.db import session_scope
from bot.tickets.lifecycle import TicketError
from bot.web.errors import ApiError


def json_response(data, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False, default=str))


def ticket_api_error(exc: TicketError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


async def principal(request: web.Request, *roles: str) -> Principal:
    who = request.get(PRINCIPAL_KEY)
    if who is None:
        who = await _authenticate(request)
        request[PRINCIPAL_KEY] = who
    if roles and not who.has_role(*roles):
        raise ApiError(403, "forbidden", f"角色 {who.role} 无权执行此操作")
    return who


PRINCIPAL_KEY = "principal"


async def _authenticate(request: web.Request) -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "需要登录：请在 Authorization 头中提供 Bearer 令牌")
    try:
        async with session_scope() as session:
            who = await authenticate(session, token.strip())
    except Exception as exc:
        raise ApiError(503, "database_unavailable", "工单系统暂时不可用，请稍后再试") from exc
    if who is None:
        raise ApiError(401, "unauthorized", "令牌无效、已吊销或用户已停用")
    return who


def query_date(value: str | None, name: str):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(400, f"invalid_{name}", f"{name} 应为日期 YYYY-MM-DD") from None
