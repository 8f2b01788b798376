"""Public knowledge API (no auth: it is public information).

GET /api/knowledge/search?q=TEXT&k=5 → {"results": [{id, kind, name, department, score, has_guide, url}]}
GET /api/knowledge/guides/{id}       → the guide (办事指南) as JSON
"""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from bot.knowledge.search import MAX_QUERY_CHARS, SearchIndex, get_index
from bot.web.errors import ApiError
from bot.web.http import json_response

logger = logging.getLogger(__name__)

DEFAULT_K = 5
MAX_K = 20
INDEX_KEY = "knowledge_index"




async def _index(app: web.Application) -> SearchIndex:
    index = app.get(INDEX_KEY)
    if index is None:
        try:
            index = await asyncio.get_running_loop().run_in_executor(None, get_index)
        except Exception as exc:  # bad knowledge data: say so, do not crash the whole service
            logger.exception("knowledge index unavailable")
            raise ApiError(503, "knowledge_unavailable", "办事指南知识库暂不可用，请稍后再试") from exc
        app[INDEX_KEY] = index
    return index


async def search(request: web.Request) -> web.Response:
    q = request.query.get("q")
    if q is None or not q.strip():
        raise ApiError(400, "missing_query", "请提供查询内容 q")
    if len(q) > MAX_QUERY_CHARS:
        raise ApiError(400, "query_too_long", f"查询内容不能超过 {MAX_QUERY_CHARS} 个字符")
    raw_k = request.query.get("k", str(DEFAULT_K))
    try:
        k = int(raw_k)
    except ValueError:
        raise ApiError(400, "invalid_k", "k 必须是整数") from None
    k = max(1, min(MAX_K, k))
    index = await _index(request.app)
    results = index.search(q, k=k)
    return json_response({"query": q, "k": k, "results": [r.to_json() for r in results]})


def guide_json(index: SearchIndex, guide_id: str) -> dict | None:
    guide = index.knowledge.guides.get(guide_id)
    if guide is None:
        return None
    result = index.get(guide_id)
    body = dict(guide.raw)
    dept = index.knowledge.department(guide.department)
    body["catalog_items"] = [{"id": i.id, "name": i.name, "department": i.department, "url": i.url}
                             for i in (result.items if result else ())]
    if dept is not None:
        body["department_info"] = {
            "name": dept.name,
            "phone": dept.phone.value if dept.phone.known else None,
            "address": dept.address.value if dept.address.known else None,
            "hours": dept.hours.value if dept.hours.known else None,
        }
    return body


async def guide(request: web.Request) -> web.Response:
    guide_id = request.match_info["guide_id"]
    index = await _index(request.app)
    body = guide_json(index, guide_id)
    if body is None:
        raise ApiError(404, "guide_not_found", f"没有编号为 {guide_id} 的办事指南")
    return json_response(body)


async def _warm_up(app: web.Application) -> None:
    # Build the index at start-up (in a thread), not on the first citizen's query.
    try:
        app[INDEX_KEY] = await asyncio.get_running_loop().run_in_executor(None, get_index)
    except Exception:
        logger.exception("knowledge index could not be built at start-up")


def setup(app: web.Application) -> None:
    app.router.add_get("/api/knowledge/search", search)
    app.router.add_get("/api/knowledge/guides/{guide_id}", guide)
    app.on_startup.append(_warm_up)
