"""Command line of the disclosure area:

    python -m bot import disclosures|disclosure-requests FILE.jsonl
"""
from __future__ import annotations

from bot.imports.cli import run_import


def _cmd_import_disclosures(args) -> int:
    from bot.disclosure.importer import import_disclosures

    return run_import(import_disclosures, args.file)


def _cmd_import_requests(args) -> int:
    from bot.disclosure.importer import import_disclosure_requests

    return run_import(import_disclosure_requests, args.file)


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("disclosures", help="import the proactive-disclosure catalog (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_disclosures)
    p = import_subparsers.add_parser("disclosure-requests", help="import disclosure requests (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_requests)
