"""Command line of the approvals and disclosure areas:

    python -m bot import approvals|disclosures|disclosure-requests FILE.jsonl
    python -m bot calendar add-working-days 2025-04-30 3      → 2025-05-08
    python -m bot calendar is-working-day 2026-05-09          → true
    python -m bot calendar working-days-between 2025-12-31 2026-01-29 → 20
"""
from __future__ import annotations

from datetime import date


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"不是有效日期（YYYY-MM-DD）：{value!r}") from None


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


def _cmd_calendar(args) -> int:
    from bot import calendar

    if args.action == "add-working-days":
        if len(args.values) != 2:
            raise ValueError("用法: calendar add-working-days DATE N")
        try:
            n = int(args.values[1])
        except ValueError:
            raise ValueError(f"N 应为非负整数：{args.values[1]!r}") from None
        if n < 0:
            raise ValueError(f"N 应为非负整数：{n}")
        print(calendar.add_working_days(_date(args.values[0]), n).isoformat())
    elif args.action == "is-working-day":
        if len(args.values) != 1:
            raise ValueError("用法: calendar is-working-day DATE")
        print("true" if calendar.is_working_day(_date(args.values[0])) else "false")
    else:
        if len(args.values) != 2:
            raise ValueError("用法: calendar working-days-between DATE1 DATE2")
        print(calendar.working_days_between(_date(args.values[0]), _date(args.values[1])))
    return 0


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

    p = subparsers.add_parser("calendar", help="the working-day calendar (statutory holidays, 调休)")
    p.add_argument("action", choices=["add-working-days", "is-working-day", "working-days-between"])
    p.add_argument("values", nargs="+", help="DATE N | DATE | DATE1 DATE2")
    p.set_defaults(func=_cmd_calendar)
