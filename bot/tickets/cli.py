"""Command line of the tickets area:

    python -m bot sla deadlines --category 求助 --created 2026-04-30T10:00:00+08:00 [--urgent]
        → {"category": "求助", "urgent": false, "created": ..., "sign_by": ..., "first_contact_by": ...,
           "resolve_by": ...}  (ISO 8601, Asia/Shanghai)
    python -m bot hot-issues [--from 2026-11-01] [--to 2026-11-30] [--department 区水务局] [--limit 10] [--tickets]
        → the hot issues of the period as events (the JSON of GET /api/hot-issues; without
          --tickets the ticket lists are left out)
"""
from __future__ import annotations

import json
from datetime import datetime, timezone


def _cmd_sla_deadlines(args) -> int:
    from bot.tickets import sla

    created = sla.parse_moment(args.created) if args.created else datetime.now(timezone.utc)
    policy = sla.load_policy()
    policy.resolve_days(args.category)  # clear error for an unknown category
    deadlines = sla.compute_deadlines(args.category, args.urgent, created, policy=policy)
    out = {"category": args.category, "urgent": args.urgent, "created": sla.iso(created), **deadlines.to_json()}
    print(json.dumps(out, ensure_ascii=False))
    return 0


def _cmd_hot_issues(args) -> int:
    import asyncio
    from datetime import date

    from bot.tickets import hot

    start = date.fromisoformat(args.date_from) if args.date_from else None
    end = date.fromisoformat(args.date_to) if args.date_to else None
    out = asyncio.run(hot.hot_issues(start, end, department=args.department, limit=args.limit,
                                     tickets=args.tickets))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register(subparsers, _import_subparsers) -> None:
    h = subparsers.add_parser("hot-issues", help="hot issues (热点问题) as events, hottest first")
    h.add_argument("--from", dest="date_from", help="first local date YYYY-MM-DD (default: 6 days before --to)")
    h.add_argument("--to", dest="date_to", help="last local date YYYY-MM-DD (default: today)")
    h.add_argument("--department", help="events one of whose tickets this department handles")
    h.add_argument("--limit", type=int, help="events listed (default: top_events of knowledge/hot_issues.yml)")
    h.add_argument("--tickets", action="store_true", help="list each event's tickets too")
    h.set_defaults(func=_cmd_hot_issues)

    p = subparsers.add_parser("sla", help="ticket response-time limits (knowledge/sla.yml)")
    sub = p.add_subparsers(dest="sla_action", required=True)
    d = sub.add_parser("deadlines", help="sign/first-contact/resolve deadlines of a new ticket")
    d.add_argument("--category", required=True, help="咨询 求助 投诉 举报 建议 表扬")
    d.add_argument("--created", help="ISO 8601 creation time (default: now)")
    d.add_argument("--urgent", action="store_true", help="urgent ticket (hour limits)")
    d.set_defaults(func=_cmd_sla_deadlines)
