"""Shared fixtures: real SQLite and PostgreSQL databases (created and dropped per test session),
a Redis key prefix of our own, and settings pointed at them."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("GOV_PROJECT_ROOT", str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")


def _pg_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def pg_server_url():
    url = _pg_admin_url()
    if not url:
        pytest.skip("TEST_DATABASE_URL not set (CI sets it)")
    return url


def create_pg_database(admin_url: str) -> tuple[str, str]:
    """Create a uniquely named database on the test server; returns (url, name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"gov_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def pg_url(pg_server_url):
    """A fresh, empty PostgreSQL database for one test."""
    url, name = create_pg_database(pg_server_url)
    yield url
    drop_pg_database(pg_server_url, name)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The same test on embedded SQLite and on PostgreSQL (fresh database each)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    admin = _pg_admin_url()
    if not admin:
        pytest.skip("TEST_DATABASE_URL not set (CI sets it)")
    url, name = create_pg_database(admin)
    yield url
    drop_pg_database(admin, name)


@pytest.fixture
def migrated_db_url(db_url):
    """db_url with every migration applied."""
    from bot.db import migrate

    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (CI sets it)")
    return url


@pytest.fixture
def redis_prefix(redis_url):
    """A key prefix of our own; every key under it is deleted afterwards."""
    import redis

    prefix = f"govtest:{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture
def app_env(monkeypatch, tmp_path, sqlite_url):
    """Settings pointed at a temporary var dir and SQLite database; restored afterwards."""
    from bot.settings import reload_settings

    monkeypatch.setenv("GOV_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = reload_settings()
    yield settings
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
def holiday_file(tmp_path, monkeypatch):
    """Call with the text of a knowledge/holidays.yml of the test's own; the calendar reads it
    (and its caches are cleared) until the test ends."""
    from bot import calendar

    path = tmp_path / "holidays.yml"

    def use(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        calendar.reload_overrides()

    monkeypatch.setattr(calendar, "holidays_path", lambda: path)
    yield use
    monkeypatch.undo()
    calendar.reload_overrides()
