"""Command line of the knowledge area: `python -m bot import catalog PATH`."""
from __future__ import annotations


def _cmd_import_catalog(args) -> int:
    from bot.db import migrate
    from bot.knowledge.importer import import_catalog

    migrate.upgrade()
    result = import_catalog(args.file)
    print(result.summary())
    return 0


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("catalog", help="import the service-item catalog JSON (idempotent)")
    p.add_argument("file", help="items.json of the catalog (e.g. knowledge/catalog/items.json)")
    p.set_defaults(func=_cmd_import_catalog)
