"""Sub-commands contributed by domain areas. Each area module listed in EXTENSIONS exposes
``register(subparsers, import_subparsers)``: top-level commands go on ``subparsers`` (calendar,
sla, users, audit...), data imports on ``import_subparsers`` (`python -m bot import KIND FILE`).
Listing them here keeps bot.cli free of domain imports."""
from __future__ import annotations

import importlib

EXTENSIONS: list[str] = ["bot.knowledge.cli", "bot.approvals.cli", "bot.disclosure.cli", "bot.calendar_cli",
                          "bot.tickets.cli", "bot.audit.cli", "bot.auth.cli", "bot.privacy_cli", "bot.worker"]


def register_extensions(subparsers) -> None:
    importer = subparsers.add_parser("import", help="import data files (idempotent)")
    import_subparsers = importer.add_subparsers(dest="kind", required=True)
    for module_name in EXTENSIONS:
        importlib.import_module(module_name).register(subparsers, import_subparsers)
