"""Command line of the approvals area:

    python -m bot import approvals FILE.jsonl

(Disclosure imports are in bot.disclosure.cli, the calendar commands in bot.calendar_cli.)
"""
from __future__ import annotations

from bot.imports.cli import run_import


def _cmd_import_approvals(args) -> int:
    from bot.approvals.importer import import_approvals

    status = run_import(import_approvals, args.file)
    if status != 2:
        _supervise(args.file)
    return status


def _supervise(path) -> None:
    """Lights, warnings and stage notices of the imported applications at once, as after a push
    (bot.supervision; events older than notices.max_event_age_hours send nothing)."""
    import asyncio

    from bot.cases.numbers import normalize_case_no
    from bot.db import dispose_engine
    from bot.imports.jsonl import decode_lines
    from bot.supervision.service import refresh

    items, _ = decode_lines(path)
    numbers = [normalize_case_no(v["application_no"]) for _, v in items
               if isinstance(v, dict) and isinstance(v.get("application_no"), str)]

    async def run():
        try:
            result = await refresh(numbers=numbers)
            print(f"supervision: applications={result.applications} warnings={result.warnings} "
                  f"notices={result.notices} sent={result.sent}")
        finally:
            await dispose_engine()

    asyncio.run(run())


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("approvals", help="import approval applications (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_approvals)
