"""The aiohttp application: each area registers its routes through a ``setup(app)`` function."""
from __future__ import annotations

import logging
import time

from aiohttp import web

from bot.db import dispose_engine
from bot.redis_client import close_redis
from bot.web import assist, console, errors, health, inbox, knowledge, portal, mp, sync, tickets
from bot.web import dbfaults, disclosure, feedback, hot, limits, openapi, public, situations, supervision, uploads, visits

logger = logging.getLogger(__name__)

# Areas of the API, in registration order. Each module exposes setup(app).
AREAS = [health, knowledge, situations, uploads, portal, public, visits, feedback, mp, tickets, inbox, hot, assist, console, sync,
         supervision, disclosure, openapi, limits, dbfaults]


@web.middleware
async def access_log(request: web.Request, handler):
    started = time.perf_counter()
    response = await handler(request)
    logger.info(
        "http request",
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response


async def _on_cleanup(_app: web.Application) -> None:
    await dispose_engine()
    await close_redis()


def create_app() -> web.Application:
    app = web.Application(middlewares=[access_log, errors.json_errors], client_max_size=2 * 1024 * 1024)
    for area in AREAS:
        area.setup(app)
    app.on_cleanup.append(_on_cleanup)
    return app


def serve(host: str, port: int) -> None:
    from bot import worker  # the ticket worker runs inside the web service (WORKER_IN_WEB)

    app = create_app()
    app.on_startup.append(worker.start_in_app)
    app.on_cleanup.insert(0, worker.stop_in_app)
    web.run_app(app, host=host, port=port, access_log=None, print=None)
