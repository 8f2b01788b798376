"""What every `python -m bot import …` command does around its importer."""
from __future__ import annotations


def run_import(importer, path) -> int:
    """Migrate, import one JSON-lines file, print the summary; exit status 1 when rows were invalid."""
    from bot.db import migrate

    migrate.upgrade()
    result = importer(path)
    print(result.summary())
    return 1 if result.errors else 0
