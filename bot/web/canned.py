"""常用语 (canned replies) for live chat agents, per department, kept by admins (#16).

GET    /api/canned-replies?department=   → {"items": [...]}: the general ones (no department) and the
                                           department's; dispatchers, supervisors and admins see every
                                           department's unless one is asked for, handlers their own
POST   /api/canned-replies               {"title", "text", "department"?} → 201 (admin)
PUT    /api/canned-replies/{id}          {"title", "text", "department"?} → 200 (admin)
DELETE /api/canned-replies/{id}          → 204 (admin)
GET    /api/canned-replies/{id}/history  → {"items": [{at, actor, action, before, after}]} (admin)

Every create, change and removal is written to the audit trail (bot.audit.trail) in the same
transaction: ``canned_reply_create`` / ``canned_reply_update`` / ``canned_reply_delete`` on
``canned_reply:<id>``, the admin as actor, ``{"before": …, "after": …}`` (title, text, department)
as data; the history of a reply, also after its removal, is read back from there.
"""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from sqlalchemy import or_, select

from bot.audit import trail
from bot.audit.models import AuditEntry
from bot.db import session_scope
from bot.livechat.models import CannedReply
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal

TITLE_MAX, TEXT_MAX = 64, 1000




AUDITED = ("title", "text", "department")


def _audited(r: CannedReply) -> dict:
    return {k: getattr(r, k) for k in AUDITED}


async def _audit(session, who, action: str, row_id: int, before, after) -> None:
    await trail.append(session, actor=who.username, action=f"canned_reply_{action}", object_type="canned_reply",
                       object_id=str(row_id), data={"before": before, "after": after})


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
        await _audit(session, who, "create", row.id, None, _audited(row))
        return json_response(_out(row), status=201)


async def update(request: web.Request) -> web.Response:
    who = await principal(request, "admin")
    clean = _clean(await read_json(request))
    async with session_scope() as session:
        row = await session.get(CannedReply, _id(request))
        if row is None:
            raise ApiError(404, "not_found", "常用语不存在")
        before = _audited(row)
        for key, value in clean.items():
            setattr(row, key, value)
        row.updated_by, row.updated_at = who.username, datetime.now(timezone.utc)
        await session.flush()
        if _audited(row) != before:
            await _audit(session, who, "update", row.id, before, _audited(row))
        return json_response(_out(row))


async def delete(request: web.Request) -> web.Response:
    who = await principal(request, "admin")
    async with session_scope() as session:
        row = await session.get(CannedReply, _id(request))
        if row is None:
            raise ApiError(404, "not_found", "常用语不存在")
        await _audit(session, who, "delete", row.id, _audited(row), None)
        await session.delete(row)
    return web.Response(status=204)


async def history(request: web.Request) -> web.Response:
    await principal(request, "admin")
    row_id = _id(request)
    async with session_scope() as session:
        entries = (await session.execute(select(AuditEntry).where(
            AuditEntry.object_type == "canned_reply", AuditEntry.object_id == str(row_id))
            .order_by(AuditEntry.seq))).scalars().all()
    items = [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action.removeprefix("canned_reply_"),
              "before": (e.data or {}).get("before"), "after": (e.data or {}).get("after")} for e in entries]
    if not items:
        raise ApiError(404, "not_found", "常用语不存在")
    return json_response({"items": items})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/canned-replies", list_)
    app.router.add_post("/api/canned-replies", create)
    app.router.add_put("/api/canned-replies/{id}", update)
    app.router.add_delete("/api/canned-replies/{id}", delete)
    app.router.add_get("/api/canned-replies/{id}/history", history)
