"""One async engine per process and database URL (SQLAlchemy 1.4 in 2.0 style)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import AsyncIterator

from sqlalchemy import create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from bot.settings import get_settings, to_async_url, to_sync_url

_engines: dict[str, AsyncEngine] = {}
_makers: dict[str, sessionmaker] = {}


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the action server, the web service and the worker read while one writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def get_engine(url: str | None = None) -> AsyncEngine:
    url = to_async_url(url or get_settings().database_url)
    engine = _engines.get(url)
    if engine is None:
        _ensure_sqlite_dir(url)
        kwargs = {"future": True, "pool_pre_ping": True}
        engine = create_async_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _engines[url] = engine
    return engine


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    url = to_async_url(url or get_settings().database_url)
    maker = _makers.get(url)
    if maker is None:
        maker = sessionmaker(get_engine(url), class_=AsyncSession, expire_on_commit=False, future=True)
        _makers[url] = maker
    return maker


@contextlib.asynccontextmanager
async def session_scope(url: str | None = None) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed on success, rolled back on any error."""
    async with get_sessionmaker(url)() as session:
        async with session.begin():
            yield session


def sync_engine(url: str | None = None):
    """A synchronous engine (CLI imports, Alembic)."""
    url = to_sync_url(url or get_settings().database_url)
    _ensure_sqlite_dir(url)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


async def dispose_engine() -> None:
    for engine in list(_engines.values()):
        await engine.dispose()
    _engines.clear()
    _makers.clear()
