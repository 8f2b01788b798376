"""Alembic migrations, run programmatically (``python -m bot db upgrade``; ``make run`` does it)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import get_settings, to_sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # '%' must be escaped for ConfigParser interpolation.
    cfg.set_main_option("sqlalchemy.url", to_sync_url(url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    from bot.db.engine import _ensure_sqlite_dir

    url = to_sync_url(url or get_settings().database_url)
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
