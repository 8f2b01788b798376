"""Push API of the source systems (docs/approvals.md): an approval or disclosure system sends its
changes as they happen instead of (or besides) the JSON-lines imports.

POST /api/approvals/applications   {"rows": [<a row of `import approvals`>, ...]}
POST /api/disclosure/requests      {"rows": [<a row of `import disclosure-requests`>, ...]}
POST /api/disclosure/appeals       {"rows": [<a row of `import disclosure-appeals`>, ...]}
→ 200 {"inserted", "updated", "unchanged", "invalid", "errors": [{"index", "key", "message"}]}

Bearer token of the ``system`` role (admin too); no or unknown token → 401, another role → 403.
Rows go through the import's own validation and upsert (import_application_objects /
import_request_objects), so the API accepts exactly what the file import accepts: upsert by
number, idempotent, invalid rows reported by index and skipped, the valid rest written in one
transaction. At most MAX_ROWS rows per request (413 beyond). The synchronous database work runs in
a worker thread, off the event loop.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Callable

from aiohttp import web
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.approvals.importer import import_application_objects
from bot.imports.jsonl import ImportResult
from bot.disclosure.importer import import_appeal_objects, import_request_objects
from bot.privacy import mask_text
from bot.web.errors import ApiError, read_json
from bot.web.http import principal

logger = logging.getLogger(__name__)

MAX_ROWS = 1000
MAX_BYTES = 2_000_000  # below the app's client_max_size (2 MiB)
ROLES = ("system",)    # admin always passes


def batch_label(index: int) -> str:
    return f"rows[{index}]"


async def _rows(request: web.Request) -> list:
    body = await read_json(request, max_bytes=MAX_BYTES)
    rows = body.get("rows")
    if not isinstance(rows, list):
        raise ApiError(400, "invalid_rows", '请求体应为 {"rows": [...]}，rows 为行对象的列表')
    if len(rows) > MAX_ROWS:
        raise ApiError(413, "too_many_rows", f"一次最多提交 {MAX_ROWS} 行（本次 {len(rows)} 行），请分批提交",
                       max_rows=MAX_ROWS)
    return rows


def response_body(result: ImportResult) -> dict:
    return {**result.counts(),
            "errors": [{"index": e.line, "key": e.key, "message": e.message} for e in result.errors]}


async def _push(request: web.Request, importer: Callable[..., ImportResult]) -> web.Response:
    who = await principal(request, *ROLES)
    rows = await _rows(request)
    try:
        result = await asyncio.to_thread(importer, list(enumerate(rows)), None, (), batch_label)
    except IntegrityError as exc:  # a concurrent push inserted the same number first
        logger.warning("sync push conflict", extra={"path": request.path, "cause": type(exc).__name__})
        raise ApiError(409, "conflict", "同一编号正被并发写入，请重试本批（重试是幂等的）") from None
    except SQLAlchemyError as exc:  # never log str(exc): it carries the row values
        logger.warning("sync push failed", extra={"path": request.path, "cause": type(exc).__name__})
        raise ApiError(503, "database_unavailable", "数据库暂时不可用，本批未写入，请稍后重试") from None
    logger.info("sync push", extra={
        "path": request.path, "user": who.username, **result.counts(),
        "errors": [f"rows[{e.line}]: {mask_text(e.message)}" for e in result.errors[:5]]})
    if importer is import_application_objects:
        await _supervise([r.get("application_no") for r in rows if isinstance(r, dict)])
    return web.json_response(response_body(result), dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _supervise(numbers: list) -> None:
    """Lights, warnings and stage notices of the pushed applications now (bot.supervision); a
    failure here never fails the push: the worker's next sweep does the same work."""
    from bot.cases.numbers import normalize_case_no
    from bot.supervision.service import deliver, refresh

    try:
        await refresh(numbers=[normalize_case_no(n) for n in numbers if isinstance(n, str)], send=False,
                      live=True)
    except Exception as exc:
        logger.warning("supervision after push failed", extra={"cause": type(exc).__name__})
        return
    task = asyncio.get_running_loop().create_task(deliver())  # notices sent off the request
    _SENDING.add(task)
    task.add_done_callback(_SENDING.discard)


_SENDING: set = set()


async def _drain(_app: web.Application) -> None:
    """On shutdown, let notices being sent finish (before the engine is disposed); the rest stays
    in the outbox for the worker."""
    pending = [t for t in _SENDING if not t.done() and t.get_loop() is asyncio.get_running_loop()]
    if pending:
        await asyncio.wait(pending, timeout=10)


async def push_applications(request: web.Request) -> web.Response:
    return await _push(request, import_application_objects)


async def push_disclosure_requests(request: web.Request) -> web.Response:
    return await _push(request, import_request_objects)


async def push_disclosure_appeals(request: web.Request) -> web.Response:
    return await _push(request, import_appeal_objects)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/approvals/applications", push_applications)
    app.router.add_post("/api/disclosure/requests", push_disclosure_requests)
    app.router.add_post("/api/disclosure/appeals", push_disclosure_appeals)
    app.on_cleanup.append(_drain)
