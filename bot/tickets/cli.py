"""Command line of the tickets area:

    python -m bot sla deadlines --category 求助 --created 2026-04-30T10:00:00+08:00 [--urgent]
        → {"category": "求助", "urgent": false, "created": ..., "sign_by": ..., "first_contact_by": ...,
           "resolve_by": ...}  (ISO 8601, Asia/Shanghai)
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


def register(subparsers, _import_subparsers) -> None:
    p = subparsers.add_parser("sla", help="ticket response-time limits (knowledge/sla.yml)")
    sub = p.add_subparsers(dest="sla_action", required=True)
    d = sub.add_parser("deadlines", help="sign/first-contact/resolve deadlines of a new ticket")
    d.add_argument("--category", required=True, help="咨询 求助 投诉 举报 建议 表扬")
    d.add_argument("--created", help="ISO 8601 creation time (default: now)")
    d.add_argument("--urgent", action="store_true", help="urgent ticket (hour limits)")
    d.set_defaults(func=_cmd_sla_deadlines)
