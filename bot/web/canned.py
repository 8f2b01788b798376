"""常用语 (canned replies) for live chat agents, per department, kept by admins (#16).

GET    /api/canned-replies?department=   → {"items": [...]}: the general ones (no department) and the
                                           department's; dispatchers, supervisors and admins see every
                                           department's unless one is asked for, handlers their own
POST   /api/canned-replies               {"title", "text", "department"?} → 201 (admin)
PUT    /api/canned-replies/{id}          {"title", "text", "department"?} → 200 (admin)
DELETE /api/canned-replies/{id}          → 204 (admin)
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import or_, select

from bot.db import session_scope
from bot.livechat.models import CannedReply
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal

TITLE_MAX, TEXT_MAX = 64, 1000




def _out(r: CannedReply) -> dict:
    return {"id": r.id, "department": r.department, "title": r.title, "text": r.text,
            "updated_by": r.updated_by, "updated_at": r.updated_at.isoformat() if r.updated_at else None}


def _clean(body: dict) -> dict:
    title, text, department = body.get("title"), body.get("text"), body.get("department")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > TITLE_MAX:
        raise ApiError(400, "invalid_title", f"标题不能为空，且不超过 {TITLE_MAX} 个字符")
    if not isinstance(text, str) or not text.strip() or len(text.strip()) > TEXT_MAX:
        raise ApiError(400, "invalid_text", f"内容不能为空，且不超过 {TEXT_MAX} 个字符")
    if department not in (None, "") and (not isinstance(department, str) or len(department.strip()) > 64):
        raise ApiError(400, "invalid_department", "部门名称不超过 64 个字符")
    return {"title": title.strip(), "text": text.strip(), "department": (department or "").strip() or None}


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise ApiError(404, "not_found", "常用语不存在") from None


async def list_(request: web.Request) -> web.Response:
    who = await principal(request, "dispatcher", "supervisor", "handler")
    department = who.department if who.role == "handler" else (request.query.get("department") or None)
    query = select(CannedReply).order_by(CannedReply.department.is_(None).desc(), CannedReply.department,
                                         CannedReply.title, CannedReply.id)
    if department:
        query = query.where(or_(CannedReply.department.is_(None), CannedReply.department == department))
    async with session_scope() as session:
        return json_response({"items": [_out(r) for r in (await session.execute(query)).scalars()]})


async def create(request: web.Request) -> web.Response:
    who = await principal(request, "admin")
    clean = _clean(await read_json(request))
    async with session_scope() as session:
        row = CannedReply(**clean, updated_by=who.username, updated_at=datetime.now(timezone.utc))
        session.add(row)
        await session.flush()
        return json_response(_out(row), status=201)


async def update(request: web.Request) -> web.Response:
    who = await principal(request, "admin")
    clean = _clean(await read_json(request))
    async with session_scope() as session:
        row = await session.get(CannedReply, _id(request))
        if row is None:
            raise ApiError(404, "not_found", "常用语不存在")
        for key, value in clean.items():
            setattr(row, key, value)
        row.updated_by, row.updated_at = who.username, datetime.now(timezone.utc)
        await session.flush()
        return json_response(_out(row))


async def delete(request: web.Request) -> web.Response:
    await principal(request, "admin")
    async with session_scope() as session:
        row = await session.get(CannedReply, _id(request))
        if row is None:
            raise ApiError(404, "not_found", "常用语不存在")
        await session.delete(row)
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/canned-replies", list_)
    app.router.add_post("/api/canned-replies", create)
    app.router.add_put("/api/canned-replies/{id}", update)
    app.router.add_delete("/api/canned-replies/{id}", delete)
