"""Database connectivity failures of any API handler (PostgreSQL restarting, a broken pooled
connection) answer 503 JSON ``database_unavailable`` — a clear, retryable error — instead of the
generic 500 of bot.web.errors."""
from __future__ import annotations

import logging

from aiohttp import web

from bot.web.errors import error_response

logger = logging.getLogger(__name__)


def is_connectivity_error(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, ConnectionError, TimeoutError)):
            return True
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return True
        module = type(exc).__module__ or ""
        if module.startswith("asyncpg") and type(exc).__name__ in (
                "InternalClientError", "ConnectionDoesNotExistError", "ConnectionFailureError",
                "InterfaceError", "CannotConnectNowError", "PostgresConnectionError", "AdminShutdownError",
                "TooManyConnectionsError"):
            return True
        if isinstance(exc, OSError) and module == "builtins":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@web.middleware
async def database_faults(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if not is_connectivity_error(exc):
            raise
        logger.warning("database unavailable", extra={"path": request.path, "error": type(exc).__name__})
        return error_response(503, "database_unavailable", "系统暂时不可用，请稍后再试")


def setup(app: web.Application) -> None:
    app.middlewares.append(database_faults)
