"""The year's 政府信息公开工作年度报告 drafted from the system's records (docs/disclosure.md):

GET /api/disclosure/annual-report?year=&department=&format=json|docx|html|csv   the report (bot.disclosure.report)
GET /api/disclosure/annual-report/draft?year=&department=                   what staff wrote into it
PUT /api/disclosure/annual-report/draft?year=&department=  {overall?, problems?, other?, figures?, version}
Admin and supervisor only; no or unknown token → 401, another role → 403."""
from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal

logger = logging.getLogger(__name__)

ROLES = ("supervisor",)  # admin always passes
FORMATS = {"json": None, "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "html": "text/html", "csv": "text/csv"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _params(request: web.Request) -> tuple[int, str | None, str]:
    q = request.query
    raw = q.get("year", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4) or not 2000 <= int(raw) <= 2100:
        raise ApiError(400, "invalid_year", "year 应为 2000–2100 之间的四位年份")
    department = (q.get("department") or "").strip() or None
    if department is not None and (len(department) > 64 or _CONTROL.search(department)):
        raise ApiError(400, "invalid_department", "department 应为部门名称（最多64字）")
    fmt = q.get("format", "json")
    if fmt not in FORMATS:
        raise ApiError(400, "invalid_format", "format 应为 json、docx、html 或 csv")
    return int(raw), department, fmt


async def annual_report(request: web.Request) -> web.Response:
    from bot.disclosure.cli import report_filename
    from bot.disclosure.render import to_csv, to_docx, to_html
    from bot.disclosure.report import build_report

    who = await principal(request, *ROLES)
    year, department, fmt = _params(request)
    try:
        report = await build_report(year, department)
    except SQLAlchemyError as exc:
        logger.warning("annual report failed", extra={"cause": type(exc).__name__})
        raise ApiError(503, "database_unavailable", "数据库暂时不可用，请稍后再试") from None
    logger.info("disclosure annual report", extra={"user": who.username, "year": year, "format": fmt,
                                                   "checks_ok": report["checks"]["ok"]})
    if fmt == "json":
        return json_response(report)
    name = quote(report_filename(report) + "." + fmt)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{name}", "Cache-Control": "no-store"}
    if fmt == "docx":
        body = await asyncio.to_thread(to_docx, report)
        return web.Response(body=body, content_type=FORMATS[fmt], headers=headers)
    text = to_html(report) if fmt == "html" else to_csv(report)
    return web.Response(text=text, content_type=FORMATS[fmt], charset="utf-8", headers=headers)


async def get_draft(request: web.Request) -> web.Response:
    from bot.disclosure.drafts import get_draft as read
    from bot.disclosure.report import resolve_body

    await principal(request, *ROLES)
    year, department, _ = _params(request)
    return json_response(await read(year, resolve_body(department).department))


async def put_draft(request: web.Request) -> web.Response:
    from bot.disclosure.drafts import DraftError, save_draft
    from bot.disclosure.report import resolve_body

    who = await principal(request, *ROLES)
    year, department, _ = _params(request)
    body = await read_json(request, max_bytes=200_000)
    try:
        saved = await save_draft(year, resolve_body(department).department, body, who.username)
    except DraftError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    except SQLAlchemyError as exc:
        logger.warning("annual report draft not saved", extra={"cause": type(exc).__name__})
        raise ApiError(503, "database_unavailable", "数据库暂时不可用，草稿未保存，请稍后再试") from None
    logger.info("disclosure report draft saved", extra={"user": who.username, "year": year,
                                                         "version": saved["version"]})
    return json_response(saved)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/disclosure/annual-report", annual_report)
    app.router.add_get("/api/disclosure/annual-report/draft", get_draft)
    app.router.add_put("/api/disclosure/annual-report/draft", put_draft)
