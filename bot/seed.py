"""Demo data for `make run`: each seeder fills its own tables when they are empty, deterministically."""
from __future__ import annotations

import logging
from typing import Callable, List

from bot.db import migrate

logger = logging.getLogger(__name__)

# (name, function(database_url) -> int rows added). Domain modules append to this list.
SEEDERS: List[tuple[str, Callable[[str | None], int]]] = []


def register(name: str):
    def decorator(func):
        SEEDERS.append((name, func))
        return func

    return decorator


def _load_seeders() -> None:
    # Importing the domain modules registers their seeders.
    import importlib

    for module in ("bot.knowledge.seed", "bot.approvals.seed", "bot.disclosure.seed", "bot.tickets.seed"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module and not module.startswith(exc.name or "\0"):
                raise


def seed_if_empty(url: str | None = None) -> dict:
    """Run migrations, then every seeder; a seeder adds nothing where its data already exists."""
    migrate.upgrade(url)
    _load_seeders()
    added = {}
    for name, func in SEEDERS:
        added[name] = func(url)
        logger.info("seeded %s: %d rows", name, added[name])
    return added
