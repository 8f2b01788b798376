"""Command line of the working-day calendar (docs/calendar.md):

    python -m bot calendar add-working-days 2025-04-30 3      → 2025-05-08
    python -m bot calendar is-working-day 2026-05-09          → true
    python -m bot calendar working-days-between 2025-12-31 2026-01-29 → 20
    python -m bot calendar status [--from 2024 --to 2030]     → the source covering each year, the
                                                                 coverage (exit 1 when degraded or
                                                                 knowledge/holidays.yml has problems)
    python -m bot calendar recompute [--dry-run]              → recompute the deadlines of open
                                                                 tickets (an audit entry per change)
"""
from __future__ import annotations

import asyncio
import json
from datetime import date

ACTIONS = {"add-working-days": ("DATE N", 2), "is-working-day": ("DATE", 1),
           "working-days-between": ("DATE1 DATE2", 2), "status": ("", 0), "recompute": ("", 0)}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"不是有效日期（YYYY-MM-DD）：{value!r}") from None


def _status(args) -> int:
    from bot import calendar

    cover = calendar.coverage()
    first = args.first or min(cover.today.year - 1, cover.last_known_year)
    last = args.last or max(cover.today.year + 4, cover.last_known_year + 1)
    for line in calendar.status_lines(first, last):
        print(line)
    problems = calendar.holiday_file().problems
    for problem in problems:
        print(f"knowledge/holidays.yml: {problem}")
    if cover.ok:
        print(f"coverage ok: holiday arrangements known through {cover.last_known_year}")
    else:
        print(f"coverage DEGRADED since {cover.warn_from}: {cover.to_json()['message']}")
    return 0 if cover.ok and not problems else 1


def _recompute(args) -> int:
    from bot.db import migrate
    from bot.tickets.recompute import DEFAULT_REASON, recompute_open_tickets

    migrate.upgrade()
    changed = asyncio.run(recompute_open_tickets(reason=args.reason or DEFAULT_REASON, dry_run=args.dry_run))
    for item in changed:
        print(json.dumps({"ticket_no": item.ticket_no, **item.changed}, ensure_ascii=False))
    print(f"{len(changed)} open tickets {'would change' if args.dry_run else 'recomputed'}")
    return 0


def _cmd_calendar(args) -> int:
    from bot import calendar

    usage, count = ACTIONS[args.action]
    if len(args.values) != count:
        raise ValueError(f"用法: calendar {args.action} {usage}".rstrip())
    if args.action == "status":
        return _status(args)
    if args.action == "recompute":
        return _recompute(args)
    if args.action == "add-working-days":
        try:
            n = int(args.values[1])
        except ValueError:
            raise ValueError(f"N 应为非负整数：{args.values[1]!r}") from None
        if n < 0:
            raise ValueError(f"N 应为非负整数：{n}")
        print(calendar.add_working_days(_date(args.values[0]), n).isoformat())
    elif args.action == "is-working-day":
        print("true" if calendar.is_working_day(_date(args.values[0])) else "false")
    else:
        print(calendar.working_days_between(_date(args.values[0]), _date(args.values[1])))
    return 0


def register(subparsers, _import_subparsers) -> None:
    p = subparsers.add_parser("calendar", help="the working-day calendar (statutory holidays, 调休, coverage)")
    p.add_argument("action", choices=list(ACTIONS))
    p.add_argument("values", nargs="*", help="DATE N | DATE | DATE1 DATE2 | (none)")
    p.add_argument("--from", dest="first", type=int, help="status: first year shown")
    p.add_argument("--to", dest="last", type=int, help="status: last year shown")
    p.add_argument("--dry-run", action="store_true", help="recompute: only list what would change")
    p.add_argument("--reason", help="recompute: the reason recorded in the audit trail")
    p.set_defaults(func=_cmd_calendar)
