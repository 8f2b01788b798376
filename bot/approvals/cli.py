"""Command line of the approvals and disclosure areas:

    python -m bot import approvals|disclosures|disclosure-requests FILE.jsonl

(The calendar commands are in bot.calendar_cli.)
"""
from __future__ import annotations


def _run_import(importer, path) -> int:
    from bot.db import migrate

    migrate.upgrade()
    result = importer(path)
    print(result.summary())
    return 1 if result.errors else 0


def _cmd_import_approvals(args) -> int:
    from bot.approvals.importer import import_approvals

    return _run_import(import_approvals, args.file)


def _cmd_import_disclosures(args) -> int:
    from bot.disclosure.importer import import_disclosures

    return _run_import(import_disclosures, args.file)


def _cmd_import_requests(args) -> int:
    from bot.disclosure.importer import import_disclosure_requests

    return _run_import(import_disclosure_requests, args.file)


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("approvals", help="import approval applications (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_approvals)
    p = import_subparsers.add_parser("disclosures", help="import the proactive-disclosure catalog (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_disclosures)
    p = import_subparsers.add_parser("disclosure-requests", help="import disclosure requests (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_requests)
