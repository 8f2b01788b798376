"""Shared fixtures of the ticket tests: a migrated database (SQLite and PostgreSQL) with
departments and staff users, and tokens for each role."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy.orm import Session

from bot.auth import service as auth
from bot.db import dispose_engine, migrate, sync_engine

DEPARTMENTS = ("区住建局", "区综合执法局", "区水务局", "区生态环境局")


@dataclass
class Staff:
    url: str
    tokens: dict = field(default_factory=dict)   # username → token
    principals: dict = field(default_factory=dict)


def populate(url: str) -> Staff:
    """Departments, and users: dispatcher d1, supervisor s1, handlers zj1 zj2 (住建), zf1 (执法), admin a1."""
    staff = Staff(url)
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        for name in DEPARTMENTS:
            auth.add_department(s, name)
        for username, role, dep in (("d1", "dispatcher", None), ("s1", "supervisor", None),
                                    ("zj1", "handler", "区住建局"), ("zj2", "handler", "区住建局"),
                                    ("zf1", "handler", "区综合执法局"), ("a1", "admin", None)):
            user = auth.add_user(s, username, role, dep)
            staff.tokens[username] = auth.issue_token(s, username)
            staff.principals[username] = auth.Principal(username, role, dep, user.id)
    engine.dispose()
    return staff


@pytest.fixture
async def staff(db_url, monkeypatch):
    """A migrated database (SQLite, then PostgreSQL) with staff; settings point at it."""
    from bot.settings import reload_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("GOV_ADMIN_TOKEN", raising=False)
    reload_settings()
    migrate.upgrade(db_url)
    yield populate(db_url)
    await dispose_engine()
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
async def client(staff):
    """The web service (create_app) on a test server, over the ``staff`` database."""
    from aiohttp.test_utils import TestClient, TestServer

    from bot.web.app import create_app

    c = TestClient(TestServer(create_app()))
    await c.start_server()
    yield c
    await c.close()
