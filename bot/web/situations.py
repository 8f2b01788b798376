"""Situational guides and the 一次性告知单 over HTTP (public information, no auth; docs/situations.md).

GET /api/situations                          → the guides that have situations
GET /api/situations/{guide_id}               → its questions (id, ask, options, when)
GET /api/situations/{guide_id}/checklist?q=v → the applicant's list as JSON (+ next_question)
GET /checklist/{guide_id}?q=v                → the mobile page of the list (the QR code's target)
GET /checklist/{guide_id}.pdf?q=v            → the printable PDF
POST /api/situations/{guide_id}/sms          → the 告知单 link to a caller's mobile (hotline agents)
"""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.identifiers import is_valid_mobile, normalize_phone
from bot.delivery import FAILED, deliver
from bot.privacy import mask_phone
from bot.situations.data import SituationError, Situations, get_situations
from bot.situations.engine import next_question
from bot.situations.replies import sms_text
from bot.situations.sheet import SheetError, build, parse_answers, render_html, render_pdf, sheet_url
from bot.web.errors import ApiError, read_json
from bot.web.knowledge import _index
from bot.web.http import json_response, principal

logger = logging.getLogger(__name__)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}




def _all() -> dict[str, Situations]:
    try:
        return get_situations()
    except SituationError as exc:  # bad data: say so, do not crash the whole service
        logger.error("situations unavailable: %s", exc)
        raise ApiError(503, "situations_unavailable", "情形引导数据暂不可用，请稍后再试") from exc


def _spec(guide_id: str) -> Situations:
    spec = _all().get(guide_id)
    if spec is None:
        raise ApiError(404, "situations_not_found", f"办事指南 {guide_id} 没有情形引导")
    return spec


async def _sheet(request: web.Request):
    guide_id = request.match_info["guide_id"]
    spec = _spec(guide_id)
    try:
        answers = parse_answers(spec, dict(request.query))
        index = await _index(request.app)
        return spec, answers, build(index.knowledge, spec, answers)
    except SheetError as exc:
        raise ApiError(404 if exc.code == "guide_not_found" else 400, exc.code, str(exc)) from None


async def list_guides(_request: web.Request) -> web.Response:
    return json_response({"guides": [{"guide": g, "questions": len(s.questions)} for g, s in sorted(_all().items())]})


async def questions(request: web.Request) -> web.Response:
    spec = _spec(request.match_info["guide_id"])
    return json_response({"guide": spec.guide, "questions": [q.to_json() for q in spec.questions],
                  "sources": list(spec.sources)})


async def checklist_json(request: web.Request) -> web.Response:
    spec, answers, sheet = await _sheet(request)
    body = sheet.to_json()
    nxt = next_question(spec, answers)
    body["next_question"] = nxt.to_json() if nxt else None
    return json_response(body)


async def checklist_page(request: web.Request) -> web.Response:
    _spec_, _answers, sheet = await _sheet(request)
    return web.Response(text=render_html(sheet), content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)


async def checklist_pdf(request: web.Request) -> web.Response:
    _spec_, _answers, sheet = await _sheet(request)
    pdf = await asyncio.get_running_loop().run_in_executor(None, render_pdf, sheet)
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"checklist-{sheet.guide.id}.pdf\"",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"})


AGENT_ROLES = ("dispatcher", "supervisor")  # admin always passes


async def send_sms(request: web.Request) -> web.Response:
    """Body ``{"phone": "139…", "answers": {"stage": "first"}}``: the caller's 告知单 link by SMS."""
    who = await principal(request, *AGENT_ROLES)
    spec = _spec(request.match_info["guide_id"])
    body = await read_json(request, max_bytes=8 * 1024)
    phone = body.get("phone")
    if not isinstance(phone, str) or not is_valid_mobile(phone):
        raise ApiError(400, "invalid_phone", "请提供11位手机号码")
    raw = body.get("answers") or {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ApiError(400, "invalid_answer", "answers 应为 {问题: 选项值} 映射")
    try:
        answers = parse_answers(spec, raw)
    except SheetError as exc:
        raise ApiError(400, exc.code, str(exc)) from None
    index = await _index(request.app)
    guide = index.knowledge.guides.get(spec.guide)
    url = sheet_url(spec.guide, answers)
    phone = normalize_phone(phone)
    # deliver() never raises: only the error's kind comes back (the sender's message may hold the number).
    delivery = await deliver("sms", phone, sms_text(guide.name if guide else spec.guide, url))
    if delivery.status == FAILED:
        logger.error("告知单 sms failed", extra={"phone": mask_phone(phone), "error": delivery.error})
        raise ApiError(503, "sms_unavailable", "短信暂时发送失败，请稍后再试或口头告知链接")
    logger.info("告知单 sms sent", extra={"guide": spec.guide, "phone": mask_phone(phone), "by": who.username})
    return json_response({"sent": True, "phone": mask_phone(phone), "url": url})


async def _validate(_app: web.Application) -> None:
    """Load and validate the situations at start-up: bad data is in the log at once, not on the
    first citizen's request (which then gets 503 situations_unavailable)."""
    try:
        await asyncio.get_running_loop().run_in_executor(None, get_situations)
    except Exception:
        logger.exception("situations could not be loaded at start-up")


def setup(app: web.Application) -> None:
    app.on_startup.append(_validate)
    app.router.add_get("/api/situations", list_guides)
    app.router.add_get("/api/situations/{guide_id}", questions)
    app.router.add_get("/api/situations/{guide_id}/checklist", checklist_json)
    app.router.add_post("/api/situations/{guide_id}/sms", send_sms)
    app.router.add_get(r"/checklist/{guide_id:[a-z0-9][a-z0-9_\-]*}.pdf", checklist_pdf)
    app.router.add_get(r"/checklist/{guide_id:[a-z0-9][a-z0-9_\-]*}", checklist_page)
