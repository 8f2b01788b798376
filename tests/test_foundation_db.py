"""Migrations run on SQLite and PostgreSQL, and are idempotent."""
from sqlalchemy import inspect

from bot.db import migrate, sync_engine


def test_migrations_apply_twice(db_url):
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)  # already at head: nothing to do, no error
    engine = sync_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "app_meta"} <= tables
