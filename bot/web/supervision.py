"""电子监察 API (bearer token; docs/supervision.md, bot/web/openapi.yml).

GET  /api/supervision/board?from=&to=&weeks=&department=   supervisor → the board's figures
GET  /api/supervision/notifications?all=1                  handler, supervisor → yellow/red warnings
POST /api/supervision/notifications/{id}/read              → the warning, marked read
POST /api/supervision/applications/{no}/explain            handler of the department {"stage", "reason"}
POST /api/supervision/applications/{no}/supervise          supervisor {"note"?} → 督办
POST /api/supervision/opt-outs                             dispatcher, supervisor {"address"} → 退订
No or unknown token → 401; another role → 403 (admin passes everywhere).
"""
from __future__ import annotations

import logging
import re
from datetime import date

from aiohttp import web

from bot.cases.numbers import is_case_no_shape, normalize_case_no
from bot.calendar import local_today
from bot.identifiers import normalize_phone
from bot.supervision import board as board_mod, service, staff
from bot.settings import get_settings
from bot.supervision.policy import load_policy
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
BOARD_ROLES = ("supervisor",)
STAFF_ROLES = ("handler", "supervisor")


def _date(raw, name: str):
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise ApiError(400, "invalid_date", f"{name} 应为 YYYY-MM-DD（2000–2100年）")
    return day


def _text(value) -> str:
    """Body text without control characters (PostgreSQL refuses NUL) — never a 500 on odd input."""
    return _CONTROL.sub("", value) if isinstance(value, str) else ""


def _number(request: web.Request) -> str:
    number = normalize_case_no(request.match_info["number"])
    if not is_case_no_shape(number):
        raise ApiError(404, "not_found", "没有这个办件")
    return number


def _error(exc: staff.SupervisionError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


async def get_board(request: web.Request) -> web.Response:
    await principal(request, *BOARD_ROLES)
    q = request.query
    weeks = q.get("weeks", "8")
    if not (weeks.isascii() and weeks.isdigit()) or not 1 <= int(weeks) <= 52:
        raise ApiError(400, "invalid_weeks", "weeks 应为 1–52 的整数")
    department = q.get("department") or None
    if department is not None and (len(department) > 64 or _CONTROL.search(department)):
        raise ApiError(400, "invalid_department", "department 应为部门名称（最多64字）")
    return json_response(await board_mod.board(local_today(), _date(q.get("from"), "from"), _date(q.get("to"), "to"),
                                       int(weeks), department))


async def list_notifications(request: web.Request) -> web.Response:
    who = await principal(request, *STAFF_ROLES)
    return json_response(await staff.notifications(who, request.query.get("all", "") in ("1", "true", "yes")))


async def read_notification(request: web.Request) -> web.Response:
    who = await principal(request, *STAFF_ROLES)
    raw = request.match_info["notice_id"]
    found = await staff.mark_read(who, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None
    if found is None:
        raise ApiError(404, "not_found", "没有这条提醒")
    return json_response(found)


async def explain(request: web.Request) -> web.Response:
    who = await principal(request, "handler")
    body = await read_json(request)
    try:
        return json_response(await staff.explain(who, _number(request), _text(body.get("stage")), _text(body.get("reason"))),
                     201)
    except staff.SupervisionError as exc:
        raise _error(exc) from None


async def supervise(request: web.Request) -> web.Response:
    who = await principal(request, "supervisor")
    body = await read_json(request)
    try:
        return json_response(await staff.mark_supervised(who, _number(request), _text(body.get("note")) or None))
    except staff.SupervisionError as exc:
        raise _error(exc) from None


async def add_opt_out(request: web.Request) -> web.Response:
    """退订 recorded by a 12345 agent for a caller: no more stage notices to that phone or openid."""
    await principal(request, "dispatcher", "supervisor")
    body = await read_json(request)
    address = _text(body.get("address")).strip()
    if not 5 <= len(address) <= 128:
        raise ApiError(400, "invalid_address", "address 应为申请人的手机号或微信 openid")
    if re.fullmatch(r"[0-9\s\-+()（）]+", address):  # a phone, written as the import stores it
        address = normalize_phone(address)
    added = await service.opt_out(address)
    return json_response({"opted_out": True, "new": added}, 201 if added else 200)


def setup(app: web.Application) -> None:
    # knowledge/supervision.yml validated at start-up: a broken file stops the service; a knowledge
    # directory without it (a deployment without approvals) serves everything else
    if (get_settings().knowledge_dir / "supervision.yml").exists():
        load_policy()
    else:
        logging.getLogger(__name__).warning("knowledge/supervision.yml not found: supervision is off")
    app.router.add_get("/api/supervision/board", get_board)
    app.router.add_get("/api/supervision/notifications", list_notifications)
    app.router.add_post("/api/supervision/notifications/{notice_id}/read", read_notification)
    app.router.add_post("/api/supervision/applications/{number}/explain", explain)
    app.router.add_post("/api/supervision/applications/{number}/supervise", supervise)
    app.router.add_post("/api/supervision/opt-outs", add_opt_out)
