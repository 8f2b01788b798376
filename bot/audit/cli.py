"""Command line of the audit trail:

    python -m bot audit verify    → exit 0 and "audit trail intact: N entries verified", or exit 1 and
                                    "audit trail BROKEN at entry seq=… (id=…): …" naming the first bad entry
"""
from __future__ import annotations

import sys


def _cmd_audit_verify(_args) -> int:
    from bot.audit.trail import verify
    from bot.db import migrate

    migrate.upgrade()
    result = verify()
    print(result.message(), file=sys.stdout if result.ok else sys.stderr)
    return 0 if result.ok else 1


def register(subparsers, _import_subparsers) -> None:
    p = subparsers.add_parser("audit", help="the hash-chained, signed audit trail")
    sub = p.add_subparsers(dest="audit_action", required=True)
    v = sub.add_parser("verify", help="check every entry's hash, signature and chain link")
    v.set_defaults(func=_cmd_audit_verify)
