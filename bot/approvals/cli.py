"""Command line of the approvals area:

    python -m bot import approvals FILE.jsonl

(Disclosure imports are in bot.disclosure.cli, the calendar commands in bot.calendar_cli.)
"""
from __future__ import annotations

from bot.imports.cli import run_import


def _cmd_import_approvals(args) -> int:
    from bot.approvals.importer import import_approvals

    return run_import(import_approvals, args.file)


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("approvals", help="import approval applications (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_approvals)
