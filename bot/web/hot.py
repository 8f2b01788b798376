"""GET /api/hot-issues?from=YYYY-MM-DD&to=YYYY-MM-DD&department=&limit= — hot issues (热点问题) as
events with their tickets (bot.tickets.hot; docs/tickets.md "Hot issues"). Bearer token of a
dispatcher, supervisor, handler (own department's events, listing only its own tickets) or admin."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from bot.tickets import hot
from bot.web.errors import ApiError
from bot.web.http import json_response, principal, query_date

MAX_LIMIT = 100


async def hot_issues(request: web.Request) -> web.Response:
    who = await principal(request, "dispatcher", "supervisor", "handler")
    q = request.query
    department = q.get("department") or None
    if who.role == "handler":
        if department and department != who.department:
            raise ApiError(403, "forbidden", "只能查看本部门的热点问题")
        department = who.department
    start, end = hot.bounds(query_date(q.get("from"), "from"), query_date(q.get("to"), "to"), datetime.now(timezone.utc))
    if start > end:
        raise ApiError(400, "invalid_range", "from 不能晚于 to")
    if (end - start).days + 1 > hot.MAX_RANGE_DAYS:
        raise ApiError(400, "invalid_range", f"查询范围不能超过 {hot.MAX_RANGE_DAYS} 天")
    limit = None
    if q.get("limit"):
        try:
            limit = max(1, min(MAX_LIMIT, int(q["limit"])))
        except ValueError:
            raise ApiError(400, "invalid_limit", "limit 必须是整数") from None
    return json_response(await hot.hot_issues(start, end, department=department, limit=limit,
                                      own_tickets_only=who.role == "handler"))


def setup(app: web.Application) -> None:
    app.router.add_get("/api/hot-issues", hot_issues)
